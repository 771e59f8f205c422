"""Benchmark: what a lock file costs and saves, on the synthetic Hub of bench/hub_resolution.py.

Serves that Hub (60 leaf models over 31 shared ancestors) with a per-request latency L and
prints, as ratios to a plain cold `check` of the same models:

- lock (cold cache): resolving and writing the lock (target: ~1.0, the lock is a by-product);
- check at the locked revisions, warm cache: a pinned commit never changes, so the cache answers
  without asking (target: 0 requests, a small fraction of the cold time);
- drift, warm cache: each node's metadata is asked again to see whether its commit moved, and
  nothing else is read when it did not (target: 1 request per Hub node).

Run: python bench/lock_drift.py [--latency 0.05]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fixture server lives with the tests
sys.path.insert(0, str(ROOT / "bench"))

from hub_resolution import build_hub, hub_process, requests_served  # noqa: E402

from model_licensecheck.checker import Checker, CheckOptions  # noqa: E402
from model_licensecheck.drift import compare  # noqa: E402
from model_licensecheck.lockfile import Lock, dumps, lock_of  # noqa: E402
from model_licensecheck.resolve.hub import HubSource  # noqa: E402
from model_licensecheck.resolve.kbsource import KnowledgeBaseSource  # noqa: E402


def checker(url: str, cache: Path) -> Checker:
    check = Checker(CheckOptions(offline=True))
    source = HubSource(check.kb, endpoint=url, cache_dir=cache, sleep=lambda _: None)
    check.sources = (source, KnowledgeBaseSource(check.kb))
    source._client()  # import huggingface_hub before the clock starts: we time resolution
    return check


def timed_check(url: str, cache: Path, manifest: list[str], pins: dict[str, str] | None) -> float:
    check = checker(url, cache)
    start = time.perf_counter()
    outcomes = check.check_many(manifest, pins)
    wall = time.perf_counter() - start
    if any(isinstance(o, Exception) for o in outcomes):
        raise SystemExit("a check failed")
    return wall


def timed_lock(url: str, cache: Path, manifest: list[str]) -> tuple[float, Lock]:
    check = checker(url, cache)
    start = time.perf_counter()
    lock, errors = lock_of(check, manifest)
    dumps(lock)
    wall = time.perf_counter() - start
    if errors:
        raise SystemExit(f"some targets failed: {sorted(errors)}")
    return wall, lock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request (L)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "hub"
        manifest = build_hub(root)
        with hub_process(root, args.latency) as url:
            plain = timed_check(url, Path(tmp) / "cache-plain", manifest, None)
            served = requests_served(url)
            cache = Path(tmp) / "cache-lock"
            locking, lock = timed_lock(url, cache, manifest)
            served_lock = requests_served(url) - served - 1
            before = requests_served(url)
            pinned = timed_check(url, cache, manifest, lock.revisions())
            pinned_requests = requests_served(url) - before - 1
            before = requests_served(url)
            check = checker(url, cache)
            start = time.perf_counter()
            new, errors = lock_of(check, manifest)
            report = compare("bench.lock", lock, new, errors, None)
            drifting = time.perf_counter() - start
            drift_requests = requests_served(url) - before - 1
    hub_nodes = len(lock.revisions())
    moved = sum(1 for t in report.targets if t.moved)
    print(f"{len(manifest)} models, {hub_nodes} Hub nodes, L = {args.latency:.3f} s; "
          f"plain cold check {plain:.3f} s")  # fmt: skip
    print(f"lock (cold): {locking / plain:.2f}x the check, {served_lock} requests")
    print(f"check at the locked revisions (warm): {pinned / plain:.2f}x, "
          f"{pinned_requests} requests")  # fmt: skip
    print(f"drift (warm): {drifting / plain:.2f}x, {drift_requests / hub_nodes:.2f} requests per "
          f"Hub node, {moved} target(s) moved")  # fmt: skip


if __name__ == "__main__":
    main()
