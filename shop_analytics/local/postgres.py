"""A real PostgreSQL server from Debian's binaries, data under ``settings.home / "postgres"``.

PostgreSQL refuses to run as root, so as root every command runs as the system user
``postgres``. The server runs in the foreground under ManagedProcess (not ``pg_ctl start``,
which daemonises) so that the PID file names the postmaster itself.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from shop_analytics.local.process import ServiceError, wait_until
from shop_analytics.local.service import LocalService, Status

# The version the project is tested with comes first; any other installed one is a fallback.
PREFERRED_BINDIR = Path("/usr/lib/postgresql/15/bin")
SERVER_USER = "postgres"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0


def find_bindir() -> Path | None:
    """The directory holding ``postgres`` and ``initdb``, or None."""
    candidates = [PREFERRED_BINDIR]
    if pg_config := shutil.which("pg_config"):
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bindir in candidates:
        if (bindir / "postgres").is_file() and (bindir / "initdb").is_file():
            return bindir
    return None


def first_blocked_dir(directory: Path, user: pwd.struct_passwd | None = None) -> Path | None:
    """The first of ``directory`` and its parents that the server user cannot enter, or None."""
    user = user or pwd.getpwnam(SERVER_USER)
    for path in (directory, *directory.parents):
        mode = path.stat()
        if mode.st_uid == user.pw_uid:
            ok = bool(mode.st_mode & stat.S_IXUSR)
        elif mode.st_gid == user.pw_gid:
            ok = bool(mode.st_mode & stat.S_IXGRP)
        else:
            ok = bool(mode.st_mode & stat.S_IXOTH)
        if not ok:
            return path
    return None


class PostgresService(LocalService):
    system = "postgres"

    @property
    def data_dir(self) -> Path:
        return self.settings.home / "postgres"

    @property
    def socket_dir(self) -> Path:
        return self.settings.home / "run" / "postgres-socket"

    @property
    def port(self) -> int:
        return self.settings.port("postgres")

    def check_prerequisites(self) -> None:
        if find_bindir() is None:
            raise ServiceError(
                "PostgreSQL 15 server binaries not found: apt-get install postgresql-15"
            )
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise ServiceError(
                    f"PostgreSQL cannot run as root and there is no `{SERVER_USER}` user: "
                    "apt-get install postgresql-15 (it creates one)"
                ) from None
            if shutil.which("setpriv") is None:
                raise ServiceError("`setpriv` not found: apt-get install util-linux")

    def start(self) -> None:
        self.check_prerequisites()
        bindir = find_bindir()
        assert bindir is not None  # checked just above
        self.ensure_startable(self.port)
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bindir)
        self._check_version(bindir)
        self._remove_stale_lock()
        argv = [
            str(bindir / "postgres"),
            "-D", str(self.data_dir),
            "-h", "127.0.0.1",
            "-p", str(self.port),
            "-k", str(self.socket_dir),
        ]  # fmt: skip
        # setpriv execs in place (runuser would fork and stay the parent), so the PID file
        # holds the postmaster and stop() can signal it directly.
        self.process.start([*self._as_server_user(), *argv])
        wait_until(self._settled, START_TIMEOUT_S, interval=0.2)
        if not self._accepts_connections():
            state = "exited"
            if self.process.pid() is not None:
                state = f"does not accept connections after {START_TIMEOUT_S:.0f} s"
            self.stop()
            raise ServiceError(
                f"postgres {state} on 127.0.0.1:{self.port} after start "
                f"(log {self.process.log_file}):\n{self.process.log_tail()}"
            )

    def provision(self) -> None:
        """Create the database the DSN names (``shop``), if it is missing."""
        dbname = conninfo_to_dict(self.settings.postgres_dsn).get("dbname") or "shop"
        with self._connect("postgres") as conn:
            conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
            ).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(dbname))))

    def stop(self) -> bool:
        """Fast shutdown (SIGINT): SIGTERM's smart shutdown would wait for every client."""
        pid = self.process.pid()
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
        if wait_until(lambda: self.process.pid() is None, STOP_TIMEOUT_S):
            return True
        return self.process.stop()  # SIGTERM, then SIGKILL, to the whole group

    def status(self) -> Status:
        pid = self.process.pid()
        if pid is None:
            return Status(self.system, False, "not running")
        return Status(self.system, True, f"127.0.0.1:{self.port}  pid {pid}")

    # -- helpers -----------------------------------------------------------------------------

    def _as_server_user(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        return ["setpriv", f"--reuid={SERVER_USER}", f"--regid={SERVER_USER}", "--init-groups"]

    def _prepare_dirs(self) -> None:
        for path in (self.data_dir, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o700)  # initdb and the server insist on a private data directory
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            for path in (self.data_dir, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
            self._check_traversable(self.data_dir.parent, user)
            self._check_traversable(self.socket_dir.parent, user)

    @staticmethod
    def _check_traversable(directory: Path, user: pwd.struct_passwd) -> None:
        # The server user must be able to walk down to its directories; a root-only parent
        # (umask 077, /root) makes initdb fail with a far less clear message.
        blocked = first_blocked_dir(directory, user)
        if blocked is not None:
            raise ServiceError(
                f"postgres: user `{user.pw_name}` cannot enter {blocked}; "
                f"run `chmod o+x {blocked}` or set SHOP_ANALYTICS_HOME elsewhere"
            )

    def _initdb(self, bindir: Path) -> None:
        argv = [
            *self._as_server_user(),
            str(bindir / "initdb"),
            "-D", str(self.data_dir),
            "--auth=trust",
            "-U", SERVER_USER,
            "-E", "UTF8",
            # C.UTF-8 gives Unicode-aware upper/lower on every Debian without generated locales.
            "--locale=C.UTF-8",
        ]  # fmt: skip
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
            raise ServiceError(f"postgres: initdb failed in {self.data_dir}:\n{tail}")

    def _check_version(self, bindir: Path) -> None:
        data_version = (self.data_dir / "PG_VERSION").read_text().strip()
        result = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True
        )
        # "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" -> "15"
        match = re.search(r"\(PostgreSQL\) (\d+)", result.stdout)
        binary_version = match.group(1) if match else "?"
        if binary_version != data_version:
            raise ServiceError(
                f"postgres: {self.data_dir} was created by PostgreSQL {data_version} but "
                f"{bindir} holds PostgreSQL {binary_version}; install postgresql-{data_version} "
                "or remove the directory"
            )

    def _remove_stale_lock(self) -> None:
        # After a crash or a reboot, postmaster.pid may name a PID that now belongs to another
        # program; the server then refuses to start ("Is another postmaster running?"). Our
        # own PID file says no server of ours runs, so a lock naming a non-postgres is stale.
        lock = self.data_dir / "postmaster.pid"
        try:
            pid = int(lock.read_text().split("\n", 1)[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            return  # no lock, or its process is gone: the server copes with that itself
        except ValueError:
            cmdline = b""
        if b"postgres" not in cmdline:
            lock.unlink(missing_ok=True)

    def _connect(self, dbname: str, timeout_s: int = 5) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SERVER_USER,
            dbname=dbname,
            connect_timeout=timeout_s,
        )

    def _settled(self) -> bool:
        """Up, or exited (bad config, busy port): either way there is no point waiting longer."""
        return self.process.pid() is None or self._accepts_connections()

    def _accepts_connections(self) -> bool:
        try:
            with self._connect("postgres", timeout_s=2):
                return True
        except psycopg.OperationalError:
            return False  # not listening yet, or "the database system is starting up"
