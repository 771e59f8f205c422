"""What start-up may cost: the offline check imports none of the heavy libraries, and no
record is defined in a way that compiles code at import (bench/cold_start.py measures time)."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import model_licensecheck
from model_licensecheck.cli import main

# Loaded only by the commands that need them: the Hub client, the YAML parser (the knowledge
# base and rules come from compiled caches), report and validation libraries, dataclasses, and
# pathlib (with the urllib.parse and ipaddress it imports; start-up paths use os.path).
HEAVY = (
    "huggingface_hub",
    "httpx",
    "yaml",
    "spdx_tools",
    "spdx_python_model",
    "cyclonedx",
    "license_expression",
    "jsonschema",
    "dataclasses",
    "concurrent.futures",
    "pathlib",
    "model_licensecheck.cli_audit",  # the commands a check does not run load when run
    "model_licensecheck.cli_db",
    "model_licensecheck.yamlio",  # YAML and its validation load only when YAML is read
    "model_licensecheck.validation",
    "gguf",  # local weight files: read only when a target names one
    "numpy",
    "model_licensecheck.resolve.gguf",
    "model_licensecheck.resolve.ollama",
    "model_licensecheck.resolve.safetensors",
    "model_licensecheck.resolve.weightfiles",
    "model_licensecheck.resolve.claims",
)

_PROBE = """
import json, sys
from model_licensecheck.cli import main
try:
    main(["databricks/dolly-v2-12b", "--offline"])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_an_offline_check_imports_no_heavy_library() -> None:
    def modules() -> set[str]:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
        )
        assert "allowed" in done.stdout
        return set(json.loads(done.stderr.strip().splitlines()[-1]))

    modules()  # the first run may build the knowledge-base index from YAML
    loaded = modules()
    assert [m for m in HEAVY if m in loaded] == []


def _records() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(model_licensecheck.__path__, "model_licensecheck."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, tuple)
                and hasattr(value, "_fields")
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def test_records_have_evaluated_annotations() -> None:
    # typing.NamedTuple compiles every string annotation into a ForwardRef: with
    # `from __future__ import annotations` in a record's module that was ~5 ms per start.
    records = _records()
    assert len(records) > 40
    quoted = [
        f"{cls.__qualname__}.{name}"
        for cls in records
        for name, hint in cls.__annotations__.items()
        if isinstance(hint, str | typing.ForwardRef)
    ]
    assert quoted == []


def _console_script() -> str:
    found = shutil.which("licensecheck", path=str(Path(sys.executable).parent))
    assert found is not None, "the package is installed with its console script"
    return found


def test_the_console_script_keeps_output_and_exit_code_on_its_fast_exit(tmp_path: Path) -> None:
    # The script leaves without interpreter teardown (os._exit): piped output must arrive
    # whole (click flushes each echo; the exit flushes again) and the code be the command's.
    env = {**os.environ, "MODEL_LICENSECHECK_CACHE": str(tmp_path / "cache")}
    script = _console_script()
    done = subprocess.run(
        [script, "databricks/dolly-v2-12b", "lmsys/vicuna-13b-v1.3", "--offline",
         "--format", "json", "--fail-on", "unknown"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1  # vicuna is prohibited: the gate fails
    models = json.loads(done.stdout)["models"]
    assert [r["verdict"]["status"] for r in models] == ["allowed", "prohibited"]
    missing = subprocess.run(
        [script, "nobody/no-such-model", "--offline"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert missing.returncode == 3
    assert missing.stderr.startswith("licensecheck: error: nobody/no-such-model")


def test_python_dash_m_runs_the_same_command(tmp_path: Path) -> None:
    env = {**os.environ, "MODEL_LICENSECHECK_CACHE": str(tmp_path / "cache")}
    args = ["databricks/dolly-v2-12b", "--offline", "--format", "json"]
    by_module = subprocess.run(
        [sys.executable, "-m", "model_licensecheck", *args],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    by_script = subprocess.run(
        [_console_script(), *args], capture_output=True, text=True, env=env, check=False
    )
    assert by_module.returncode == by_script.returncode == 0
    assert by_module.stdout == by_script.stdout


def test_only_the_console_run_tunes_the_garbage_collector() -> None:
    # The console process raises the collector's threshold (console.py); a program that
    # calls the CLI or the API keeps its own settings.
    import gc

    from model_licensecheck.console import GC_THRESHOLD

    before = gc.get_threshold()
    assert before != GC_THRESHOLD
    with pytest.raises(SystemExit):
        main(["databricks/dolly-v2-12b", "--offline"])
    assert gc.get_threshold() == before
    probe = (
        "import gc, os, runpy, sys\n"
        "real = os._exit\n"
        "def spy(code):\n"
        "    print(gc.get_threshold(), file=sys.stderr)\n"
        "    sys.stderr.flush()\n"
        "    real(code)\n"
        "os._exit = spy\n"
        "sys.argv = ['licensecheck', '--version']\n"
        "runpy.run_module('model_licensecheck', run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stderr.strip().splitlines()[-1] == str(GC_THRESHOLD)
