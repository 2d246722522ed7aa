"""The code location's definitions, one folder per stage, found by `dg.load_from_defs_folder`.

sources -> ingest -> stage -> batch (Spark) -> marts (ClickHouse) -> report; `jobs` names the
runs the sensor, the schedule and the CLI launch. `common` holds what every stage shares.
"""
