"""A real Apicurio Registry serving the Confluent Schema Registry API, stored in PostgreSQL.

The server distribution comes from Maven Central through ``registry/pom.xml`` (no Docker) and is
unpacked under ``settings.home / "registry"``; its subjects live in a database of their own
(``registry``) on the project's PostgreSQL, so they outlast a restart like every other store.
Clients speak to ``/apis/ccompat/v7``, the Confluent-compatible API, so that the same code works
against a Confluent registry in production.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from shop_analytics.local.java import find_java
from shop_analytics.local.maven import resolve_jars
from shop_analytics.local.process import ServiceError, port_open
from shop_analytics.local.service import LocalService, Status

POM = Path(__file__).resolve().parent / "registry" / "pom.xml"
MIN_JAVA = 21  # Apicurio Registry 3.3 is built for Java 21
START_TIMEOUT = 120.0  # ready in 8-9 s on an idle machine; far longer beside Spark on 2 cores
DATABASE = "registry"

# Quarkus sizes its heap for a server; the registry holds a few subjects. The serial collector
# suits 2 cores and a heap this small.
JVM_OPTIONS = ("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-Djava.awt.headless=true")


class RegistryService(LocalService):
    system = "schema_registry"

    @property
    def root(self) -> Path:
        return self.settings.home / "registry"

    @property
    def port(self) -> int:
        return self.settings.port("schema_registry")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def check_prerequisites(self) -> None:
        if find_java(MIN_JAVA) is None:
            raise ServiceError(
                f"the schema registry (Apicurio 3) needs Java {MIN_JAVA}+ and none was found "
                "(JAVA_HOME, PATH, /usr/lib/jvm): apt-get install openjdk-21-jre-headless, "
                "or set JAVA_HOME to a JDK 21+, or set SCHEMA_REGISTRY_URL to an external one"
            )
        if shutil.which("mvn") is None:
            raise ServiceError(
                "the schema registry comes from Maven Central: apt-get install maven"
            )

    def start(self) -> None:
        self.ensure_startable(self.port)
        found = find_java(MIN_JAVA)
        if found is None:
            self.check_prerequisites()  # raises with the hint
            return
        app = self._unpacked_app()
        self._create_database()
        self.process.start(
            [found[0], *JVM_OPTIONS, "-jar", str(app / "quarkus-run.jar")],
            env=self._environment(),
            cwd=app,
        )
        self._wait_until_ready()

    def provision(self) -> None:
        """Register the contracts' schemas under their subjects (idempotent)."""
        from shop_analytics.schema_registry.subjects import provision_subjects

        provision_subjects(self.settings)

    def status(self) -> Status:
        found = super().status()
        if found.running:
            return Status(self.system, True, f"{self.base_url}  {found.detail}")
        return found

    # -- helpers -----------------------------------------------------------------------------

    def _unpacked_app(self) -> Path:
        """The distribution unpacked once per archive (a new version unpacks beside the old)."""
        (archive,) = resolve_jars(POM, self.root)
        app = self.root / f"app-{hashlib.sha256(archive.name.encode()).hexdigest()[:12]}"
        if (app / "quarkus-run.jar").is_file():
            return app
        partial = app.with_name(app.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        with tarfile.open(archive) as tar:
            tar.extractall(partial, filter="data")
        shutil.rmtree(app, ignore_errors=True)
        partial.rename(app)  # whole or absent: a crash mid-unpack leaves only the .partial
        return app

    def _postgres(self) -> dict[str, str]:
        params = conninfo_to_dict(self.settings.postgres_dsn)
        return {key: str(value) for key, value in params.items() if value is not None}

    def _create_database(self) -> None:
        # The server's maintenance database: ours may not exist yet.
        dsn = make_conninfo(self.settings.postgres_dsn, dbname="postgres", connect_timeout=10)
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
                ).fetchone()
                if exists is None:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        except psycopg.errors.DuplicateDatabase:
            pass  # a concurrent `up` created it first
        except psycopg.OperationalError as exc:
            raise ServiceError(f"schema registry: PostgreSQL does not answer: {exc}") from exc

    def _environment(self) -> dict[str, str]:
        params = self._postgres()
        host, port = params.get("host", "127.0.0.1"), params.get("port", "5432")
        return {
            **os.environ,
            "QUARKUS_HTTP_HOST": "127.0.0.1",
            "QUARKUS_HTTP_PORT": str(self.port),
            # Its own default is 0.0.0.0:9000: every interface, and one port for every stack.
            "QUARKUS_MANAGEMENT_HOST": "127.0.0.1",
            "QUARKUS_MANAGEMENT_PORT": str(self.settings.port("schema_registry_management")),
            # One INFO line per request would grow the log with every consumer lookup.
            "QUARKUS_HTTP_ACCESS_LOG_ENABLED": "false",
            "APICURIO_STORAGE_KIND": "sql",
            "APICURIO_STORAGE_SQL_KIND": "postgresql",
            "APICURIO_DATASOURCE_URL": f"jdbc:postgresql://{host}:{port}/{DATABASE}",
            "APICURIO_DATASOURCE_USERNAME": params.get("user", "postgres"),
            # The local server trusts 127.0.0.1; the driver still wants a value.
            "APICURIO_DATASOURCE_PASSWORD": params.get("password", "local"),
        }

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.pid() is None:
                self._fail("exited during startup")
            if port_open(self.port) and self._answers():
                return
            time.sleep(0.3)
        self.process.stop(timeout=20)
        self._fail(f"did not answer within {START_TIMEOUT:.0f} s")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/apis/ccompat/v7/subjects", timeout=5):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def _fail(self, what: str) -> NoReturn:
        raise ServiceError(
            f"schema registry {what}; last lines of {self.process.log_file}:\n"
            f"{self.process.log_tail()}"
        )
