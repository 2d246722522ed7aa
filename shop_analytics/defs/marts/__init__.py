"""Marts: the daily ClickHouse tables analysts read, reconciled with the stage."""
