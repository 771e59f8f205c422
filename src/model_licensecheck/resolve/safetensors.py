"""`.safetensors` files: the JSON header's `__metadata__` (never the tensors), read within a
fixed bound, and the claims its keys make (Stability's ModelSpec `modelspec.*`, kohya's LoRA
`ss_*`, MLX's `format`)."""

import json
import os
import struct
from typing import TYPE_CHECKING, NamedTuple

from ..errors import InputError
from ..model import Confidence, Evidence, NodeKind, Relation, SourceKind
from .interface import EdgeClaim, LicenseClaim

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase

MAX_HEADER_BYTES = 16 * 1024 * 1024
"""A header lists every tensor's name, type and offsets: a few hundred kB for a large shard.
The safetensors library itself refuses headers over 100 MB."""
MAX_MERGED = 64


class SafetensorsMetadata(NamedTuple):
    """The string map a file's header keeps under `__metadata__` (empty when it has none)."""

    metadata: dict[str, str]


def read_metadata(path: str, where: str) -> SafetensorsMetadata:
    """The `__metadata__` of the safetensors file at `path`: the 8-byte little-endian header
    length, then that many bytes of JSON; the tensors after it are never read."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(8)
            if len(head) < 8:
                raise InputError(f"{where}: not a safetensors file (shorter than its header)")
            (length,) = struct.unpack("<Q", head)
            if length > MAX_HEADER_BYTES or length > size - 8:
                raise InputError(
                    f"{where}: the safetensors header claims {length} bytes (the file has "
                    f"{size - 8} after its length; at most {MAX_HEADER_BYTES} are read); refused "
                    "as malformed"
                )
            raw = f.read(length)
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InputError(f"{where}: not a safetensors file (its header is not JSON)") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}: not a safetensors file (its header is not a JSON object)")
    meta = data.get("__metadata__") or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise InputError(f"{where}: `__metadata__` must map names to strings")
    return SafetensorsMetadata(meta)


class SafetensorsClaims(NamedTuple):
    """What one file's metadata says: a license claim, edges and notes."""

    license: LicenseClaim | None
    edges: list[EdgeClaim]
    notes: list[str]
    mlx: bool


def safetensors_claims(
    meta: SafetensorsMetadata, where: str, kb: "KnowledgeBase"
) -> SafetensorsClaims:
    """Claims from the metadata keys that name a license or a source."""
    from .gguf import hub_id_of, known_model

    m = meta.metadata
    notes: list[str] = []
    claim: LicenseClaim | None = None
    lic = m.get("modelspec.license", "").strip()
    if lic:
        ev = Evidence(SourceKind.CONFIG, f"{where}:modelspec.license", lic[:200])
        if lic.startswith(("http://", "https://")):
            claim = LicenseClaim("other", ev, link=lic)
        elif len(lic) > 200 or "\n" in lic:  # the spec allows the whole text in the slot
            claim = LicenseClaim(None, ev, text=lic, text_location=f"{where}:modelspec.license")
        else:
            claim = LicenseClaim(lic, ev)
    edges: list[EdgeClaim] = []
    merged = [p.strip() for p in m.get("modelspec.merged_from", "").split(",") if p.strip()]
    for name in merged[:MAX_MERGED]:
        ident = hub_id_of(name) or known_model(name, kb) or name
        edges.append(EdgeClaim(ident, NodeKind.MODEL, Relation.MERGE,
                               Evidence(SourceKind.CONFIG, f"{where}:modelspec.merged_from",
                                        name, Confidence.INFERRED)))  # fmt: skip
    base = m.get("ss_sd_model_name", "").strip()
    if base:
        relation = Relation.ADAPTER if m.get("ss_network_module") else Relation.FINETUNE
        ident = hub_id_of(base) or known_model(os.path.splitext(base)[0], kb) or base
        edges.append(EdgeClaim(ident, NodeKind.MODEL, relation,
                               Evidence(SourceKind.CONFIG, f"{where}:ss_sd_model_name", base,
                                        Confidence.INFERRED)))  # fmt: skip
    title = m.get("modelspec.title", "").strip()
    author = m.get("modelspec.author", "").strip()
    if title or author:
        said = " by ".join(x for x in (title, author) if x)
        notes.append(f"{where}: ModelSpec metadata names the model {said!r}.")
    mlx = m.get("format") == "mlx"
    return SafetensorsClaims(claim, edges, notes, mlx)
