"""`make ui` as written, and Dagster on the stack's PostgreSQL keeping its state over a restart."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster_graphql import DagsterGraphQLClient

from shop_analytics.settings import Settings
from shop_analytics_tests.test_local.dagster_ui import (
    REPO_ROOT,
    DagsterUI,
    environment,
    free_port,
    graphql,
)

SCHEDULE = "daily_batch_schedule"  # ticks at 00:30 UTC only: turning it on launches nothing
SENSOR = "purchases_kafka_sensor"  # left stopped; only its cursor is set
RUN_TIMEOUT_S = 240.0


def _make_ui_command() -> list[str]:
    """The command line `make ui` runs for its target (setup, its prerequisite, is left out)."""
    plan = subprocess.run(
        ["make", "--just-print", "ui"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    lines = [line for line in plan if "shop-analytics ui" in line]
    assert len(lines) == 1, plan
    return shlex.split(lines[0])


def _path_without_virtualenv() -> str:
    # The crash this guards against: `dagster` looked up on PATH, which lacks .venv/bin
    # unless the virtualenv is activated.
    venv_bins = {os.path.dirname(sys.executable), str(REPO_ROOT / ".venv" / "bin")}
    entries = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(e for e in entries if e and e not in venv_bins)


def test_make_ui_serves_on_the_port_base_and_stops_on_sigterm(
    stack: Settings, tmp_path: Path
) -> None:
    argv = _make_ui_command()
    env = environment(tmp_path / "dagster", PATH=_path_without_virtualenv())
    ui = DagsterUI(argv, env, tmp_path / "ui.log")
    url = f"http://127.0.0.1:{stack.dagster_ui_port}"
    try:
        info = ui.wait_until_serving(url)
        assert "dagster_webserver_version" in info
        assert f"Dagster UI on {url} " in ui.output()
    finally:
        code = ui.stop()
    assert code is not None, f"ui did not exit on SIGTERM:\n{ui.tail()}"
    assert ui.wait_group_gone(), "webserver or daemon outlived dagster dev"


# -- Dagster on PostgreSQL -------------------------------------------------------------------

SELECTOR_QUERY = """{ repositoriesOrError { ... on RepositoryConnection {
    nodes { name location { name } } } } }"""
SCHEDULE_STATE = """query ($s: ScheduleSelector!) { scheduleOrError(scheduleSelector: $s) {
    ... on Schedule { scheduleState { status } } } }"""
SENSOR_STATE = """query ($s: SensorSelector!) { sensorOrError(sensorSelector: $s) {
    ... on Sensor { sensorState { status typeSpecificData { ... on SensorData { lastCursor } } } }
} }"""
RUN_STATUS = """query ($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status } } }"""
# A mutation that fails answers a PythonError (HTTP 500): ask for its message.
OUTCOME = "fragment Outcome on PythonError { __typename message }"
START_SCHEDULE = (
    OUTCOME
    + """mutation ($s: ScheduleSelector!) {
    startSchedule(scheduleSelector: $s) { ...Outcome } }"""
)
RESET_SCHEDULE = (
    OUTCOME
    + """mutation ($s: ScheduleSelector!) {
    resetSchedule(scheduleSelector: $s) { ...Outcome } }"""
)
SET_CURSOR = (
    OUTCOME
    + """mutation ($s: SensorSelector!, $c: String) {
    setSensorCursor(sensorSelector: $s, cursor: $c) { ...Outcome } }"""
)


class Instance:
    """The GraphQL handles on one dagster dev: selectors of the schedule and the sensor."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = url = f"http://127.0.0.1:{port}"
        node = graphql(url, SELECTOR_QUERY)["repositoriesOrError"]["nodes"][0]
        where = {"repositoryName": node["name"], "repositoryLocationName": node["location"]["name"]}
        self.schedule = {**where, "scheduleName": SCHEDULE}
        self.sensor = {**where, "sensorName": SENSOR}

    def schedule_status(self) -> str:
        found = graphql(self.url, SCHEDULE_STATE, {"s": self.schedule})["scheduleOrError"]
        return str(found["scheduleState"]["status"])

    def sensor_state(self) -> tuple[str, str | None]:
        state = graphql(self.url, SENSOR_STATE, {"s": self.sensor})["sensorOrError"]["sensorState"]
        return state["status"], state["typeSpecificData"]["lastCursor"]

    def run_status(self, run_id: str) -> str:
        found = graphql(self.url, RUN_STATUS, {"id": run_id})["runOrError"]
        return str(found.get("status", found["__typename"]))


@pytest.fixture
def postgres_ui(stack: Settings, tmp_path: Path) -> Iterator[tuple[Path, list[DagsterUI]]]:
    """`shop-analytics ui --storage postgres` starts; every one started is stopped at the end."""
    started: list[DagsterUI] = []
    yield tmp_path / "dagster", started
    for ui in started:
        ui.stop()


def _start(home: Path, started: list[DagsterUI], log: Path) -> Instance:
    # A port the kernel has just found free: the port base may lie in the ephemeral range,
    # where a client socket can hold the UI's port for a while.
    port = free_port()
    argv = [sys.executable, "-m", "shop_analytics.cli", "ui", "--storage", "postgres"]
    ui = DagsterUI([*argv, "--port", str(port)], environment(home), log)
    started.append(ui)
    url = f"http://127.0.0.1:{port}"
    ui.wait_until_serving(url)
    return Instance(port)


def _stop(started: list[DagsterUI]) -> None:
    ui = started[-1]
    assert ui.stop() is not None, f"dagster dev did not exit on SIGTERM:\n{ui.tail()}"
    assert ui.wait_group_gone(), "webserver or daemon outlived dagster dev"


def _wait_for_run(instance: Instance, run_id: str) -> str:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while (status := instance.run_status(run_id)) not in {"SUCCESS", "FAILURE", "CANCELED"}:
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(2)
    return status


def test_postgres_storage_keeps_runs_schedules_and_cursors_over_a_restart(
    postgres_ui: tuple[Path, list[DagsterUI]], tmp_path: Path
) -> None:
    home, started = postgres_ui
    instance = _start(home, started, tmp_path / "first.log")
    # The database outlives test sessions: begin from the schedule's state in code (stopped).
    graphql(instance.url, RESET_SCHEDULE, {"s": instance.schedule})
    assert instance.schedule_status() == "STOPPED"
    graphql(instance.url, START_SCHEDULE, {"s": instance.schedule})
    cursor = f"test-{uuid.uuid4().hex}"
    graphql(instance.url, SET_CURSOR, {"s": instance.sensor, "c": cursor})
    # A real asset that needs only PostgreSQL: `sellers` records its table's row count.
    client = DagsterGraphQLClient("127.0.0.1", port_number=instance.port)
    run_id = client.submit_job_execution("__ASSET_JOB", asset_selection=["sellers"])
    assert _wait_for_run(instance, run_id) == "SUCCESS"
    _stop(started)

    instance = _start(home, started, tmp_path / "second.log")
    try:
        assert instance.run_status(run_id) == "SUCCESS"
        assert instance.schedule_status() == "RUNNING"
        assert instance.sensor_state() == ("STOPPED", cursor)
    finally:
        graphql(instance.url, RESET_SCHEDULE, {"s": instance.schedule})
    _stop(started)
    # Everything went to PostgreSQL: no SQLite run or schedule storage under DAGSTER_HOME.
    assert not (home / "history").exists() and not (home / "schedules").exists()
