"""The user's own input: tell a Hub id from a card, config or folder, and read local files."""

import os
from typing import TYPE_CHECKING, NamedTuple

from ..errors import InputError
from ..model import Evidence, NodeKind, Relation, SourceKind
from ..model import TargetKind as TargetKind  # re-exported: targets are classified here
from .interface import ArtifactFacts, EdgeClaim, LicenseClaim, is_hub_id
from .licenses import LICENSE_FILES

if TYPE_CHECKING:
    from pathlib import Path

    from ..kb.loader import KnowledgeBase

CARD_NAMES = ("README.md", "readme.md", "README.MD")
MERGE_NAMES = ("mergekit_config.yml", "mergekit_config.yaml", "merge_config.yml",
               "merge_config.yaml")  # fmt: skip


class Target(NamedTuple):
    """A classified target."""

    text: str
    kind: TargetKind
    path: str | None = None
    revision: str | None = None
    """For a Hub id written `org/name@revision` or as a `/tree/<revision>` address."""


_HUB_HOSTS = ("https://huggingface.co/", "http://huggingface.co/", "https://hf.co/",
              "http://hf.co/", "huggingface.co/", "hf.co/",
              "https://www.huggingface.co/")  # fmt: skip
_REPO_KINDS = ("datasets/", "models/")


def hub_reference(text: str) -> tuple[str, str | None] | None:
    """`(repo id, revision)` from a Hub address (`https://huggingface.co/org/name`,
    `hf.co/datasets/org/name/tree/v1`) or an `org/name@revision`; None when `text` is neither.
    A `/blob/<rev>/<file>` or `/resolve/...` address names the repo at that revision."""
    lowered = text.lower()
    host = next((h for h in _HUB_HOSTS if lowered.startswith(h)), None)
    if host is not None:
        rest = text[len(host) :].split("?", 1)[0].split("#", 1)[0].strip("/")
        for kind in _REPO_KINDS:
            if rest.startswith(kind):
                rest = rest[len(kind) :]
        parts = rest.split("/")
        if len(parts) >= 4 and parts[2] in ("tree", "blob", "resolve", "commit"):
            repo, revision = "/".join(parts[:2]), parts[3]
        elif len(parts) in (1, 2):
            repo, revision = "/".join(parts), None
        else:
            return None
        return (repo, revision) if is_hub_id(repo) else None
    if "@" in text and not text.startswith("@"):
        repo, _, revision = text.partition("@")
        if is_hub_id(repo) and revision and not any(c.isspace() for c in revision):
            return repo, revision
    return None


def classify(text: str) -> Target:
    """A local path when it exists, else a Hub id when it has that shape, else an input error."""
    stripped = text.strip()
    if not stripped:
        raise InputError("empty target: give a Hugging Face id, a card, a config or a folder")
    if stripped.startswith("ollama:"):
        return Target(stripped, TargetKind.OLLAMA)
    # os.path, not pathlib: classifying a Hub id is on every run's start-up path (paths.py).
    if os.path.isdir(stripped):
        return Target(stripped, TargetKind.FOLDER, stripped)
    if os.path.isfile(stripped):
        name = os.path.basename(stripped).lower()
        if name.endswith(".gguf"):
            return Target(stripped, TargetKind.GGUF, stripped)
        if name.endswith((".json",)):
            return Target(stripped, TargetKind.CONFIG, stripped)
        if name.endswith((".yml", ".yaml")):
            return Target(stripped, TargetKind.MERGE_CONFIG, stripped)
        return Target(stripped, TargetKind.CARD, stripped)
    if os.path.exists(stripped):
        raise InputError(f"{stripped}: not a regular file or folder")
    reference = hub_reference(stripped)
    if reference is not None:
        return Target(reference[0], TargetKind.HUB_ID, revision=reference[1])
    if stripped.lower().startswith(("http://", "https://", "hf.co/", "huggingface.co/")):
        raise InputError(f"{stripped}: not the address of a Hugging Face repository "
                         "(https://huggingface.co/ORG/NAME)")  # fmt: skip
    looks_local = (
        stripped.startswith((".", "/", "~"))
        or stripped.count("/") > 1
        or stripped.lower().endswith(".gguf")
        or (stripped.lower().endswith((".md", ".json", ".yml", ".yaml")) and "/" not in stripped)
    )
    if looks_local:
        raise InputError(f"{stripped}: no such file or folder")
    if not is_hub_id(stripped):
        raise InputError(
            f"{stripped!r} is neither an existing file or folder nor a valid Hugging Face id "
            "(ORG/NAME: letters, digits, '-', '_', '.')"
        )
    return Target(stripped, TargetKind.HUB_ID)


