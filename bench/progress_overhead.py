"""Benchmark: what the progress callback costs an audit (the walk then checks, after each
answer, which targets are fully resolved).

It checks every model of the bundled knowledge base offline in one `check_many`, without a
callback and with one that does nothing, alternating the two for several rounds, and prints
the median time of each and their ratio (1.00 is free).

Run: python bench/progress_overhead.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.model import NodeKind, ProgressEvent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    events: list[ProgressEvent] = []
    plain = Checker(CheckOptions(offline=True))
    watched = Checker(CheckOptions(offline=True), progress=events.append)
    targets = sorted(
        {e.id for e in plain.kb.artifacts.values() if e.kind is NodeKind.MODEL and "/" in e.id}
    )
    times: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(args.rounds):
        for name, checker in (("without", plain), ("with", watched)):
            start = time.perf_counter()
            checker.check_many(targets)
            times[name].append(time.perf_counter() - start)
    without, with_ = (statistics.median(times[k]) for k in ("without", "with"))
    print(f"{len(targets)} models, {len(events) // args.rounds} progress events per run")
    print(f"without a callback: {without * 1000:.0f} ms; with one: {with_ * 1000:.0f} ms; "
          f"ratio {with_ / without:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
