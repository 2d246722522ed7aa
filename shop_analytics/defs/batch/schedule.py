"""The daily schedule: yesterday's stage, batch, marts and report, every night."""

from __future__ import annotations

import dagster as dg

from shop_analytics.defs.jobs import daily_batch_job

# 00:30 UTC: the day is complete, and half an hour leaves late purchases time to land.
daily_batch_schedule = dg.build_schedule_from_partitioned_job(
    daily_batch_job, hour_of_day=0, minute_of_hour=30, name="daily_batch_schedule"
)
