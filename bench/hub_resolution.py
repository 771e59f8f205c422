"""Benchmark: resolve a manifest of fixture models sharing ancestors through a local Hub.

It writes a synthetic Hub (two base models, six fine-tunes with their datasets, twenty
quantizations and sixty leaf models that merge or adapt them) into a temporary folder, serves it
on 127.0.0.1 with an injected per-request latency L, and checks all leaf models in one batch.
It prints, for a cold and then a warm run (same metadata cache):

- the critical-path ratio: wall time / (depth of the deepest lineage x L), where 1.0 is what a
  perfectly parallel resolver could reach (targets: <= 1.5 cold);
- HTTP requests per unique Hub node (targets: <= 2 cold, 0 warm).

Run: python bench/hub_resolution.py [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fixture server lives with the tests

from tests.hubserver import FixtureHub  # noqa: E402

from model_licensecheck.checker import Checker, CheckOptions  # noqa: E402
from model_licensecheck.model import CheckResult  # noqa: E402
from model_licensecheck.resolve.hub import HubSource  # noqa: E402
from model_licensecheck.resolve.kbsource import KnowledgeBaseSource  # noqa: E402


def write_repo(root: Path, kind: str, repo: str, front: str) -> None:
    folder = root / f"{kind}s" / repo
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(f"---\n{front}---\nBenchmark fixture.\n", encoding="utf-8")


def build_hub(root: Path) -> list[str]:
    """The synthetic Hub; returns the manifest (the leaf model ids)."""
    for b in range(2):
        write_repo(root, "model", f"bench/base-{b}", "license: apache-2.0\n")
    for d in range(3):
        write_repo(root, "dataset", f"bench/data-{d}", "license: cc-by-4.0\n")
    for f in range(6):
        write_repo(root, "model", f"bench/ft-{f}",
                   f"license: apache-2.0\nbase_model: bench/base-{f % 2}\n"
                   f"datasets:\n  - bench/data-{f % 3}\n")  # fmt: skip
    for q in range(20):
        write_repo(root, "model", f"bench/q-{q}",
                   f"license: apache-2.0\nbase_model: bench/ft-{q % 6}\n"
                   "base_model_relation: quantized\n")  # fmt: skip
    manifest = []
    for leaf in range(60):
        parents = f"  - bench/q-{leaf % 20}\n  - bench/q-{(leaf * 7 + 3) % 20}\n"
        write_repo(root, "model", f"bench/leaf-{leaf}",
                   f"license: apache-2.0\nbase_model:\n{parents}")  # fmt: skip
        manifest.append(f"bench/leaf-{leaf}")
    return manifest


def serve(root: str, latency: float, queue: multiprocessing.Queue[str]) -> None:
    """The fixture Hub in its own process, as the real Hub is: it must not share our GIL."""
    hub = FixtureHub(Path(root), latency=latency)
    queue.put(hub.start())
    while True:
        time.sleep(3600)


@contextmanager
def hub_process(root: Path, latency: float) -> Iterator[str]:
    """The fixture Hub serving `root` in its own process, with `latency` per request; yields
    its address and stops it on the way out."""
    queue: multiprocessing.Queue[str] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(str(root), latency, queue), daemon=True)
    server.start()
    try:
        yield queue.get(timeout=30)
    finally:
        server.terminate()


def requests_served(url: str) -> int:
    with urllib.request.urlopen(f"{url}/_stats") as response:  # noqa: S310 - our loopback server
        return int(json.loads(response.read())["requests"])


def run(url: str, cache: Path, manifest: list[str]) -> tuple[float, list[CheckResult]]:
    check = Checker(CheckOptions(offline=True))
    source = HubSource(check.kb, endpoint=url, cache_dir=cache, sleep=lambda _: None)
    check.sources = (source, KnowledgeBaseSource(check.kb))
    source._client()  # import huggingface_hub before the clock starts: we time resolution
    start = time.perf_counter()
    outcomes = check.check_many(manifest)
    wall = time.perf_counter() - start
    results = [o for o in outcomes if isinstance(o, CheckResult)]
    if len(results) != len(manifest):
        raise SystemExit(f"some checks failed: {[o for o in outcomes if o not in results]}")
    return wall, results


def depth(result: CheckResult) -> int:
    """Nodes on the longest path from the root (the number of fetch rounds it needs)."""
    by_child: dict[str, list[str]] = {}
    for e in result.lineage.edges:
        by_child.setdefault(e.child, []).append(e.parent)
    memo: dict[str, int] = {}

    def longest(node: str) -> int:
        if node not in memo:
            memo[node] = 1 + max((longest(p) for p in by_child.get(node, [])), default=0)
        return memo[node]

    return longest(result.lineage.root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per request (L)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "hub"
        manifest = build_hub(root)
        with hub_process(root, args.latency) as url:
            cache = Path(tmp) / "cache"
            cold, results = run(url, cache, manifest)
            cold_requests = requests_served(url)
            nodes = {n for r in results for n in r.lineage.nodes if ":" not in n}
            deepest = max(depth(r) for r in results)
            warm, _ = run(url, cache, manifest)
            warm_requests = requests_served(url) - cold_requests - 1
    ideal = deepest * args.latency
    print(f"manifest: {len(manifest)} models, {len(nodes)} unique Hub nodes, "
          f"deepest lineage {deepest} nodes, L = {args.latency:.3f} s")  # fmt: skip
    print(f"cold: wall {cold:.3f} s, critical-path ratio {cold / ideal:.2f}, "
          f"{cold_requests / len(nodes):.2f} requests per unique node")  # fmt: skip
    print(f"warm: wall {warm:.3f} s, critical-path ratio {warm / ideal:.2f}, "
          f"{warm_requests} requests")  # fmt: skip


if __name__ == "__main__":
    main()
