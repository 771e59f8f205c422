"""What start-up may cost: the offline check imports none of the heavy libraries, and no
record is defined in a way that compiles code at import (bench/cold_start.py measures time)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import typing

import model_licensecheck

# Loaded only by the commands that need them: the Hub client, the YAML parser (the knowledge
# base and rules come from compiled caches), report and validation libraries, dataclasses.
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
