"""The code location: the one `dg.Definitions` that `workspace.yaml` loads.

Assets, checks, jobs, the sensor and the schedule are found in `defs/` (one folder per stage);
the resources, which only this module wires to the environment, are added here.
"""

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from shop_analytics import settings
from shop_analytics.resources import build_resources


def resource_values(environ: Mapping[str, str] = os.environ) -> Callable[[str], Any]:
    """How a resource field gets its value: a variable the user set stays a ``dg.EnvVar``
    (read at launch, hidden in the UI); one left unset takes its embedded default, so that
    `dagster dev` on a fresh checkout talks to the local stack (`shop-analytics up`) with no
    .env file. Loading the code location reads the environment and never writes it."""
    defaults = settings.load(environ).as_environment()
    return lambda name: dg.EnvVar(name) if name in environ else defaults[name]


defs = dg.Definitions.merge(
    dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
    dg.Definitions(resources=build_resources(resource_values())),
)

# For runs outside the code location (the demo, tests, benchmarks): `dg.materialize` takes them.
ASSETS_AND_CHECKS: list[dg.AssetsDefinition] = [
    d
    for d in (*(defs.assets or []), *(defs.asset_checks or []))
    if isinstance(d, dg.AssetsDefinition)
]
