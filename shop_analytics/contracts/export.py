"""Regenerate the checked-in schema files in `schemas/` from the models.

Run `python -m shop_analytics.contracts.export` after changing a model and commit the files with
the change; with `--check` it only lists files that differ (the contract tests fail on the same
drift).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shop_analytics.contracts.avro_schemas import (
    PRODUCT_MODELS,
    product_avro_schema,
    product_schema_file,
)
from shop_analytics.contracts.clickhouse_ddl import clickhouse_purchases_ddl
from shop_analytics.contracts.json_schemas import purchase_json_schema, purchase_schema_file
from shop_analytics.contracts.postgres_ddl import POSTGRES_TABLES, postgres_ddl
from shop_analytics.contracts.purchase_messages import PURCHASE_MODELS
from shop_analytics.contracts.schema_files import SCHEMA_DIR

EXPORT_COMMAND = "python -m shop_analytics.contracts.export"
SQL_HEADER = f"-- Generated from shop_analytics.contracts by `{EXPORT_COMMAND}`; do not edit.\n"


def render_all() -> dict[str, str]:
    """Every schema file's name and expected text, as the models define them now."""
    files: dict[str, str] = {}
    for version in PURCHASE_MODELS:
        files[purchase_schema_file(version)] = _json_text(purchase_json_schema(version))
    for version in PRODUCT_MODELS:
        files[product_schema_file(version)] = _avro_text(product_avro_schema(version))
    for table in POSTGRES_TABLES:
        files[f"{table}.sql"] = SQL_HEADER + postgres_ddl(table)
    files["clickhouse_purchases.sql"] = SQL_HEADER + clickhouse_purchases_ddl()
    return files


def stale_files(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of the files in `directory` that are missing or differ from `render_all()`."""
    return [
        name
        for name, text in render_all().items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != text
    ]


def write_all(directory: Path = SCHEMA_DIR) -> list[str]:
    """Rewrite the stale files in `directory`; returns their names."""
    stale = stale_files(directory)
    directory.mkdir(parents=True, exist_ok=True)
    expected = render_all()
    for name in stale:
        (directory / name).write_text(expected[name], encoding="utf-8")
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the schema files, or with `--check` list stale ones and exit 1."""
    parser = argparse.ArgumentParser(prog=EXPORT_COMMAND, description=__doc__)
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="target directory")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.dir)
        for name in stale:
            print(f"stale: {name}", file=sys.stderr)
        return 1 if stale else 0
    for name in write_all(args.dir):
        print(f"wrote {args.dir / name}")
    return 0


def _json_text(document: dict[str, Any]) -> str:
    # ensure_ascii=False keeps the spec's Cyrillic examples readable in the files.
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _avro_text(schema: dict[str, Any]) -> str:
    # One field per line, as the spec prints its Avro schema, so a diff shows the changed field.
    header = {key: value for key, value in schema.items() if key != "fields"}
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in header.items()]
    fields = ",\n".join(
        f"    {json.dumps(field, ensure_ascii=False)}" for field in schema["fields"]
    )
    return "{\n" + "\n".join(lines) + '\n  "fields": [\n' + fields + "\n  ]\n}\n"


if __name__ == "__main__":
    sys.exit(main())
