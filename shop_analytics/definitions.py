"""The code location: the one `dg.Definitions` that `workspace.yaml` loads."""

import dagster as dg

from shop_analytics import settings
from shop_analytics.assets import ALL_ASSETS, ALL_CHECKS
from shop_analytics.jobs import JOBS
from shop_analytics.resources import build_resources
from shop_analytics.schedules import SCHEDULES
from shop_analytics.sensors import SENSORS

# Fill in the embedded defaults for every variable the user left unset, so that `dagster dev`
# on a fresh checkout talks to the local stack (`shop-analytics up`) without any .env file.
settings.export_defaults()


defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources=build_resources(),
)