def read_text(path: "Path", where: str) -> str:
    """A small text file's content, or an input error naming what is wrong."""
    from .card import MAX_CARD_BYTES, decode_text

    try:
        size = path.stat().st_size
        if size > MAX_CARD_BYTES:
            raise InputError(
                f"{where}: {size} bytes is larger than the {MAX_CARD_BYTES} bytes a card or "
                "config may have"
            )
        return decode_text(path.read_bytes(), where)
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from None


def local_facts(target: Target, kb: "KnowledgeBase") -> ArtifactFacts:
    """The root's facts from a local card, config, merge config or model folder."""
    # Card, prose and config parsing are imported here: checking a Hub id needs none of them.
    from pathlib import Path

    from .card import card_claims, parse_card
    from .config import config_claims, merge_claims

    if target.kind is TargetKind.OLLAMA:
        from .ollama import ollama_facts

        return ollama_facts(target.text.removeprefix("ollama:"), kb)
    assert target.path is not None
    path = Path(target.path)
    root_id = target.text.rstrip("/") or target.text
    if target.kind is TargetKind.GGUF:
        from .gguf import gguf_facts, read_header

        return gguf_facts(read_header(target.path, target.text), target.text, root_id, kb)
    if target.kind is TargetKind.FOLDER:
        return _folder_facts(path, root_id, kb)
    text = read_text(path, target.text)
    if target.kind is TargetKind.CARD:
        card = parse_card(text, target.text)
        claim, edges, notes = card_claims(card, root_id, target.text, kb, SourceKind.USER)
        return _facts(root_id, claim, edges, notes)
    if target.kind is TargetKind.CONFIG:
        edges, notes = config_claims(text, target.text, root_id)
        notes.append("A config carries no license: give the model card too (or the folder).")
        return _facts(root_id, None, edges, notes)
    return _facts(
        root_id,
        None,
        merge_claims(text, target.text),
        ["A merge config carries no license: give the merged model's card too."],
    )


def _folder_facts(folder: "Path", root_id: str, kb: "KnowledgeBase") -> ArtifactFacts:
    from .card import card_claims, parse_card
    from .config import config_claims, merge_claims

    edges: list[EdgeClaim] = []
    notes: list[str] = []
    claim: LicenseClaim | None = None
    read_any = False
    adapter = folder / "adapter_config.json"
    is_adapter = False
    for name in ("adapter_config.json", "config.json"):
        path = folder / name
        if path.is_file():
            read_any = True
            where = f"{root_id}/{name}"
            text = read_text(path, where)
            found, more = config_claims(text, where, root_id)
            edges += found
            notes += more
            is_adapter = is_adapter or path == adapter
            if path == adapter:
                break  # an adapter's config.json, if any, describes the base, not the adapter
    for name in MERGE_NAMES:
        path = folder / name
        if path.is_file():
            read_any = True
            edges += merge_claims(read_text(path, f"{root_id}/{name}"), f"{root_id}/{name}")
    for name in CARD_NAMES:
        path = folder / name
        if path.is_file():
            read_any = True
            where = f"{root_id}/{name}"
            card = parse_card(read_text(path, where), where)
            default = Relation.ADAPTER if is_adapter else None
            claim, found, more = card_claims(card, root_id, where, kb, SourceKind.USER, default)
            edges = found + edges  # the card's own metadata first: it outranks configs
            notes += more
            break
    for name in LICENSE_FILES:
        path = folder / name
        if path.is_file():
            read_any = True
            where = f"{root_id}/{name}"
            text = read_text(path, where)
            if claim is None:
                claim = LicenseClaim(None, Evidence(SourceKind.USER, f"{where}:1"))
            claim = claim._replace(text=text, text_location=f"{where}:1")
            break
    from .claims import stricter_claim
    from .weightfiles import weight_file_claims

    weights = weight_file_claims(folder, root_id, kb)
    if not (read_any or weights.read_any):
        raise InputError(
            f"{root_id}: no README.md, config.json, adapter_config.json, merge config, GGUF or "
            "safetensors file in this folder"
        )
    if claim is None or (claim.raw is None and claim.text is None):
        notes.append(f"{root_id}: no model card with a `license:` field was found.")
        claim = None
    edges += weights.edges
    notes += weights.notes
    said_by = "the model card"
    for other, where in weights.licenses:
        claim, note = stricter_claim(claim, other, (said_by, where), root_id, kb)
        said_by = where if claim is other else said_by
        notes += [note] if note else []
    return _facts(root_id, claim, edges, notes)


def _facts(
    root_id: str, claim: LicenseClaim | None, edges: list[EdgeClaim], notes: list[str]
) -> ArtifactFacts:
    return ArtifactFacts(root_id, NodeKind.MODEL, claim, tuple(edges), notes=tuple(notes))
