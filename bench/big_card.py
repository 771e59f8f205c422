"""Benchmark: a 4.7 MB card of short sentences is read in linear time.

Times reading and judging a generated local card of N short sentences (the size of the largest
cards the Hub serves under its 5 MB cap) at two sizes in the same run, each as the median of a
few in-process runs: the ratio of the two times against the ratio of the sizes says whether the
prose reader is linear (a ratio near the size ratio) or worse; the absolute time at the larger
size is printed too. Before the sentence-to-line mapping used bisection and the alias search
skipped words no alias starts with, 4.7 MB took over 60 s here.

Run: python bench/big_card.py [--sentences 140000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from model_licensecheck.checker import Checker, CheckOptions


def card(sentences: int) -> str:
    body = "\n".join(f"Run {i} of the evaluation went fine. Nothing else changed." for i in
                     range(sentences))  # fmt: skip
    return f"---\nlicense: apache-2.0\n---\nWe fine-tuned LLaMA-13B on support chats.\n{body}\n"


def timed(checker: Checker, path: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        checker.check(str(path))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=85_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    checker = Checker(CheckOptions(offline=True))
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.md", Path(tmp) / "large.md"
        small.write_text(card(args.sentences // 10))
        large.write_text(card(args.sentences))
        t_small = timed(checker, small, args.runs)
        t_large = timed(checker, large, args.runs)
        size = large.stat().st_size
        size_ratio = size / small.stat().st_size
    print(f"large card: {size / 1e6:.1f} MB, {t_large:.2f} s")
    print(f"time ratio large/small: {t_large / t_small:.1f} (linear: {size_ratio:.1f})")


if __name__ == "__main__":
    main()
