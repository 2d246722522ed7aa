-- As of each day with sales: the clients of each monthly cohort (month of the first purchase,
-- the day's month and the twelve before it) active in each month since, counting purchases up to
-- that day. Month 0 holds every client of the cohort, so it gives the cohort's size.
SELECT day, cohort_month, toUInt16(months_since), cohort_clients, active_clients,
       active_clients / cohort_clients
FROM (
    SELECT day, cohort_month, months_since, active_clients,
           first_value(active_clients) OVER (
               PARTITION BY day, cohort_month ORDER BY months_since) AS cohort_clients
    FROM (
        SELECT d.day AS day, m.cohort_month AS cohort_month, m.months_since AS months_since,
               count() AS active_clients
        FROM (SELECT DISTINCT day FROM range_purchases) AS d
        CROSS JOIN (
            -- One row a client and month they bought in, with their first day of that month.
            SELECT client_id, toStartOfMonth(days[1]) AS cohort_month,
                   dateDiff('month', cohort_month, toStartOfMonth(day)) AS months_since,
                   min(day) AS first_in_month
            FROM client_days ARRAY JOIN days AS day
            WHERE cohort_month >= addMonths(toStartOfMonth(toDate(%(first)s)), -12)
            GROUP BY client_id, cohort_month, months_since
        ) AS m
        WHERE m.first_in_month <= d.day
          AND m.cohort_month >= addMonths(toStartOfMonth(d.day), -12)
        GROUP BY day, cohort_month, months_since
    )
)
