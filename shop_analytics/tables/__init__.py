"""Every table of the platform (ClickHouse, PostgreSQL, Delta) and the step that creates them."""
