"""Benchmark: judge a synthetic lineage of N nodes end to end, from an in-memory graph.

The graph has a root model over layers of models joined by weight relations (each with two
parents, so ancestors are shared), fine-tuning datasets mixed from other datasets, and
services that generated some of them; licenses are drawn from the knowledge base so every
rule has work. It runs rules, verdict, gate, obligations and the JSON report (streamed to a
file, as the CLI writes it), and prints nodes per second and the peak memory for 10,000,
100,000 and 1,000,000 nodes (each in a fresh process), and the ratio of the first and last
sizes' times (linear growth gives their size ratio). The million takes about 4 minutes and
1.7 GB here.

Run: python bench/scale.py [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.model import (
    Edge,
    Evidence,
    KnownLicense,
    Lineage,
    Node,
    NodeKind,
    Relation,
    SourceKind,
)
from model_licensecheck.paths import write_atomic
from model_licensecheck.report.jsonreport import iter_dumps, to_stream

LICENSES = {
    NodeKind.MODEL: ["Apache-2.0", "MIT", "LicenseRef-Llama-2-Community", "CC-BY-SA-4.0"],
    NodeKind.DATASET: ["CC-BY-4.0", "CC-BY-SA-3.0", "ODC-By-1.0", "MIT"],
    NodeKind.SERVICE: ["LicenseRef-OpenAI-Terms-of-Use"],
}
WEIGHTS = [Relation.FINETUNE, Relation.MERGE, Relation.QUANTIZED, Relation.ADAPTER]
LAYERS = 12  # real lineages are shallow; ancestors are shared between branches


def _layers(items: list[str], count: int) -> list[list[str]]:
    """Split into `count` layers growing geometrically from one item (the root's layer)."""
    ratio = 1.0
    while sum(ratio**k for k in range(count)) < len(items):
        ratio += 0.01
    layers, start = [], 0
    for k in range(count):
        size = max(1, round(ratio**k)) if k < count - 1 else len(items) - start
        layers.append(items[start : start + size])
        start += size
    return [layer for layer in layers if layer]


def build(n: int, seed: int = 7) -> Lineage:
    """Every node reachable from the root: each node is an upstream of at least one node of
    the layer below it, and most nodes have a second, shared, upstream."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible synthetic graph, not a secret
    ev = (Evidence(SourceKind.KNOWLEDGE_BASE, "bench"),)
    n_services, n_datasets = max(1, n // 100), n // 4
    n_models = n - n_services - n_datasets
    nodes: dict[str, Node] = {}

    def add(node_id: str, kind: NodeKind) -> None:
        lic = rng.choice(LICENSES[kind])
        nodes[node_id] = Node(node_id, kind, KnownLicense(lic, lic, ev[0]))

    edges: dict[tuple[str, str], Edge] = {}

    def link(child: str, parent: str, relation: Relation) -> None:
        edges.setdefault((child, parent), Edge(child, parent, relation, ev))

    orgs = max(1, n_models // 20)  # a census: many organisations, a few models each
    models = _layers([f"o{rng.randrange(orgs)}/m{i}" for i in range(n_models)], LAYERS)
    for k, layer in enumerate(models):
        for m in layer:
            add(m, NodeKind.MODEL)
            if k > 0:
                link(rng.choice(models[k - 1]), m, rng.choice(WEIGHTS))
                if rng.random() < 0.8:
                    link(rng.choice(models[k - 1]), m, rng.choice(WEIGHTS))
    all_models = [m for layer in models for m in layer]
    datasets = _layers([f"data/d{i}" for i in range(n_datasets)], 4)
    for k, layer in enumerate(datasets):
        for d in layer:
            add(d, NodeKind.DATASET)
            if k == 0 or rng.random() < 0.3:
                link(rng.choice(all_models), d, Relation.TRAINED_ON)
            if k > 0:
                link(rng.choice(datasets[k - 1]), d, Relation.DERIVED_FROM)
    all_data = [d for layer in datasets for d in layer]
    for i in range(n_services):
        s = f"api:s{i}"
        add(s, NodeKind.SERVICE)
        for _ in range(3):
            link(rng.choice(all_data), s, Relation.GENERATED_BY)
    root = models[0][0]
    return Lineage(root, nodes, tuple(edges[k] for k in sorted(edges)))


def measure(n: int) -> dict[str, float]:
    """One size, in this process: time without a tracer, peak memory from the OS."""
    checker = Checker(CheckOptions(offline=True))
    lineage = build(n)
    built_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "report.json")
        start = time.perf_counter()
        result = checker.check_lineage(lineage)
        judged = time.perf_counter() - start
        write_atomic(path, iter_dumps(to_stream(result)))
        elapsed = time.perf_counter() - start
        size = os.path.getsize(path)
    return {
        "nodes": n, "edges": len(lineage.edges), "seconds": elapsed, "judge_seconds": judged,
        "graph_mib": built_mib,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "findings": len(result.findings), "report_mib": size / 2**20,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    times: dict[int, float] = {}
    for n in args.sizes:  # each size in a fresh process, so peak memory is its own
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True,
                             text=True, check=True)  # fmt: skip
        m = json.loads(out.stdout)
        times[n] = m["seconds"]
        print(f"{n:>7} nodes, {m['edges']:>7} edges: {m['seconds']:6.2f} s "
              f"({m['judge_seconds']:.2f} s judging), {n / m['seconds']:8.0f} nodes/s, "
              f"peak RSS {m['peak_mib']:7.1f} MiB (graph alone {m['graph_mib']:.1f}), "
              f"{m['findings']} findings, JSON report {m['report_mib']:.1f} MiB")  # fmt: skip
    if len(args.sizes) >= 2:
        a, b = args.sizes[0], args.sizes[-1]
        print(f"time ratio {b}/{a}: {times[b] / times[a]:.1f} (linear: {b / a:.0f})")


if __name__ == "__main__":
    main()
