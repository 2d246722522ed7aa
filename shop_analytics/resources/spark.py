"""Spark for the daily batch: a PySpark session with Delta Lake and the S3A filesystem.

pip's pyspark ships neither Delta nor S3A, so the resource fetches their jars from Maven Central
(``local/spark/pom.xml``) the first time a session is needed, not at import: loading the
definitions must stay cheap, and most runs never touch Spark. The whole Spark configuration is
a pure function of the resource's fields (``build_spark_config``), so it can be read and tested
without starting a JVM.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dagster_pyspark import LazyPySparkResource
from dagster_pyspark.resources import spark_session_from_config
from pydantic import Field
from pyspark import SparkContext
from pyspark.sql import SparkSession

from shop_analytics.local.maven import resolve_jars

SPARK_POM = Path(__file__).resolve().parent.parent / "local" / "spark" / "pom.xml"

# Hadoop options that carry credentials. PySpark hands its launch configuration to spark-submit
# as command-line arguments, where any local user can read them (ps, /proc/PID/cmdline); these
# are set on the running session's Hadoop configuration instead.
CREDENTIAL_OPTIONS = ("fs.s3a.access.key", "fs.s3a.secret.key")

# The JVM of a local session lives for one batch of seconds to a minute. The C2 compiler and the
# parallel collectors spend threads on a peak speed such a run never reaches, and on two busy
# cores they take CPU from the job itself: the client-only (C1) compiler and the serial collector
# halved the batch of a few thousand purchases at a load average of 7-14 (session start 64 -> 29
# s, stage scan and client metrics 108 -> 29 s).
LOCAL_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def s3a_uri(uri: str) -> str:
    """``s3://bucket/key`` as Hadoop's S3 connector spells it (``s3a://``); others unchanged.

    The lake root is written ``s3://`` for delta-rs and boto; Hadoop serves S3 only as ``s3a``.
    Local paths pass through, so the same code runs on a folder lake.
    """
    if uri.startswith("s3://"):
        return "s3a://" + uri.removeprefix("s3://")
    return uri


def on_this_machine(master: str) -> bool:
    """``local[...]``, or a standalone master on loopback (the local cluster of `up`)."""
    host = urlsplit(master).hostname if master.startswith("spark://") else None
    return master.startswith("local") or host in ("127.0.0.1", "localhost")


def build_spark_config(
    *,
    master: str,
    home: Path,
    jars: Sequence[Path] = (),
    s3_endpoint_url: str = "",
    s3_access_key_id: str = "",
    s3_secret_access_key: str = "",
    s3_region: str = "us-east-1",
    driver_memory: str = "1g",
    shuffle_partitions: int = 4,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The full Spark configuration; ``extra`` is applied last and wins."""
    scratch = home / "spark"
    conf: dict[str, str] = {
        "spark.master": master,
        "spark.app.name": "shop_analytics",
        "spark.driver.memory": driver_memory,
        # The default of 200 shuffle partitions means 200 tiny tasks per shuffle on 2 cores.
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        # Delta rebuilds a table's state with this many partitions (default 50) on every read.
        "spark.databricks.delta.snapshotPartitions": str(shuffle_partitions),
        # Timestamps in the contracts are UTC ("...Z"); the JVM's zone must not shift them.
        "spark.sql.session.timeZone": "UTC",
        # A batch job logs through Dagster: no web UI, no progress bars drawn into the log.
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.local.dir": str(scratch / "tmp"),
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.endpoint.region": s3_region,
        # Bounded failure: S3A's defaults retry an unreachable endpoint for minutes (AWS SDK
        # retries inside S3A retries, with back-off). One of each makes a refused connection
        # fail each S3 call in ~1 s. Throttling keeps its own, longer retry budget. Hadoop 3.4
        # raises any connection timeout below 15 s to 15 s, so a silent host costs more.
        "spark.hadoop.fs.s3a.attempts.maximum": "1",
        "spark.hadoop.fs.s3a.retry.limit": "1",
        "spark.hadoop.fs.s3a.retry.interval": "250ms",
        "spark.hadoop.fs.s3a.connection.establish.timeout": "15s",
        "spark.hadoop.fs.s3a.connection.timeout": "60s",
    }
    if on_this_machine(master):
        # Driver and executors share one JVM, or the executors run on this machine (a master
        # on loopback has only local workers): listen on loopback only, not on every interface.
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
        conf["spark.driver.extraJavaOptions"] = LOCAL_JVM_OPTIONS
        if not master.startswith("local"):
            conf["spark.executor.extraJavaOptions"] = LOCAL_JVM_OPTIONS
    if jars:
        conf["spark.jars"] = ",".join(str(jar) for jar in jars)
    if s3_endpoint_url:
        # A non-AWS store (SeaweedFS, MinIO): buckets in the path, TLS as the URL says.
        conf["spark.hadoop.fs.s3a.endpoint"] = s3_endpoint_url
        conf["spark.hadoop.fs.s3a.path.style.access"] = "true"
        secure = urlsplit(s3_endpoint_url).scheme == "https"
        conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(secure).lower()
    if s3_access_key_id:
        # Only these keys: the default chain would also probe EC2 instance metadata, which
        # hangs off AWS instead of failing.
        conf["spark.hadoop.fs.s3a.aws.credentials.provider"] = (
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
        )
        conf["spark.hadoop.fs.s3a.access.key"] = s3_access_key_id
        conf["spark.hadoop.fs.s3a.secret.key"] = s3_secret_access_key
    conf.update({key: _conf_value(value) for key, value in (extra or {}).items()})
    return conf


