"""Delta tables (delta-rs) in a lake on S3 or in a local folder.

pyarrow and deltalake are imported by the methods that use them: together they cost ~85 MB and
~0.4 s, which a process that only holds the settings (an API worker before its first product
request) should not pay.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pydantic import Field

from shop_analytics.clients.client_model import ClientModel

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from deltalake import DeltaTable

    TableData: TypeAlias = pa.Table | pa.RecordBatchReader | pd.DataFrame

WriteMode = Literal["append", "overwrite", "error", "ignore"]


class LakeClient(ClientModel):
    """Where Delta tables live: ``root`` is ``s3://bucket[/prefix]`` or a local folder.

    For S3 the endpoint and keys come from configuration; a local folder needs
    neither. Timeouts and retries are bounded so that an unreachable endpoint fails in seconds
    instead of the object store's default of ten retries over up to three minutes.
    """

    root: str = Field(description="s3://bucket[/prefix], or a local folder path")
    endpoint_url: str | None = Field(
        default=None, description="S3 endpoint, e.g. http://127.0.0.1:15333; None for AWS"
    )
    access_key_id: str | None = Field(default=None, description="None: the AWS default chain")
    secret_access_key: str | None = None
    region: str = "us-east-1"
    allow_http: bool | None = Field(
        default=None, description="plain-HTTP endpoint; None: true when endpoint_url is http://"
    )
    connect_timeout_s: int = 5
    request_timeout_s: int = Field(
        default=120, description="per request; a multipart upload sends one request per part"
    )
    max_retries: int = 2
    retry_timeout_s: int = 15

    @property
    def is_local(self) -> bool:
        return "://" not in self.root or self.root.startswith("file://")

    def table_uri(self, name: str) -> str:
        """The URI of table ``name`` (``products``, ``stage/purchase_records``) under ``root``."""
        name = name.strip("/")
        if "://" in self.root:
            return f"{self.root.rstrip('/')}/{name}"
        # Resolved per call: Dagster runs steps from other working directories.
        return str(Path(self.root).expanduser().resolve() / name)

    def storage_options(self) -> dict[str, str]:
        """The delta-rs (object_store) options for ``root``; empty for a local folder."""
        if self.is_local:
            return {}
        options = {
            "AWS_REGION": self.region,
            "connect_timeout": f"{self.connect_timeout_s}s",
            "timeout": f"{self.request_timeout_s}s",
            "max_retries": str(self.max_retries),
            "retry_timeout": f"{self.retry_timeout_s}s",
        }
        if self.endpoint_url:
            options["AWS_ENDPOINT_URL"] = self.endpoint_url
        allow_http = self.allow_http
        if allow_http is None:
            allow_http = (self.endpoint_url or "").startswith("http://")
        if allow_http:
            options["AWS_ALLOW_HTTP"] = "true"
        if self.access_key_id and self.secret_access_key:
            options["AWS_ACCESS_KEY_ID"] = self.access_key_id
            options["AWS_SECRET_ACCESS_KEY"] = self.secret_access_key
        return options

    def table(self, name: str, version: int | None = None) -> DeltaTable:
        """The Delta table ``name`` (at ``version``); TableNotFoundError if it does not exist."""
        from deltalake import DeltaTable

        return DeltaTable(
            self.table_uri(name), version=version, storage_options=self.storage_options()
        )

    def exists(self, name: str) -> bool:
        from deltalake import DeltaTable

        return DeltaTable.is_deltatable(self.table_uri(name), self.storage_options())

    def version(self, name: str) -> int:
        return self.table(name).version()

    def read(
        self, name: str, version: int | None = None, columns: list[str] | None = None
    ) -> pa.Table:
        """Table ``name`` as Arrow; ``version`` reads an older version (time travel)."""
        return self.table(name, version).to_pyarrow_table(columns=columns)

    def write(
        self,
        name: str,
        data: TableData,
        mode: WriteMode = "append",
        partition_by: list[str] | None = None,
        schema_mode: Literal["merge", "overwrite"] | None = None,
    ) -> int:
        """Write ``data`` (created if missing); returns the table's new version."""
        from deltalake import write_deltalake

        write_deltalake(
            self.table_uri(name),
            _to_arrow(data),
            mode=mode,
            partition_by=partition_by,
            schema_mode=schema_mode,
            storage_options=self.storage_options(),
        )
        return self.version(name)

    def merge(
        self,
        name: str,
        source: TableData,
        predicate: str,
        *,
        partition_by: list[str] | None = None,
    ) -> dict[str, Any]:
        """Upsert ``source`` into ``name``: matched rows updated, the others inserted.

        ``predicate`` names the target ``t`` and the source ``s``, e.g.
        ``"t.product_id = s.product_id"``. A missing table is created from ``source``, so the
        same call is idempotent from the first run on. Returns delta-rs's merge metrics.
        """
        from deltalake.exceptions import DeltaError

        source = _to_arrow(source)
        if not self.exists(name):
            try:
                self.write(name, source, mode="error", partition_by=partition_by)
                return {"num_source_rows": _num_rows(source), "created": True}
            except DeltaError as exc:
                # Another writer created it first; merging into theirs keeps rows unique.
                if "already exists" not in str(exc):
                    raise
        return (
            self.table(name)
            .merge(source, predicate, source_alias="s", target_alias="t")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )


def _to_arrow(data: TableData) -> pa.Table | pa.RecordBatchReader:
    import pyarrow as pa

    if isinstance(data, pa.Table | pa.RecordBatchReader):
        return data
    # A pandas index is an accident of how the frame was built, not a column of the table.
    return pa.Table.from_pandas(data, preserve_index=False)


def _num_rows(data: pa.Table | pa.RecordBatchReader) -> int | None:
    import pyarrow as pa

    return data.num_rows if isinstance(data, pa.Table) else None
