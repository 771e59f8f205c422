"""Wheel build hook: compile the shipped knowledge base and rules into the one file an
installed tool reads (src/model_licensecheck/compiled.py), so no install ever parses YAML.

An editable install is left out: it reads the YAML in the checkout, compiled into the user
cache on first use, so an edit is seen at once.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileHook(BuildHookInterface):
    """Adds `model_licensecheck/_data/compiled.lcdb` to the wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        sys.path.insert(0, os.path.join(self.root, "src"))
        try:
            from model_licensecheck.compiled import compile_folders
        finally:
            sys.path.pop(0)
        data = compile_folders(
            os.path.join(self.root, "license_db"), os.path.join(self.root, "rules")
        )
        out = os.path.join(tempfile.mkdtemp(prefix="licensecheck-build-"), "compiled.lcdb")
        with open(out, "wb") as handle:
            handle.write(data)
        build_data["force_include"][out] = "model_licensecheck/_data/compiled.lcdb"
