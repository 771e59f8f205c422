"""GGUF files: the header's metadata (never the tensors), read within fixed bounds, and the
lineage claims it makes (license, source repo, base models, datasets)."""

import os
import re
import struct
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from ..errors import InputError
from ..kb.loader import tokens
from ..model import Confidence, Evidence, NodeKind, Relation, SourceKind
from .interface import ArtifactFacts, EdgeClaim, LicenseClaim, is_hub_id

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase

MAGIC = b"GGUF"
MAX_HEADER_BYTES = 256 * 1024 * 1024
"""Metadata section limit. Real headers hold a few dozen keys plus the tokenizer (a 256k-token
vocabulary with its merges is ~10 MB); the tensors that follow are never read."""
MAX_KEYS = 65_536
MAX_ITEMS = 4_000_000
"""Array items in the whole header (token lists, scores, merges) before it is refused."""
MAX_KEY_BYTES = 65_536
MAX_KEPT_STRING = 65_536
"""A `general.*` value we keep; longer is refused (ids, names and URLs are short)."""
_MAX_NESTING = 4
_CHUNK = 1 << 20

# Value types of the GGUF specification (ggml/docs/gguf.md; gguf-py GGUFValueType).
_STRING, _ARRAY = 8, 9
_SCALARS: dict[int, str] = {
    0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d",
}  # fmt: skip

FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
    29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
    38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0",
}  # fmt: skip
"""`general.file_type` values (gguf-py constants.py, LlamaFileType), without their MOSTLY_."""

_KEPT = frozenset({
    "general.name", "general.license", "general.license.name", "general.license.link",
    "general.source.url", "general.source.repo_url", "general.source.huggingface.repository",
    "general.quantized_by", "general.file_type", "general.base_model.count",
    "general.dataset.count", "general.organization", "general.architecture",
})  # fmt: skip
_KEPT_PREFIXES = ("general.base_model.", "general.dataset.")
_SOURCE_KEYS = ("general.source.huggingface.repository", "general.source.repo_url",
                "general.source.url")  # fmt: skip
MAX_LISTED = 64
"""Base models or datasets read from one header (`general.*.count` beyond is noted)."""

Value = str | int | float | bool


class GGUFHeader(NamedTuple):
    """What a GGUF header says about the model: the kept `general.*` keys and their values."""

    version: int
    tensor_count: int
    metadata: dict[str, Value]
    key_count: int


class _Reader:
    """Sequential reads from the start of a file, at most MAX_HEADER_BYTES, in chunks."""

    def __init__(self, stream: BinaryIO, size: int, where: str) -> None:
        self.stream = stream
        self.size = size
        self.where = where
        self.buf = b""
        self.pos = 0  # in buf
        self.consumed = 0  # bytes of the file before buf
        self.items = 0
        self.order = "<"

    @property
    def offset(self) -> int:
        return self.consumed + self.pos

    def take(self, n: int) -> bytes:
        if n < 0 or self.offset + n > self.size:
            raise InputError(
                f"{self.where}: truncated GGUF header (a field at byte {self.offset} runs past "
                f"the end of the file)"
            )
        if self.offset + n > MAX_HEADER_BYTES:
            raise InputError(
                f"{self.where}: the GGUF metadata runs past {MAX_HEADER_BYTES} bytes; refused"
            )
        if self.pos + n > len(self.buf):
            rest = self.buf[self.pos :]
            self.consumed += self.pos
            want = max(n - len(rest), _CHUNK)
            self.buf = rest + self.stream.read(want)
            self.pos = 0
            if len(self.buf) < n:
                raise InputError(f"{self.where}: truncated GGUF header (the file ends early)")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def skip(self, n: int) -> None:
        if n < 0 or self.offset + n > min(self.size, MAX_HEADER_BYTES):
            self.take(n)  # raises the right error
        if self.pos + n <= len(self.buf):
            self.pos += n
            return
        target = self.offset + n
        self.stream.seek(target)
        self.consumed, self.buf, self.pos = target, b"", 0

    def skip_strings(self, n: int) -> None:
        """Skip `n` length-prefixed strings (a tokenizer's vocabulary): the common case, kept
        to one tight loop over the buffer."""
        unpack_from = struct.Struct(self.order + "Q").unpack_from
        while n:
            buf, pos = self.buf, self.pos
            end = len(buf)
            limit = end - 8
            left = n
            while left and pos <= limit:
                nxt = pos + 8 + unpack_from(buf, pos)[0]
                if nxt > end:
                    break
                pos = nxt
                left -= 1
            n = left
            self.pos = pos
            if n:  # the next string crosses the buffer's end: read on, checking bounds
                size = int(self.unpack("Q"))
                if size > MAX_HEADER_BYTES:
                    self.take(size)  # raises
                self.skip(size)
                n -= 1
        if self.offset > min(self.size, MAX_HEADER_BYTES):
            self.take(0)  # raises

    def unpack(self, fmt: str) -> int | float | bool:
        data = self.take(struct.calcsize(fmt))
        value: int | float | bool = struct.unpack(self.order + fmt, data)[0]
        return value

    def count(self, what: str, limit: int) -> int:
        n = int(self.unpack("Q"))
        if n > limit:
            raise InputError(
                f"{self.where}: GGUF header claims {n} {what} (more than {limit}); refused as "
                "malformed"
            )
        return n


