"""Find a Java runtime of at least a given version: JAVA_HOME, then PATH, then /usr/lib/jvm.

Debian installs several JDKs side by side and `java` on PATH is only the one `update-alternatives`
chose; a service that needs a newer Java than that takes another installed one rather than fail.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

JVM_DIR = Path("/usr/lib/jvm")


def java() -> str | None:
    """The Java a plain `java` command would run: JAVA_HOME's, else the one on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java")


def find_java(min_version: int) -> tuple[str, int] | None:
    """The first ``java`` of ``min_version`` or newer, and its major version; else None."""
    for java in candidates():
        version = major_version(java)
        if version is not None and version >= min_version:
            return java, version
    return None


def candidates() -> list[str]:
    found = [default] if (default := java()) else []
    # Newest-looking names first (temurin-25 before java-17); the version probe decides anyway.
    found += [str(p) for p in sorted(JVM_DIR.glob("*/bin/java"), reverse=True)]
    return list(dict.fromkeys(found))


@functools.cache
def major_version(java: str) -> int | None:
    """17 for `openjdk version "17.0.15"`, 8 for the old `"1.8.0_402"` scheme."""
    try:
        result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major
