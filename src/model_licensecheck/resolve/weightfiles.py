"""The weight files of a model folder, read for their headers only: GGUF files (llama.cpp, LM
Studio), `.safetensors` `__metadata__` (MLX, ModelSpec, kohya), and what an LM Studio folder's
place says about where it was downloaded from."""

import re
from typing import TYPE_CHECKING, NamedTuple

from ..model import Confidence, Evidence, NodeKind, Relation, SourceKind
from .interface import EdgeClaim, LicenseClaim, is_hub_id

if TYPE_CHECKING:
    from pathlib import Path

    from ..kb.loader import KnowledgeBase

MAX_FILES = 16
"""Weight files of each kind read per folder (quantization variants of one model, shards)."""
_LATER_SHARD = re.compile(r"-0*(?:[2-9]|[1-9][0-9]+)-of-[0-9]+\.(?:gguf|safetensors)$", re.I)
_LMSTUDIO_HOMES = frozenset({".lmstudio", "lm-studio", "lmstudio"})


class WeightFiles(NamedTuple):
    """What a folder's weight files say: license claims (with the file each came from),
    lineage edges and notes."""

    licenses: list[tuple[LicenseClaim, str]]
    edges: list[EdgeClaim]
    notes: list[str]
    read_any: bool


def _listed(folder: "Path", suffix: str) -> list["Path"]:
    try:
        found = sorted(p for p in folder.iterdir() if p.name.lower().endswith(suffix))
    except OSError:
        return []
    # Only the first shard of a split model carries the metadata (gguf-split, transformers).
    return [p for p in found if p.is_file() and not _LATER_SHARD.search(p.name)]


def weight_file_claims(folder: "Path", root_id: str, kb: "KnowledgeBase") -> WeightFiles:
    """Claims from the GGUF and safetensors headers in `folder` (never their tensors)."""
    from .gguf import gguf_facts, read_header
    from .safetensors import read_metadata, safetensors_claims

    licenses: list[tuple[LicenseClaim, str]] = []
    edges: list[EdgeClaim] = []
    notes: list[str] = []
    ggufs = _listed(folder, ".gguf")
    tensors = _listed(folder, ".safetensors")
    for files in (ggufs, tensors):
        if len(files) > MAX_FILES:
            notes.append(f"{root_id}: {len(files)} {files[0].suffix} files; the first "
                         f"{MAX_FILES} are read.")  # fmt: skip
    for path in ggufs[:MAX_FILES]:
        where = f"{root_id}/{path.name}"
        facts = gguf_facts(read_header(str(path), where), where, root_id, kb)
        if facts.license is not None:
            licenses.append((facts.license, where))
        edges += facts.edges
        notes += facts.notes
    mlx = False
    for path in tensors[:MAX_FILES]:
        where = f"{root_id}/{path.name}"
        found = safetensors_claims(read_metadata(str(path), where), where, kb)
        if found.license is not None:
            licenses.append((found.license, where))
        edges += found.edges
        notes += found.notes
        mlx = mlx or found.mlx
    if mlx:
        notes.append(f"{root_id}: an MLX folder (the safetensors say `format: mlx`); its card and "
                     "config say whose weights these are.")  # fmt: skip
    copy_of = lmstudio_repo(folder)
    if copy_of is not None and (ggufs or tensors):
        edges.append(EdgeClaim(copy_of, NodeKind.MODEL, Relation.QUANTIZED,
                               Evidence(SourceKind.USER, str(folder), f"LM Studio folder "
                                        f"{copy_of}", Confidence.INFERRED)))  # fmt: skip
        notes.append(f"{root_id}: an LM Studio folder (models/PUBLISHER/REPO): its files are "
                     f"taken to be downloads of the Hub repo {copy_of} (inferred).")  # fmt: skip
    return WeightFiles(licenses, edges, notes, bool(ggufs or tensors))


def lmstudio_repo(folder: "Path") -> str | None:
    """`PUBLISHER/REPO` when `folder` is LM Studio's `…/models/PUBLISHER/REPO` (under
    `~/.lmstudio` or `~/.cache/lm-studio`): LM Studio names download folders by Hub repo."""
    parts = folder.resolve().parts
    if len(parts) < 4 or parts[-3] != "models":
        return None
    if parts[-4].lower() not in _LMSTUDIO_HOMES:
        return None
    ident = f"{parts[-2]}/{parts[-1]}"
    return ident if is_hub_id(ident) else None


def has_weight_files(folder: "Path") -> bool:
    """Whether `folder` holds a GGUF or safetensors file (a model folder without a card)."""
    return bool(_listed(folder, ".gguf") or _listed(folder, ".safetensors"))