def read_header(path: str, where: str) -> GGUFHeader:
    """The header of the GGUF file at `path`, or an input error naming what is wrong. Reads
    only the key/value section, within MAX_HEADER_BYTES; never the tensors."""
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            return _parse(_Reader(stream, size, where))
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from None


def _parse(r: _Reader) -> GGUFHeader:
    if r.size < 4 or r.take(4) != MAGIC:
        raise InputError(f"{r.where}: not a GGUF file (it does not start with 'GGUF')")
    raw_version = r.take(4)
    version = struct.unpack("<I", raw_version)[0]
    if version > 0xFFFF:  # a big-endian file (gguf-py writes them for s390x)
        r.order = ">"
        version = struct.unpack(">I", raw_version)[0]
    if version == 1:
        raise InputError(f"{r.where}: GGUF version 1 is not supported (llama.cpp dropped it too)")
    if version not in (2, 3):
        raise InputError(f"{r.where}: unknown GGUF version {version}")
    tensor_count = int(r.unpack("Q"))
    key_count = r.count("metadata keys", MAX_KEYS)
    metadata: dict[str, Value] = {}
    for _ in range(key_count):
        key_len = r.count("bytes in a key", MAX_KEY_BYTES)
        key = r.take(key_len).decode("utf-8", "replace")
        vtype = int(r.unpack("I"))
        keep = key in _KEPT or key.startswith(_KEPT_PREFIXES)
        value = _value(r, vtype, key, keep, 0)
        if keep and value is not None:
            metadata[key] = value
    return GGUFHeader(version, tensor_count, metadata, key_count)


def _value(r: _Reader, vtype: int, key: str, keep: bool, depth: int) -> Value | None:
    if vtype in _SCALARS:
        value = r.unpack(_SCALARS[vtype])
        return value if keep else None
    if vtype == _STRING:
        n = r.count("bytes in a string", MAX_HEADER_BYTES)
        if not keep:
            r.skip(n)
            return None
        if n > MAX_KEPT_STRING:
            raise InputError(f"{r.where}: {key}: a {n}-byte value; refused as malformed")
        return r.take(n).decode("utf-8", "replace")
    if vtype == _ARRAY:
        if depth >= _MAX_NESTING:
            raise InputError(f"{r.where}: {key}: arrays nested too deep")
        item_type = int(r.unpack("I"))
        n = r.count("array items", MAX_ITEMS - r.items)
        r.items += n
        if item_type in _SCALARS:
            r.skip(n * struct.calcsize(_SCALARS[item_type]))
        elif item_type == _STRING:
            r.skip_strings(n)
        else:
            for _ in range(n):
                _value(r, item_type, key, False, depth + 1)
        return None  # arrays (tags, languages, the tokenizer) say nothing about the license
    raise InputError(f"{r.where}: {key}: unknown GGUF value type {vtype}")


