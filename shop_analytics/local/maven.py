"""Resolve a set of jars from Maven Central with ``mvn``, from a pom kept in this repository.

The jars stay where Maven keeps them (~/.m2, cached between runs); only the resolved classpath
is written, to ``cache_dir``, and resolved again when the pom changes or a jar has gone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from shop_analytics.local.process import ServiceError


def resolve_jars(pom: Path, cache_dir: Path, *, timeout: float = 900) -> list[Path]:
    """The jars of ``pom``'s runtime dependencies, transitively, as paths in the Maven cache."""
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()[:16]
    classpath_file = cache_dir / f"classpath-{digest}.txt"
    jars = _read_classpath(classpath_file)
    if jars is None:
        _build_classpath(pom, classpath_file, timeout)
        jars = _read_classpath(classpath_file)
        if jars is None:
            raise ServiceError(f"mvn resolved {pom} but a listed jar is missing from ~/.m2")
    return jars


def _read_classpath(path: Path) -> list[Path] | None:
    """The jars listed in ``path``; None if it is missing or names a jar that has gone."""
    try:
        jars = [Path(entry) for entry in path.read_text().strip().split(os.pathsep) if entry]
    except FileNotFoundError:
        return None
    return jars if jars and all(jar.is_file() for jar in jars) else None


def _build_classpath(pom: Path, classpath_file: Path, timeout: float) -> None:
    if shutil.which("mvn") is None:
        raise ServiceError("Maven (`mvn`) is needed to fetch jars: apt-get install maven")
    classpath_file.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a concurrent reader sees the old file or the whole new one.
    partial = classpath_file.with_name(f"{classpath_file.name}.{os.getpid()}.partial")
    argv = [
        "mvn",
        "-B",
        "-q",
        "-f",
        str(pom),
        "dependency:build-classpath",
        f"-Dmdep.outputFile={partial}",
        "-Dmdep.includeScope=runtime",
    ]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ServiceError(f"mvn did not resolve {pom} within {timeout:.0f} s") from exc
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise ServiceError(f"mvn could not resolve the jars of {pom}:\n{tail}")
    partial.replace(classpath_file)
