"""Benchmark: the HTML report of large synthetic lineages (bench/scale.py's graphs), timed
against the JSON report of the same result in the same run.

The graph is capped at 40 boxes whatever the lineage's size, but the node table and the
findings grow with it: the HTML report should grow linearly, like the JSON one. Prints, per
size, both render times, their ratio and the page's size, then the HTML time ratio between
the largest and the smallest size (linear growth gives the ratio of the sizes).

Run: python bench/html_report.py [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.report.html import HtmlReporter
from model_licensecheck.report.jsonreport import dumps, to_dict

sys.path.insert(0, str(Path(__file__).parent))
from scale import build  # the scale benchmark's graphs, from its folder

ROUNDS = 3


def best_of(fn: object) -> float:
    """The fastest of ROUNDS runs (the least disturbed by the other work on the machine), with
    the collector off as timeit has it, so the figure is the renderer's work: with it on,
    generation-2 collections walking the whole large result dominate and grow with it (the
    console script raises the collector's thresholds for that reason)."""
    assert callable(fn)
    times = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(ROUNDS):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    args = parser.parse_args()
    checker = Checker(CheckOptions(offline=True))
    html_times: dict[int, float] = {}
    for n in args.sizes:
        result = checker.check_lineage(build(n))
        page = HtmlReporter().render([result])
        html_s = best_of(lambda r=result: HtmlReporter().render([r]))
        json_s = best_of(lambda r=result: dumps(to_dict(r)))
        html_times[n] = html_s
        print(f"{n:>7} nodes, {len(result.findings):>6} findings: HTML {html_s:6.3f} s "
              f"({len(page) / 2**20:5.1f} MiB), JSON {json_s:6.3f} s, "
              f"HTML/JSON {html_s / json_s:4.2f}")  # fmt: skip
    if len(args.sizes) >= 2:
        a, b = args.sizes[0], args.sizes[-1]
        print(f"HTML time ratio {b}/{a}: {html_times[b] / html_times[a]:.1f} (linear: {b / a:.0f})")


if __name__ == "__main__":
    main()
