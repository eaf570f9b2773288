"""How long dbt takes to parse the project, with and without the parse a daily run finds.

``python -m leadpulse.bench.parse_times [--runs K]`` times ``dbt parse`` (the dbt
CLI in a subprocess, wall time, median of K) in a scratch target directory:

- ``cold``: no saved parse (a first run, or one whose ``--vars`` changed: dbt then
  re-parses everything, as every daily run did while the harness passed the
  as-of day as a var);
- ``next_day``: the previous day's saved parse, the new day in
  ``LEADPULSE_AS_OF_DATE`` (what a daily run does now: dbt re-parses the files
  that read the day);
- ``same_day``: the saved parse of the same day (nothing changed).

No database is opened. Timings are measurements, never pass/fail.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from leadpulse import paths
from leadpulse.bench.runner import dbt_command

DAY = datetime.date(2026, 6, 30)
CASES = ("cold", "next_day", "same_day")


def _parse(work: Path, day: datetime.date) -> float:
    """Wall seconds of one ``dbt parse`` as of ``day``, artifacts under ``work``."""
    env = dict(os.environ)
    env[paths.AS_OF_DATE_ENV] = day.isoformat()
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    started = time.monotonic()
    subprocess.run(dbt_command(["parse"], work), env=env, check=True, capture_output=True)
    return time.monotonic() - started


def measure(runs: int, work: Path) -> dict[str, float]:
    """Median wall seconds of ``dbt parse`` per case (CASES), over ``runs`` rounds."""
    saved = work / "target" / "partial_parse.msgpack"
    times: dict[str, list[float]] = {case: [] for case in CASES}
    next_day = DAY + datetime.timedelta(days=1)
    for _ in range(runs):
        saved.unlink(missing_ok=True)
        times["cold"].append(_parse(work, DAY))
        times["next_day"].append(_parse(work, next_day))
        times["same_day"].append(_parse(work, next_day))
    return {case: statistics.median(values) for case, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m leadpulse.bench.parse_times")
    parser.add_argument("--runs", type=int, default=3, help="rounds; medians reported")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="leadpulse-parse-") as scratch:
        medians = measure(args.runs, Path(scratch))
    print(f"dbt parse, wall seconds (median of {args.runs}):")
    for case in CASES:
        print(f"  {case:<9} {medians[case]:6.2f}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
