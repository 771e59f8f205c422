"""Where the shipped rules and knowledge base live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A wheel carries the folders under model_licensecheck/_data/ (pyproject's force-include);
    # an editable install or a checkout reads them from the repository root.
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / name


def shipped_rules_dir() -> Path:
    """The folder of rule files that ship with the tool."""
    return _data_dir("rules")


def shipped_kb_dir() -> Path:
    """The bundled knowledge base folder."""
    return _data_dir("license_db")
