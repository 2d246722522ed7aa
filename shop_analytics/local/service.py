"""What every local service offers the stack: start, stop, report, and provision."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from shop_analytics.local.process import ManagedProcess
from shop_analytics.settings import Settings


@dataclass(frozen=True)
class Status:
    name: str
    running: bool
    detail: str  # address, PID, or why it is not running

    def line(self) -> str:
        state = "up  " if self.running else "down"
        return f"{self.name:<11}{state}  {self.detail}"


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

    @abstractmethod
    def check_prerequisites(self) -> None:
        """Raise ServiceError with one clear line when something this service needs is missing."""

    @abstractmethod
    def start(self) -> None:
        """Start the server and return once it answers; else ServiceError with the log tail."""

    @abstractmethod
    def provision(self) -> None:
        """Create what the project needs on the server (database, bucket, topics); idempotent."""

    def stop(self) -> bool:
        return self.process.stop()

    def status(self) -> Status:
        pid = self.process.pid()
        if pid is None:
            return Status(self.system, False, "not running")
        return Status(self.system, True, f"pid {pid}")
