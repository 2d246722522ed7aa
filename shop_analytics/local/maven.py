"""Resolve a set of jars from Maven Central with ``mvn``, from a pom kept in this repository.

The jars are copied to a folder under the stack's home and resolved again only when the pom
changes; Maven's own repository (~/.m2) caches the downloads between machines' runs.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from shop_analytics.local.process import ServiceError


def resolve_jars(pom: Path, dest: Path, *, timeout: float = 900) -> list[Path]:
    """The jars of ``pom``'s dependencies (transitively), copied into ``dest``."""
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    stamp = dest / f".resolved-{digest}"
    if not stamp.exists():
        if shutil.which("mvn") is None:
            raise ServiceError("Maven (`mvn`) is needed to fetch jars: apt-get install maven")
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        argv = [
            "mvn", "-B", "-q", "-f", str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={dest}",
            "-DincludeScope=runtime",
        ]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
            raise ServiceError(f"mvn could not resolve the jars of {pom}:\n{tail}")
        stamp.touch()
    return sorted(dest.glob("*.jar"))
