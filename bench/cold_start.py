"""Benchmark: cold start of `licensecheck databricks/dolly-v2-12b --offline` as a new process.

Prints the median wall time of each command over N rounds (each round runs every command once,
in turn) and two ratios to `python -c pass` measured in the same run (target: at most 5x): the
ratio of the medians, and the median of the per-round ratios with its quartiles. The second
pairs each run with the baseline run next to it, so it drifts less when the machine's load
changes during the benchmark.

Before timing, the package's bytecode is compiled (as `pip install` does for a wheel; an
editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every edited module
on every start) and the knowledge-base index is built once (as any earlier run would have), so
this measures a normal start.

Run: python bench/cold_start.py [--runs 41]
"""

from __future__ import annotations

import argparse
import compileall
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41)
    args = parser.parse_args()
    exe = shutil.which("licensecheck", path=str(Path(sys.executable).parent))
    if exe is None:
        raise SystemExit("licensecheck is not installed next to this Python")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import click'": [sys.executable, "-c", "import click"],
        "licensecheck dolly --offline": [exe, "databricks/dolly-v2-12b", "--offline"],
    }
    import model_licensecheck

    compileall.compile_dir(Path(model_licensecheck.__file__).parent, quiet=1)
    timed(commands["licensecheck dolly --offline"])  # build the knowledge-base index once
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(timed(cmd))
    baseline = times["python -c pass"]
    base = statistics.median(baseline)
    print(f"{'':32s} {'median':>9s}  {'ratio of medians':>16s}  per-round ratio (quartiles)")
    for name, values in times.items():
        median = statistics.median(values)
        rounds = [value / pass_time for value, pass_time in zip(values, baseline, strict=True)]
        low, mid, high = statistics.quantiles(rounds, n=4)
        print(f"{name:32s} {median * 1000:6.1f} ms  {median / base:15.2f}x  "
              f"{mid:5.2f}x ({low:.2f}-{high:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
