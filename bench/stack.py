"""Start-up time and memory of the local stack, measured on a fresh home and on a warm restart.

    .venv/bin/python bench/stack.py [--port-base 27000]

Cold = empty data folders (initdb, Kafka storage format, bucket creation; jars come from the
cache in ~/.m2). Warm = the same folders again after `down`. RSS is summed over each service's
process group while idle.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from shop_analytics import settings as settings_module
from shop_analytics.local import stack


def group_rss_mb(pgid: int) -> float:
    total_kb = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5 of stat: the process group
                continue
            status = (entry / "status").read_text()
        except (OSError, IndexError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def timed_up(settings: settings_module.Settings) -> dict[str, float]:
    seconds = {}
    for service in stack.services(settings):
        started = time.perf_counter()
        service.start()
        service.provision()
        seconds[service.system] = time.perf_counter() - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port-base", default="27000")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="shop-analytics-bench-", dir="/var/tmp"))
    os.chmod(home, 0o755)  # PostgreSQL runs as its own user and must reach its folder
    env = {"SHOP_ANALYTICS_HOME": str(home), "SHOP_ANALYTICS_PORT_BASE": args.port_base}
    settings = settings_module.load(env)
    try:
        cold = timed_up(settings)
        time.sleep(5)  # let start-up work settle before reading memory
        rss = {s.system: group_rss_mb(s.process.pid() or -1) for s in stack.services(settings)}
        started = time.perf_counter()
        stack.down(settings, echo=lambda _: None)
        stop_s = time.perf_counter() - started
        warm = timed_up(settings)
    finally:
        stack.down(settings, echo=lambda _: None)

    print(f"{'service':<10} {'cold up s':>10} {'warm up s':>10} {'idle RSS MB':>12}")
    for system in cold:
        print(f"{system:<10} {cold[system]:>10.2f} {warm[system]:>10.2f} {rss[system]:>12.0f}")
    total_cold, total_warm = sum(cold.values()), sum(warm.values())
    print(f"{'total':<10} {total_cold:>10.2f} {total_warm:>10.2f} {sum(rss.values()):>12.0f}")
    print(f"warm/cold start ratio: {total_warm / total_cold:.2f}; down took {stop_s:.2f} s")


if __name__ == "__main__":
    main()
