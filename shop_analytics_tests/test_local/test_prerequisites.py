"""A missing prerequisite stops `up` with one clear line, before any service is started."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from shop_analytics import settings as settings_module
from shop_analytics_tests.homes import test_home


def test_old_java_is_named_with_the_fix(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    old_java = bin_dir / "java"
    old_java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n")
    old_java.chmod(0o755)
    for tool in ("setpriv", "mvn"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)

    home = test_home("test-prerequisites")
    env = {k: v for k, v in os.environ.items() if k not in settings_module.as_environment_keys()}
    env.pop("JAVA_HOME", None)
    env |= {
        "PATH": f"{bin_dir}:{Path(sys.executable).parent}",
        "SHOP_ANALYTICS_HOME": str(home),
        "SHOP_ANALYTICS_PORT_BASE": "26500",
    }
    result = subprocess.run(
        [sys.executable, "-m", "shop_analytics.cli", "up"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: Kafka 4 needs Java 17+ (found Java 11): apt-get install openjdk-17-jre-headless"
    ]
    # Prerequisites are checked for every service first: nothing was started.
    assert not (home / "run").exists()
    shutil.rmtree(home, ignore_errors=True)
