"""Where rendered reports go: a folder (``$SHOP_ANALYTICS_HOME/reports`` by default)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

PLOTLY_JS = "plotly.min.js"


class ReportsFolder(dg.ConfigurableResource):
    """A folder of HTML reports, with one shared copy of plotly.js so each page stays small
    and opens without a network connection."""

    home: str = Field(description="The platform's home; reports are written to home/reports.")

    @property
    def folder(self) -> Path:
        return Path(self.home).expanduser().resolve() / "reports"

    def write(self, name: str, html: str) -> Path:
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        script = folder / PLOTLY_JS
        if not script.exists():
            # Imported here: the API and the stream build every resource and never draw.
            from plotly.offline import get_plotlyjs

            tmp = script.with_suffix(".tmp")
            tmp.write_text(get_plotlyjs())
            tmp.replace(script)
        path = folder / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(html)
        tmp.replace(path)  # readers never see half a page
        return path
