"""Live figures: today's and the last hour's sales, straight from the ClickHouse fact."""

from shop_analytics.live.figures import SPANS, LiveFigures, SpanFigures, live_figures

__all__ = ["SPANS", "LiveFigures", "SpanFigures", "live_figures"]
