"""What every local service offers the stack: start, stop, report, and provision."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from shop_analytics.local.process import ManagedProcess, ServiceError, port_open
from shop_analytics.settings import Settings


@dataclass(frozen=True)
class Status:
    name: str
    running: bool
    detail: str  # address, PID, or why it is not running

    def line(self) -> str:
        state = "up  " if self.running else "down"
        return f"{self.name:<16}{state}  {self.detail}"


class LocalService(ABC):
    """A real server run on 127.0.0.1 with its data under ``settings.home``.

    ``system`` is the key of ``settings.EXTERNAL_MARKERS`` that makes this service external:
    the stack then neither starts nor stops it.
    """

    system: str

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def process(self) -> ManagedProcess:
        return ManagedProcess(self.system, self.settings.home / "run")

    def wanted(self) -> bool:
        """Whether `up` starts this service; an optional one (the Spark cluster) may say no,
        and `down` still stops it if it runs."""
        return True

    @abstractmethod
    def check_prerequisites(self) -> None:
        """Raise ServiceError with one clear line when something this service needs is missing."""

    @abstractmethod
    def start(self) -> None:
        """Start the server and return once it answers; else ServiceError with the log tail."""

    @abstractmethod
    def provision(self) -> None:
        """Create what the project needs on the server (database, bucket, topics); idempotent."""

    def ensure_startable(self, *ports: int) -> None:
        """Refuse to start twice, or on a port another process holds.

        Without the port check a readiness probe would take somebody else's server on our port
        for ours, while ours exits on the busy port.
        """
        if (pid := self.process.pid()) is not None:
            raise ServiceError(f"{self.system}: already running (pid {pid})")
        self.ensure_ports_free(*ports)

    def ensure_ports_free(self, *ports: int) -> None:
        for port in ports:
            if port_open(port):
                raise ServiceError(
                    f"{self.system}: port {port} is already in use by another process "
                    "(move SHOP_ANALYTICS_PORT_BASE or stop that process)"
                )

    def stop(self) -> bool:
        return self.process.stop()

    def status(self) -> Status:
        pid = self.process.pid()
        if pid is None:
            return Status(self.system, False, "not running")
        return Status(self.system, True, f"pid {pid}")
