"""The report page: charts of revenue per day, category share and RFM segments, and a table.

The page carries plotly.js inline (from the installed plotly package): one file, ~4.7 MB, that
draws its charts when copied anywhere and opened without a network connection.
"""

from __future__ import annotations

import html
from functools import cache

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

# Categories under this share of revenue are drawn as one "other" slice: thin slices' labels
# would sit on top of each other.
SMALL_SLICE = 0.03
OTHER = "other"


@cache
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def render_report(
    day: str,
    daily: pd.DataFrame,
    categories: pd.DataFrame,
    segments: pd.DataFrame,
    top_products: pd.DataFrame,
) -> str:
    """A self-contained page for the sales up to and including ``day``."""
    charts = [
        px.bar(daily, x="day", y="revenue", title="Revenue per day"),
        category_pie(categories),
        px.bar(
            segments,
            x="rfm_segment",
            y="clients",
            hover_data=["revenue"],
            title="Clients per RFM segment",
        ),
    ]
    body = "\n".join(
        chart.update_layout(height=420).to_html(full_html=False, include_plotlyjs=False)
        for chart in charts
    )
    total = daily["revenue"].sum() if len(daily) else 0.0
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sales report {html.escape(day)}</title>
<script>{plotly_js()}</script>
<style>body{{font-family:sans-serif;margin:2rem;max-width:1100px}}
table{{border-collapse:collapse}}td,th{{padding:.3rem .8rem;border-bottom:1px solid #ddd}}
th,td{{text-align:left}}th.number,td.number{{text-align:right;font-variant-numeric:tabular-nums}}
</style>
</head><body>
<h1>Sales report up to {html.escape(day)}</h1>
<p>{len(daily)} days, revenue {total:,.2f}. Source: the ClickHouse marts.</p>
{body}
<h2>Top products on {html.escape(day)}</h2>
{html_table(top_products)}
</body></html>
"""


def category_pie(categories: pd.DataFrame) -> go.Figure:
    """Each category's share of revenue, the small ones grouped as "other", labels outside."""
    total = categories["revenue"].sum()
    small = categories["revenue"] < SMALL_SLICE * total if total else categories["revenue"] < 0
    shown = categories[~small]
    if small.sum() > 1:
        other = pd.DataFrame({"category": [OTHER], "revenue": [categories[small]["revenue"].sum()]})
        shown = pd.concat([shown, other], ignore_index=True)
    else:
        shown = categories
    pie = px.pie(shown, names="category", values="revenue", title="Revenue share by category")
    return pie.update_traces(textposition="outside", textinfo="label+percent").update_layout(
        showlegend=False, margin={"t": 60, "b": 60, "l": 80, "r": 80}
    )


def html_table(frame: pd.DataFrame) -> str:
    """A table whose headers align with their cells: numbers right, text left."""
    numeric = [pd.api.types.is_numeric_dtype(frame[column]) for column in frame.columns]

    def cell(tag: str, value: object, is_number: bool) -> str:
        text = f"{value:,.2f}" if isinstance(value, float) else str(value)
        css = ' class="number"' if is_number else ""
        return f"<{tag}{css}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", c, n) for c, n in zip(frame.columns, numeric, strict=True))
    rows = "\n".join(
        "<tr>" + "".join(cell("td", v, n) for v, n in zip(row, numeric, strict=True)) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"
