"""One run of a day range in the Dagster instance, with a progress line per step.

The run is created the way the UI would create it: it names the code location of
`workspace.yaml` and its job, so the UI lists it under that job and can re-execute it. It is
executed here, in this process (the in-process executor: each step would otherwise start a
process that imports the whole code location again), and its events drive the progress lines.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

# The one module that reaches into Dagster's internals: Dagster 1.13 has no public call that
# creates a run naming a workspace's code location (what makes the UI able to re-execute it)
# and executes it in this process while handing back its events.
from dagster._core.definitions.reconstruct import ReconstructableJob, ReconstructableRepository
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.execution.api import execute_run_iterator
from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.workspace.load import location_origins_from_yaml_paths

from shop_analytics.defs.common import range_tags

Echo = Callable[[str], None]

CODE_MODULE = "shop_analytics.definitions"
REPOSITORY = "__repository__"  # the repository name Dagster gives a module's `dg.Definitions`
# Executor and console logs of a CLI run: steps in this process; the console shows warnings and
# errors only (the progress lines say what each step did; the full event log is in the UI).
RUN_CONFIG: dict[str, Any] = {
    "execution": {"config": {"in_process": {}}},
    "loggers": {"console": {"config": {"log_level": "WARNING"}}},
}
# A range run otherwise writes one "materialization planned" event per asset and day before the
# first step (5 460 for 546 days, at tens of milliseconds each in SQLite: minutes of nothing);
# with it set, Dagster writes one event per asset holding the range. Its one cost, per Dagster:
# the days of a failed run are not marked failed in the UI (the run is, and says which step).
ENVIRONMENT = {"DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "1"}


class BackfillError(RuntimeError):
    """The run failed; the message is one line saying where and why."""


@dataclass
class StepProgress:
    """What a step materialised: days (partitions) and rows, per asset."""

    started: float = field(default_factory=time.perf_counter)
    days: set[str] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)
    as_of: str | None = None

    def line(self, step: str, seconds: float) -> str:
        if self.days:
            days = f"{len(self.days)} days"
        else:
            days = f"as of {self.as_of}" if self.as_of else "unpartitioned"
        # Row counts only where the step reported one (the report writes a file, not rows).
        rows = f"{sum(self.rows.values()):,} rows, " if self.rows else ""
        return f"[{step}] {days}, {rows}{seconds:.1f} s"


def code_location_job(job_name: str) -> tuple[ReconstructableJob, RemoteJobOrigin]:
    """The job as this process loads it, and its origin as the UI's workspace names it."""
    working_directory = os.getcwd()
    repository = ReconstructableRepository.for_module(CODE_MODULE, "defs", working_directory)
    workspace = Path(working_directory) / "workspace.yaml"
    (location,) = location_origins_from_yaml_paths([str(workspace)])
    origin = RemoteJobOrigin(RemoteRepositoryOrigin(location, REPOSITORY), job_name)
    return repository.get_reconstructable_job(job_name), origin


def run_range(
    job_name: str,
    first: str,
    last: str,
    asset_keys: Iterable[str] = (),
    echo: Echo = print,
) -> dg.DagsterRun:
    """Create and execute one run of ``job_name`` over the days ``first``..``last``."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    instance = dg.DagsterInstance.get()
    recon_job, origin = code_location_job(job_name)
    selection = frozenset(dg.AssetKey.from_user_string(key) for key in asset_keys) or None
    if selection:
        recon_job = recon_job.get_subset(asset_selection=selection)
    run = instance.create_run_for_job(
        job_def=recon_job.get_definition(),
        run_config=RUN_CONFIG,
        tags=range_tags(first, last),
        asset_selection=selection,
        job_code_origin=recon_job.get_python_origin(),
        remote_job_origin=origin,
    )
    echo(f"run {run.run_id} ({job_name}, {first}..{last}) in {instance.root_directory}")
    failures: list[str] = []
    for line in progress_lines(execute_run_iterator(recon_job, run, instance), failures):
        echo(line)
    finished = instance.get_run_by_id(run.run_id)
    if failures or finished is None or finished.status != dg.DagsterRunStatus.SUCCESS:
        status = finished.status.value if finished else "missing"
        reason = failures[0] if failures else f"run ended {status}"
        raise BackfillError(f"{reason} (run {run.run_id}; its full log is in the Dagster UI)")
    return finished


def progress_lines(events: Iterator[DagsterEvent], failures: list[str]) -> Iterator[str]:
    """A line per finished step (days, rows, seconds); failures are appended to ``failures``
    (the run goes on to its end, so that Dagster records how it ended)."""
    steps: dict[str, StepProgress] = {}
    for event in events:
        step = event.step_key or ""
        if event.event_type == DagsterEventType.STEP_START:
            steps[step] = StepProgress()
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            _record(steps.setdefault(step, StepProgress()), event)
        elif event.event_type == DagsterEventType.STEP_SUCCESS:
            progress = steps.get(step, StepProgress())
            yield progress.line(step, time.perf_counter() - progress.started)
        elif event.event_type in (DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE):
            failures.append(f"{step or 'run'} failed: {_error_line(event)}")


def _record(progress: StepProgress, event: DagsterEvent) -> None:
    materialization = event.step_materialization_data.materialization
    if materialization.partition:
        progress.days.add(materialization.partition)
    metadata = materialization.metadata
    asset = materialization.asset_key.to_user_string()
    count = metadata.get("dagster/row_count")
    if count is not None and asset not in progress.rows:
        progress.rows[asset] = int(count.value)  # type: ignore[arg-type]
    as_of = metadata.get("as_of")
    if as_of is not None:
        progress.as_of = str(as_of.value)


def _error_line(event: DagsterEvent) -> str:
    error = getattr(event.event_specific_data, "error", None)
    if error is None:
        return event.message or "no error message"
    # The innermost cause is the one that says what went wrong (Dagster wraps user errors).
    while error.cause is not None:
        error = error.cause
    lines = [line for line in error.message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else error.cls_name or "error"
