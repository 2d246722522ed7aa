"""The lake as a Dagster resource: the plain client, configurable through `dg.EnvVar`."""

from __future__ import annotations

import dagster as dg

from shop_analytics.clients.lake import LakeClient


class LakeResource(dg.ConfigurableResource, LakeClient):
    """Where Delta tables live: ``root`` is ``s3://bucket[/prefix]`` or a local folder."""