def _conf_value(value: Any) -> str:
    # Spark stores strings; Python's str(True) is "True", Spark's spelling is "true".
    return str(value).lower() if isinstance(value, bool) else str(value)


class SparkResource(LazyPySparkResource):
    """A lazily started Spark session with Delta Lake and S3A, configured from these fields.

    Wire the fields to ``dg.EnvVar`` (SPARK_MASTER, S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, ...):
    assets use ``spark_session`` and never read the environment. The first access resolves the
    jars and starts the session; later accesses in the process reuse it (``getOrCreate``), so
    static options such as ``spark.jars`` apply only to the first session of a process.
    """

    master: str = Field(default="local[2]", description="Spark master URL.")
    home: str = Field(description="Folder for the fetched jars (jars/spark) and scratch (spark).")
    s3_endpoint_url: str = Field(default="", description="S3 endpoint; empty for AWS itself.")
    s3_access_key_id: str = Field(default="", description="Empty: the default AWS chain.")
    s3_secret_access_key: str = Field(default="")
    s3_region: str = Field(default="us-east-1")
    driver_memory: str = Field(default="1g")
    shuffle_partitions: int = Field(default=4)
    log_level: str = Field(
        default="ERROR",
        description="Spark's own log level once the session is up. Its WARN lines repeat for "
        "harmless conditions (a jar's duplicate classes, a local directory overridden by the "
        "cluster) and would drown the run's log.",
    )
    spark_config: dict[str, Any] = Field(
        default_factory=dict, description="Extra Spark options; they override the derived ones."
    )

    @classmethod
    def _is_dagster_maintained(cls) -> bool:
        # Inherited as True from dagster-pyspark; this subclass is ours.
        return False

    @property
    def jars_dir(self) -> Path:
        return Path(self.home) / "jars" / "spark"

    def resolved_config(self, jars: Sequence[Path] = ()) -> dict[str, str]:
        return build_spark_config(
            master=self.master,
            home=Path(self.home),
            jars=jars,
            s3_endpoint_url=self.s3_endpoint_url,
            s3_access_key_id=self.s3_access_key_id,
            s3_secret_access_key=self.s3_secret_access_key,
            s3_region=self.s3_region,
            driver_memory=self.driver_memory,
            shuffle_partitions=self.shuffle_partitions,
            extra=self.spark_config,
        )

    def resolve_jars(self) -> list[Path]:
        """Delta and S3A jars from Maven Central; the classpath is cached in ``jars_dir``."""
        # Parallel steps of one run may all be first: one resolves, the others wait and reuse it.
        with _file_lock(self.jars_dir.parent / "spark.lock"):
            return resolve_jars(SPARK_POM, self.jars_dir)

    @property
    def spark_session(self) -> SparkSession:
        if self._spark_session is None:
            if on_this_machine(self.master):
                # PySpark starts Python workers (UDFs) with $PYSPARK_PYTHON or else `python3`
                # from PATH, which need not be this virtualenv; locally, make it this one.
                os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
                # A local driver serves this machine only: bind to loopback, not guess a NIC.
                os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            self._spark_session = _start_session(self.resolved_config(self.resolve_jars()))
            self._spark_session.sparkContext.setLogLevel(self.log_level)
        session: SparkSession = self._spark_session
        return session

    @property
    def spark_context(self) -> SparkContext:
        return self.spark_session.sparkContext


def _start_session(conf: Mapping[str, str]) -> SparkSession:
    hadoop_prefix = "spark.hadoop."
    secret = {hadoop_prefix + name for name in CREDENTIAL_OPTIONS}
    session: SparkSession = spark_session_from_config(
        {key: value for key, value in conf.items() if key not in secret}
    )
    # Before the first S3 access, so the cached S3A filesystem is created with the keys. SQL
    # file scans and writes (Delta's too) send the session's Hadoop configuration along with
    # their tasks, which is how executors of a cluster get them as well.
    hadoop_conf = session.sparkContext._jsc.hadoopConfiguration()
    for key in secret & conf.keys():
        hadoop_conf.set(key.removeprefix(hadoop_prefix), conf[key])
    return session


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
