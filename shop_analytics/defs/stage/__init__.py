"""Stage: the spec's {client, purchase, product} record per purchase, a Delta table by day."""
