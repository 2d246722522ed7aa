"""The sales report: the marts rendered as an HTML page with charts.

Unpartitioned: a run renders the page of its last day only (a range of days is one page, not
one per day), so the asset is "the report as of" that day, named in its metadata.
"""

import dagster as dg

from shop_analytics.defs.common import ANALYTICS_OWNERS, CLICKHOUSE_POOL, run_last_day
from shop_analytics.defs.report.charts import render_report
from shop_analytics.resources import ClickHouseResource
from shop_analytics.resources.reports import ReportsFolder

WINDOW_DAYS = 30
QUERIES = {
    "daily": "SELECT day, orders, units, revenue FROM sales_daily "
    "WHERE day > toDate(%(day)s) - %(window)s AND day <= %(day)s ORDER BY day",
    "categories": "SELECT category, sum(revenue) AS revenue FROM category_revenue_daily "
    "WHERE day > toDate(%(day)s) - %(window)s AND day <= %(day)s GROUP BY category "
    "ORDER BY revenue DESC",
    "segments": "SELECT rfm_segment, count() AS clients, round(sum(revenue), 2) AS revenue "
    "FROM client_rfm WHERE as_of = (SELECT max(as_of) FROM client_rfm WHERE as_of <= %(day)s) "
    "GROUP BY rfm_segment ORDER BY clients DESC",
    "top_products": "SELECT rank, name, category, units, revenue FROM top_products_daily "
    "WHERE day = %(day)s ORDER BY rank",
}


@dg.asset(
    group_name="report",
    owners=ANALYTICS_OWNERS,
    kinds={"clickhouse", "html"},
    pool=CLICKHOUSE_POOL,
    deps=["sales_daily", "category_revenue_daily", "top_products_daily", "client_rfm"],
)
def sales_report(
    context: dg.AssetExecutionContext, clickhouse: ClickHouseResource, reports: ReportsFolder
) -> dg.MaterializeResult:
    """An HTML page of the last 30 days up to the day: revenue per day, each category's share
    of revenue, clients per RFM segment, and the day's top products. The link is in the
    metadata; `latest.html` beside it is always the newest day rendered. Run on its own, it
    shows the newest day of `sales_daily`."""
    with clickhouse.session() as client:
        day = run_last_day(context) or str(
            client.query("SELECT toString(max(day)) FROM sales_daily").result_rows[0][0]
        )
        frames = {
            name: client.query_df(query, parameters={"day": day, "window": WINDOW_DAYS})
            for name, query in QUERIES.items()
        }
    page = render_report(day, **frames)
    path = reports.write(f"sales-report-{day}.html", page)
    latest = reports.folder / "latest.html"
    if not latest.exists() or day >= _latest_day(reports):
        reports.write("latest.html", page)
        reports.write("latest-day.txt", day)
    return dg.MaterializeResult(
        metadata={
            "as_of": day,
            "report": dg.MetadataValue.url(path.as_uri()),
            "path": dg.MetadataValue.path(str(path)),
            "days_shown": len(frames["daily"]),
            "revenue_shown": round(float(frames["daily"]["revenue"].sum()), 2),
        }
    )


def _latest_day(reports: ReportsFolder) -> str:
    marker = reports.folder / "latest-day.txt"
    return marker.read_text().strip() if marker.exists() else ""
