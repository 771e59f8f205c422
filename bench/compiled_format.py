"""Benchmark: the compiled knowledge base as our one-file format (kb/index.py) against SQLite
(stdlib `sqlite3`), for what a check does with it, each in a new process.

Both files hold the same maps and entries. Each measured process opens its file and does what
an offline check of Dolly does: 3 id lookups and their entries, 4 license lookups, and 400
alias lookups that miss (card prose asks the alias map for every run of words). Prints the
median wall time of each over N rounds (each round runs every command once, in turn) and the
ratio to `python -c pass` measured in the same run. Both import the package (a check pays that
either way), so the difference is the format's.

Run: python bench/compiled_format.py [--runs 41]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from model_licensecheck.compiled import compile_folders
from model_licensecheck.kb.index import CompiledFile
from model_licensecheck.paths import shipped_kb_dir, shipped_rules_dir

MAPS = ("kb_artifact_ids", "kb_license_keys", "kb_alias_ids")
IDS = ["databricks/dolly-v2-12b", "eleutherai/pythia-12b", "databricks/databricks-dolly-15k"]
LICENSES = ["mit", "apache-2.0", "cc-by-sa-3.0", "MIT License"]
MISSES = [f"word{i} other{i}" for i in range(400)]

OURS = """
import sys
from model_licensecheck.kb.index import CompiledFile
f = CompiledFile.read(sys.argv[1])
ids, keys, aliases, arts = (f.map(n) for n in
    ("kb_artifact_ids", "kb_license_keys", "kb_alias_ids", "kb_artifacts"))
for i in {ids!r}:
    f.decode(arts[ids[i]])
for k in {licenses!r}:
    keys.get(k.lower())
for m in {misses!r}:
    aliases.get(m)
"""

SQLITE = """
import json, sqlite3, sys
import model_licensecheck.kb.index  # the package's import, which a check pays either way
db = sqlite3.connect(f"file:{{sys.argv[1]}}?mode=ro", uri=True)
def get(table, key):
    row = db.execute(f"SELECT v FROM {{table}} WHERE k = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])
for i in {ids!r}:
    get("kb_artifacts", get("kb_artifact_ids", i))
for k in {licenses!r}:
    get("kb_license_keys", k.lower())
for m in {misses!r}:
    get("kb_alias_ids", m)
"""


def build_sqlite(data: bytes, path: Path) -> None:
    """The same maps and entries as `data`, one table per map, keyed and indexed."""
    file = CompiledFile(data, "bench")
    db = sqlite3.connect(path)
    for name in (*MAPS, "kb_licenses", "kb_artifacts"):
        table = file.map(name)
        db.execute(f"CREATE TABLE {name} (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID")
        values = table.items() if name in MAPS else ((k, file.decode(v)) for k, v in table.items())
        # `name` is one of this module's own constant map names, never input.
        insert = f"INSERT INTO {name} VALUES (?, ?)"  # noqa: S608
        db.executemany(insert, ((k, json.dumps(v)) for k, v in values))
    db.commit()
    db.close()


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="licensecheck-bench-"))
    data = compile_folders(shipped_kb_dir(), shipped_rules_dir())
    (folder / "kb.lcdb").write_bytes(data)
    build_sqlite(data, folder / "kb.sqlite")
    fill = {"ids": IDS, "licenses": LICENSES, "misses": MISSES}
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "one-file format": [sys.executable, "-c", OURS.format(**fill), str(folder / "kb.lcdb")],
        "sqlite3": [sys.executable, "-c", SQLITE.format(**fill), str(folder / "kb.sqlite")],
    }
    for cmd in commands.values():
        timed(cmd)  # warm the page cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            times[name].append(timed(cmd))
    base = statistics.median(times["python -c pass"])
    sizes = {"one-file format": len(data), "sqlite3": (folder / "kb.sqlite").stat().st_size}
    print(f"{'':18s} {'median':>9s} {'ratio':>6s} {'extra':>9s} {'file':>9s}")
    for name, values in times.items():
        median = statistics.median(values)
        size = f"{sizes[name] // 1024} kB" if name in sizes else ""
        extra = f"{(median - base) * 1000:.1f} ms"
        print(f"{name:18s} {median * 1000:7.1f}ms {median / base:6.2f} {extra:>9s} {size:>9s}")


if __name__ == "__main__":
    main()
