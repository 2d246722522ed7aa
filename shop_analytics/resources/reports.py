"""Where rendered reports go: a folder (``$SHOP_ANALYTICS_HOME/reports`` by default)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field


class ReportsFolder(dg.ConfigurableResource):
    """A folder of HTML reports, each a single self-contained file."""

    home: str = Field(description="The platform's home; reports are written to home/reports.")

    @property
    def folder(self) -> Path:
        return Path(self.home).expanduser().resolve() / "reports"

    def write(self, name: str, html: str) -> Path:
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)  # readers never see half a page
        return path
