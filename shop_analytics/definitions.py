"""The code location: the one `dg.Definitions` that `workspace.yaml` loads."""

import dagster as dg

from shop_analytics import settings
from shop_analytics.resources import build_resources

# Fill in the embedded defaults for every variable the user left unset, so that `dagster dev`
# on a fresh checkout talks to the local stack (`shop-analytics up`) without any .env file.
settings.export_defaults()

defs = dg.Definitions(resources=build_resources())