_HF_URL = re.compile(
    r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(datasets/)?([^/?#\s]+/[^/?#\s]+?)"
    r"(?:\.git)?/?(?:[/?#].*)?$",
    re.IGNORECASE,
)


_NOT_REPOS = frozenset({"spaces", "docs", "blog", "papers", "collections", "organizations",
                        "models", "datasets", "api", "settings", "learn", "posts"})  # fmt: skip
"""First path segments of huggingface.co addresses that are not `ORG/NAME` model repos."""


def hub_id_of(text: str, dataset: bool = False) -> str | None:
    """The Hub id that `text` names: an id, or a huggingface.co address of the right kind."""
    text = text.strip()
    if is_hub_id(text) and "/" in text:
        return text
    m = _HF_URL.match(text)
    if m is None or bool(m.group(1)) != dataset:
        return None
    ident = m.group(2)
    if ident.split("/")[0].lower() in _NOT_REPOS:
        return None
    return ident if is_hub_id(ident) else None


def quantization(header: GGUFHeader) -> str | None:
    """The file type's name (`Q4_K_M`), or its number when this tool does not know it."""
    value = header.metadata.get("general.file_type")
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return FILE_TYPES.get(value, f"file type {value}")


def gguf_facts(header: GGUFHeader, where: str, root_id: str, kb: "KnowledgeBase") -> ArtifactFacts:
    """The claims a GGUF header makes about the model it holds (`where` names the file in
    evidence: `FILE:KEY`)."""
    meta = header.metadata
    notes: list[str] = []
    missing: list[str] = []

    def text(key: str) -> str | None:
        value = meta.get(key)
        return value.strip() or None if isinstance(value, str) else None

    def ev(key: str, value: str, confidence: Confidence = Confidence.DECLARED) -> Evidence:
        return Evidence(SourceKind.CONFIG, f"{where}:{key}", f"{key} = {value}", confidence)

    raw, name, link = text("general.license"), text("general.license.name"), None
    link = text("general.license.link")
    if raw and raw.lower().startswith(("http://", "https://")) and not link:
        raw, link = "other", raw  # an address in the id's place: map it as a license_link
    claim: LicenseClaim | None = None
    if raw or name or link:
        key = "general.license" if raw else "general.license.name" if name else (
            "general.license.link")  # fmt: skip
        shown = raw or name or link or ""
        claim = LicenseClaim(raw or "other", ev(key, shown), name, link)
    else:
        missing.append("general.license")
    edges: list[EdgeClaim] = []
    source, source_key = None, None
    for key in _SOURCE_KEYS:
        value = text(key)
        found = hub_id_of(value) if value else None
        if found is not None:
            source, source_key = found, key
            edges.append(EdgeClaim(found, NodeKind.MODEL, Relation.QUANTIZED, ev(key, value or "")))
            break
    model_name = text("general.name")
    if source is None:
        missing.append(" / ".join(_SOURCE_KEYS))
        art = known_model(model_name, kb) if model_name else None
        if art is not None and model_name is not None:
            source, source_key = art, "general.name"
            said_name = ev("general.name", model_name, Confidence.INFERRED)
            edges.append(EdgeClaim(art, NodeKind.MODEL, Relation.QUANTIZED, said_name))
            notes.append(
                f"{where}: no source repository in the header; general.name {model_name!r} is "
                f"taken to be {art} (inferred)."
            )
        elif model_name:
            notes.append(
                f"{where}: no source repository in the header, and general.name {model_name!r} "
                "names no model this tool knows: what the weights were converted from is unknown."
            )
    bases = _listed(meta, "base_model", where, notes)
    relation = Relation.MERGE if len(bases) > 1 else Relation.FINETUNE
    for _i, key, value, ident in bases:
        ident = ident or known_model(value, kb) or value
        conf = Confidence.DECLARED if key.endswith("repo_url") else Confidence.INFERRED
        edges.append(EdgeClaim(ident, NodeKind.MODEL, relation, ev(key, value, conf), source))
    if not bases and "general.base_model.count" not in meta:
        missing.append("general.base_model.*")
    if source is None and not bases:
        notes.append(
            f"{where}: the header records neither the repository the weights were converted "
            "from nor a base model; only its own license claim speaks for them."
        )
    for _i, key, value, ident in _listed(meta, "dataset", where, notes):
        ident = ident or known_model(value, kb, NodeKind.DATASET) or value
        conf = Confidence.DECLARED if key.endswith("repo_url") else Confidence.INFERRED
        edges.append(EdgeClaim(ident, NodeKind.DATASET, None, ev(key, value, conf), source))
    quant = quantization(header)
    by = text("general.quantized_by")
    said = [f"quantization {quant}" if quant else "no general.file_type"]
    said += [f"quantized by {by}"] if by else []
    said += [f"source {source} ({source_key})"] if source else []
    notes.insert(0, f"{where}: GGUF v{header.version}, {', '.join(said)}.")
    if missing:
        notes.append(f"{where}: keys missing from the GGUF header: {'; '.join(missing)}.")
    return ArtifactFacts(root_id, NodeKind.MODEL, claim, tuple(edges), name=model_name,
                         notes=tuple(notes))  # fmt: skip


def _listed(
    meta: dict[str, Value], what: str, where: str, notes: list[str]
) -> list[tuple[int, str, str, str | None]]:
    """`general.{what}.N.*` entries: (N, the key read, its value, the Hub id it names)."""
    count = meta.get(f"general.{what}.count")
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
        return []
    if count > MAX_LISTED:
        notes.append(f"{where}: general.{what}.count is {count}; the first {MAX_LISTED} are read.")
    out: list[tuple[int, str, str, str | None]] = []
    dataset = what == "dataset"
    for i in range(min(count, MAX_LISTED)):
        prefix = f"general.{what}.{i}."
        url = meta.get(prefix + "repo_url")
        ident = hub_id_of(url, dataset) if isinstance(url, str) else None
        if ident is not None and isinstance(url, str):
            out.append((i, prefix + "repo_url", url, ident))
            continue
        name, org = meta.get(prefix + "name"), meta.get(prefix + "organization")
        if isinstance(name, str) and name.strip():
            label = f"{org.strip()}/{name.strip()}" if isinstance(org, str) and org.strip() else (
                name.strip())  # fmt: skip
            out.append((i, prefix + "name", label, hub_id_of(label, dataset)))
        else:
            notes.append(f"{where}: {prefix}* names nothing (no repo_url or name).")
            out.append((i, prefix + "name", f"{where}#{what}-{i}", None))
    return out


def known_model(name: str, kb: "KnowledgeBase", kind: NodeKind = NodeKind.MODEL) -> str | None:
    """A knowledge-base id for a display name ("Llama 2 7b Hf" after gguf-py's title-casing),
    matched by the whole name against ids and aliases."""
    art = kb.artifact(name.replace(" ", "-")) or kb.aliases.get(" ".join(tokens(name)))
    if art is None and "/" in name:
        art = kb.aliases.get(" ".join(tokens(name.split("/", 1)[1])))
    return art.id if art is not None and art.kind is kind else None
