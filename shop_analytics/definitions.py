"""The code location: the one `dg.Definitions` that `workspace.yaml` loads.

Assets, checks, jobs, the sensor and the schedule are found in `defs/` (one folder per stage);
the resources, which only this module wires to the environment, are added here.
"""

from pathlib import Path

import dagster as dg

from shop_analytics import settings
from shop_analytics.resources import build_resources

# Fill in the embedded defaults for every variable the user left unset, so that `dagster dev`
# on a fresh checkout talks to the local stack (`shop-analytics up`) without any .env file.
settings.export_defaults()

defs = dg.Definitions.merge(
    dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
    dg.Definitions(resources=build_resources()),
)

# For runs outside the code location (the demo, tests, benchmarks): `dg.materialize` takes them.
ASSETS_AND_CHECKS: list[dg.AssetsDefinition] = [
    d
    for d in (*(defs.assets or []), *(defs.asset_checks or []))
    if isinstance(d, dg.AssetsDefinition)
]
