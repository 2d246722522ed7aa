"""Table definitions shared by the ingestor, the assets and the seed: Delta and ClickHouse."""
