"""Lineage claims from configs: adapter_config.json, config.json and mergekit YAML."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import InputError, YamlError
from ..model import Confidence, Evidence, NodeKind, Relation, SourceKind
from ..yamlio import load
from .interface import EdgeClaim, is_hub_id

MERGE_KEYS = frozenset({"merge_method", "slices", "models"})


def _json(text: str, where: str) -> Mapping[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nesting is too deep") from None
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: a config must be a JSON object")
    return data


def _line_of(text: str, key: str) -> int:
    needle = f'"{key}"'
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    return 1


def is_adapter_config(data: Mapping[str, Any]) -> bool:
    """PEFT writes `peft_type` and `base_model_name_or_path` into adapter_config.json."""
    return "base_model_name_or_path" in data or "peft_type" in data


def config_claims(text: str, where: str, child: str) -> tuple[list[EdgeClaim], list[str]]:
    """Claims from a config.json or adapter_config.json (told apart by their keys)."""
    data = _json(text, where)
    edges: list[EdgeClaim] = []
    notes: list[str] = []
    if is_adapter_config(data):
        base = data.get("base_model_name_or_path")
        if not isinstance(base, str) or not base.strip():
            raise InputError(f"{where}: `base_model_name_or_path` must name the base model")
        base = base.strip()
        line = _line_of(text, "base_model_name_or_path")
        edges.append(
            EdgeClaim(base, NodeKind.MODEL, Relation.ADAPTER,
                      Evidence(SourceKind.CONFIG, f"{where}:{line}",
                               f'"base_model_name_or_path": "{base}"'))
        )  # fmt: skip
        if not is_hub_id(base):
            notes.append(
                f"{where}: the adapter's base is a local path ({base!r}); whose weights it "
                "holds cannot be told from the path, so its license stays unknown."
            )
        return edges, notes
    name = data.get("_name_or_path")
    if isinstance(name, str) and name.strip() and name.strip().lower() != child.lower():
        name = name.strip()
        line = _line_of(text, "_name_or_path")
        relation = Relation.QUANTIZED if "quantization_config" in data else Relation.FINETUNE
        if is_hub_id(name) and "/" in name:
            edges.append(
                EdgeClaim(name, NodeKind.MODEL, relation,
                          Evidence(SourceKind.CONFIG, f"{where}:{line}",
                                   f'"_name_or_path": "{name}"', Confidence.INFERRED))
            )  # fmt: skip
        else:
            notes.append(
                f"{where}: `_name_or_path` is {name!r}, a local path, so it does not say whose "
                "weights these are."
            )
    return edges, notes


def merge_claims(text: str, where: str) -> list[EdgeClaim]:
    """Every model a mergekit configuration draws weights from."""
    try:
        data = load(text)
    except YamlError as exc:
        raise InputError(f"{where}: malformed merge config: {exc}") from None
    if not isinstance(data, Mapping) or not MERGE_KEYS & set(data):
        raise InputError(f"{where}: not a mergekit config (no merge_method, models or slices)")
    found: dict[str, int] = {}

    def add(value: object, line: int) -> None:
        if isinstance(value, str) and value.strip():
            found.setdefault(value.strip(), line)
        elif isinstance(value, Mapping):
            add(value.get("model"), getattr(value, "line", line))

    def listed(value: object, key: str) -> list[object]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise InputError(f"{where}: `{key}` must be a list, not {type(value).__name__}")
        return value

    add(data.get("base_model"), getattr(data, "key_lines", {}).get("base_model", 1))
    for item in listed(data.get("models"), "models"):
        add(item, getattr(item, "line", 1))
    for piece in listed(data.get("slices"), "slices"):
        if isinstance(piece, Mapping):
            for src in listed(piece.get("sources"), "slices[].sources"):
                add(src, getattr(src, "line", 1))
    if not found:
        raise InputError(f"{where}: the merge config names no models")
    return [
        EdgeClaim(model, NodeKind.MODEL, Relation.MERGE,
                  Evidence(SourceKind.CONFIG, f"{where}:{line}", f"model: {model}"))
        for model, line in found.items()
    ]  # fmt: skip
