"""Benchmark: reading a GGUF header with a real-sized tokenizer, our bounded reader against the
`gguf` library's GGUFReader (a test dependency), in time and peak Python memory.

The file is written with the `gguf` writer: `general.*` lineage keys, a 152,064-token
vocabulary (Qwen2's size) with scores and token types, 151,387 merges, and one small tensor.
Also times the GGUF branch of a whole `licensecheck FILE.gguf --offline` run against a plain
`licensecheck databricks/dolly-v2-12b --offline`, both as new processes.

Run: python bench/gguf_header.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gguf
import numpy as np

from model_licensecheck.resolve.gguf import read_header

VOCAB = 152_064
MERGES = 151_387


def write(path: Path) -> None:
    writer = gguf.GGUFWriter(str(path), "qwen2")
    writer.add_name("Bench Model")
    writer.add_license("apache-2.0")
    writer.add_source_url("https://huggingface.co/mistralai/Mistral-7B-v0.1")
    writer.add_file_type(15)
    writer.add_token_list([f"token-{i}" for i in range(VOCAB)])
    writer.add_token_scores([0.0] * VOCAB)
    writer.add_token_types([1] * VOCAB)
    writer.add_token_merges([f"a{i} b{i}" for i in range(MERGES)])
    writer.add_tensor("blk.0.weight", np.ones((64, 64), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def measure(fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.gguf"
        write(path)
        print(f"file: {path.stat().st_size / 2**20:.1f} MiB")
        ours = measure(lambda: read_header(str(path), "bench.gguf"), args.rounds)
        theirs = measure(lambda: gguf.GGUFReader(str(path)), args.rounds)
        print(f"read_header          {ours[0] * 1000:8.1f} ms  peak {ours[1]:6.1f} MiB")
        print(f"gguf.GGUFReader      {theirs[0] * 1000:8.1f} ms  peak {theirs[1]:6.1f} MiB")
        print(f"time ratio GGUFReader / read_header: {theirs[0] / ours[0]:.1f}x")
        exe = shutil.which("licensecheck", path=str(Path(sys.executable).parent))
        if exe is None:
            return
        runs: dict[str, list[float]] = {"gguf": [], "dolly": []}
        cmds = {"gguf": [exe, str(path), "--offline"],
                "dolly": [exe, "databricks/dolly-v2-12b", "--offline"]}  # fmt: skip
        for _ in range(args.rounds * 4):
            for name, cmd in cmds.items():
                start = time.perf_counter()
                subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                runs[name].append(time.perf_counter() - start)
        g, d = statistics.median(runs["gguf"]), statistics.median(runs["dolly"])
        print(f"licensecheck FILE.gguf --offline {g * 1000:.0f} ms; dolly {d * 1000:.0f} ms; "
              f"ratio {g / d:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
