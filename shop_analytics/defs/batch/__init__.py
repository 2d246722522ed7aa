"""Batch: the daily Spark step (client metrics, product stock and metrics) and its schedule."""
