"""A Spark standalone cluster from the installed PySpark: a master and SPARK_CLUSTER_SIZE workers.

By default (SPARK_CLUSTER_SIZE=0) Spark runs ``local[2]`` inside the process that uses it and
there is nothing to start. With 1 or 2, ``up`` starts a master and that many workers of one core
and 1 GB each, every one a JVM of its own listening on 127.0.0.1 only, and SPARK_MASTER points
the batch at ``spark://127.0.0.1:<base + 77>``: the path a deployment on a real cluster takes.
The executors are started by the workers for each batch and get the Delta and S3A jars from the
driver (``spark.jars``), as on any cluster.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn

import pyspark

from shop_analytics.local.java import java, major_version
from shop_analytics.local.process import ManagedProcess, ServiceError
from shop_analytics.local.service import LocalService, Status
from shop_analytics.settings import MAX_SPARK_CLUSTER_SIZE, spark_worker_port_names

MIN_JAVA = 17
START_TIMEOUT_S = 120.0  # two cold JVMs registering on 2 busy cores
WORKER_CORES = 1
WORKER_MEMORY = "1g"  # what one executor takes by default (spark.executor.memory)
# The daemons only schedule; the work happens in the executors they start.
DAEMON_MEMORY = "256m"
DAEMON_JAVA_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1"
# Each application leaves the jars it was sent (~540 MB with the AWS SDK) in the worker's folder:
# remove a finished application's folder after 15 minutes, looking every five.
WORKER_CLEANUP = (
    "-Dspark.worker.cleanup.enabled=true -Dspark.worker.cleanup.interval=300 "
    "-Dspark.worker.cleanup.appDataTtl=900"
)


def spark_home() -> Path:
    """The installed pyspark package: it carries Spark's jars and `bin/spark-class`."""
    return Path(pyspark.__file__).resolve().parent


class SparkClusterService(LocalService):
    system = "spark"

    @property
    def size(self) -> int:
        return self.settings.spark_cluster_size

    @property
    def root(self) -> Path:
        return self.settings.home / "spark-cluster"

    @property
    def process(self) -> ManagedProcess:
        return ManagedProcess("spark-master", self.settings.home / "run")

    def worker_process(self, worker: int) -> ManagedProcess:
        return ManagedProcess(f"spark-worker-{worker}", self.settings.home / "run")

    def wanted(self) -> bool:
        return self.size > 0

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.settings.port('spark_master')}"

    def check_prerequisites(self) -> None:
        found = java()
        version = major_version(found) if found else None
        if version is None or version < MIN_JAVA:
            raise ServiceError(
                f"Spark needs Java {MIN_JAVA}+ (found {version or 'none'}): "
                "apt-get install openjdk-17-jre-headless"
            )
        if not (spark_home() / "bin" / "spark-class").is_file():
            raise ServiceError(f"{spark_home()} has no bin/spark-class: reinstall pyspark")

    def start(self) -> None:
        """Start the master and every worker that is not running (all of them, or one that
        died), then wait until every worker has registered."""
        port = self.settings.port
        if self.process.pid() is None:
            self.ensure_ports_free(port("spark_master"), port("spark_master_ui"))
            self.process.start(
                self._argv(
                    "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1",
                    "--port", str(port("spark_master")),
                    "--webui-port", str(port("spark_master_ui")),
                ),
                env=self._environment(),
            )  # fmt: skip
        for worker in range(1, self.size + 1):
            if self.worker_process(worker).pid() is None:
                self._start_worker(worker)
        self._wait_until_ready()

    def _start_worker(self, worker: int) -> None:
        rpc, ui = (self.settings.port(name) for name in spark_worker_port_names(worker))
        self.ensure_ports_free(rpc, ui)
        work_dir = self.root / f"worker-{worker}"
        work_dir.mkdir(parents=True, exist_ok=True)
        self.worker_process(worker).start(
            self._argv(
                "org.apache.spark.deploy.worker.Worker", self.master_url,
                "--host", "127.0.0.1",
                "--port", str(rpc),
                "--webui-port", str(ui),
                "--cores", str(WORKER_CORES),
                "--memory", WORKER_MEMORY,
                "--work-dir", str(work_dir),
            ),
            env=self._environment(),
        )  # fmt: skip

    def provision(self) -> None:
        """Nothing to create: applications bring their own jars and configuration."""

    def stop(self) -> bool:
        # Workers first, so none is left trying to reach a master that has gone. Every possible
        # worker: `down` also stops a cluster that was started with another size.
        workers = [self.worker_process(n) for n in range(1, MAX_SPARK_CLUSTER_SIZE + 1)]
        stopped = [process.stop(timeout=30) for process in workers]
        return self.process.stop(timeout=30) or any(stopped)

    def status(self) -> Status:
        pid = self.process.pid()
        if pid is None:
            return Status(self.system, False, "not running")
        alive = self.alive_workers()
        if not self.wanted():
            # Left from an `up` with SPARK_CLUSTER_SIZE set; `down` stops it.
            return Status(self.system, True, f"{self.master_url}  pid {pid}, {alive} workers")
        return Status(
            self.system,
            alive == self.size,
            f"{self.master_url}  pid {pid}, {alive} of {self.size} workers alive",
        )

    def alive_workers(self) -> int:
        """Workers registered with the master, from its web UI's JSON; 0 if it does not answer."""
        url = f"http://127.0.0.1:{self.settings.port('spark_master_ui')}/json/"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                state = json.load(response)
        except (OSError, urllib.error.URLError, ValueError):
            return 0
        return int(state.get("aliveworkers", 0)) if state.get("status") == "ALIVE" else 0

    def _argv(self, main_class: str, *args: str) -> list[str]:
        return [str(spark_home() / "bin" / "spark-class"), main_class, *args]

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SPARK_HOME=str(spark_home()),
            # The web UIs and the executors the workers start bind to loopback, not to every
            # interface.
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_DAEMON_MEMORY=DAEMON_MEMORY,
            SPARK_DAEMON_JAVA_OPTS=DAEMON_JAVA_OPTIONS,
            SPARK_WORKER_OPTS=WORKER_CLEANUP,
            SPARK_LOG_DIR=str(self.root / "logs"),
        )
        return env

    def _wait_until_ready(self) -> None:
        """Return once every worker has registered; fail fast if a JVM exits."""
        processes = [self.process] + [self.worker_process(n) for n in range(1, self.size + 1)]
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for process in processes:
                if process.pid() is None:
                    self._fail(process, "exited during startup")
            if self.alive_workers() == self.size:
                return
            time.sleep(0.2)
        self.stop()
        self._fail(self.process, f"had not {self.size} workers within {START_TIMEOUT_S:.0f} s")

    def _fail(self, process: ManagedProcess, what: str) -> NoReturn:
        raise ServiceError(
            f"{process.name} {what}; last lines of {process.log_file}:\n{process.log_tail()}"
        )
