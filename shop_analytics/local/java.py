"""The Java runtime the JVM servers of the local stack need: where it is and which version."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path


def java() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java")


def java_major_version(java: str) -> int | None:
    """17 for `openjdk version "17.0.15"`, 8 for the old `"1.8.0_402"` scheme."""
    result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major
