"""The report page: charts of revenue per day, category share and RFM segments, and a table."""

from __future__ import annotations

import html

import pandas as pd
import plotly.express as px

from shop_analytics.resources.reports import PLOTLY_JS


def render_report(
    day: str,
    daily: pd.DataFrame,
    categories: pd.DataFrame,
    segments: pd.DataFrame,
    top_products: pd.DataFrame,
) -> str:
    """A self-contained page (plotly.js beside it) for the sales up to and including ``day``."""
    charts = [
        px.bar(daily, x="day", y="revenue", title="Revenue per day"),
        px.pie(categories, names="category", values="revenue", title="Revenue share by category"),
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
    table = top_products.to_html(index=False, float_format=lambda v: f"{v:,.2f}", border=0)
    total = daily["revenue"].sum() if len(daily) else 0.0
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sales report {html.escape(day)}</title>
<script src="{PLOTLY_JS}"></script>
<style>body{{font-family:sans-serif;margin:2rem;max-width:1100px}}
table{{border-collapse:collapse}}td,th{{padding:.3rem .8rem;border-bottom:1px solid #ddd}}</style>
</head><body>
<h1>Sales report up to {html.escape(day)}</h1>
<p>{len(daily)} days, revenue {total:,.2f}. Source: the ClickHouse marts.</p>
{body}
<h2>Top products on {html.escape(day)}</h2>
{table}
</body></html>
"""
