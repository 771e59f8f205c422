"""Ollama models on this machine: the manifest, its license layers and its model layer (a GGUF),
as Ollama lays them out under OLLAMA_MODELS (default ~/.ollama/models)."""

import json
import os
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError
from ..model import Confidence, Evidence, NodeKind, Relation, SourceKind
from .claims import stricter_claim
from .gguf import gguf_facts, read_header
from .interface import ArtifactFacts, EdgeClaim, LicenseClaim

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase

PREFIX = "ollama:"
DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"
MAX_MANIFEST_BYTES = 1 << 20
MAX_TEXT_BYTES = 5 * 1024 * 1024
MAX_LAYERS = 64
"""Layers in one manifest (models have a handful: model, license, template, params, system)."""

MODEL = "application/vnd.ollama.image.model"
LICENSE = "application/vnd.ollama.image.license"
PARAMS = "application/vnd.ollama.image.params"
ADAPTER = "application/vnd.ollama.image.adapter"
PROJECTOR = "application/vnd.ollama.image.projector"

# Ollama's own name grammar (types/model/name.go): a part starts with a letter, digit or "_";
# namespaces take no ".", hosts may carry a ":port". Nothing else can reach the file system.
_HOST = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}$", re.ASCII)
_NAMESPACE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,79}$", re.ASCII)
_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}$", re.ASCII)
_DIGEST = re.compile(r"^sha256[:-]([0-9a-fA-F]{64})$")


class OllamaName(NamedTuple):
    """A fully qualified Ollama model name."""

    host: str
    namespace: str
    model: str
    tag: str

    @property
    def short(self) -> str:
        """The name as `ollama list` shows it (default host and namespace left out)."""
        prefix = ""
        if self.host != DEFAULT_HOST:
            prefix = f"{self.host}/{self.namespace}/"
        elif self.namespace != DEFAULT_NAMESPACE:
            prefix = f"{self.namespace}/"
        return f"{prefix}{self.model}:{self.tag}"


def parse_name(text: str) -> OllamaName:
    """`NAME[:TAG]`, `NS/NAME[:TAG]` or `HOST/NS/NAME[:TAG]`, with Ollama's defaults."""
    rest, tag = text, DEFAULT_TAG
    if rest.rfind(":") > rest.rfind("/"):
        rest, tag = rest.rsplit(":", 1)
    parts = rest.split("/")
    if len(parts) > 3:
        raise InputError(f"{PREFIX}{text}: not a valid Ollama model name (too many parts)")
    host, ns, model = [DEFAULT_HOST, DEFAULT_NAMESPACE][: 3 - len(parts)] + parts
    ok = (
        _HOST.match(host) and _NAMESPACE.match(ns) and _PART.match(model) and _PART.match(tag)
        and ".." not in host
    )  # fmt: skip
    if not ok:
        raise InputError(f"{PREFIX}{text}: not a valid Ollama model name")
    return OllamaName(host, ns, model, tag)


def models_dir(folder: str | None = None) -> str:
    """OLLAMA_MODELS, else ~/.ollama/models; an input error when it does not exist."""
    path = (
        folder
        or os.environ.get("OLLAMA_MODELS")
        or os.path.join(os.path.expanduser("~"), ".ollama", "models")
    )
    if not os.path.isdir(os.path.join(path, "manifests")):
        raise InputError(
            f"{path}: no Ollama models folder here (no manifests/ inside; set OLLAMA_MODELS)"
        )
    return path


def installed(folder: str | None = None) -> list[str]:
    """Every model installed under the models folder, as `ollama:NAME:TAG` targets."""
    root = os.path.join(models_dir(folder), "manifests")
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        parts = rel.split(os.sep)
        if len(parts) == 3:
            dirnames.clear()  # host/namespace/model/TAG: tags are files
            for tag in sorted(filenames):
                name = f"{parts[0]}/{parts[1]}/{parts[2]}:{tag}"
                try:
                    out.append(PREFIX + parse_name(name).short)
                except InputError:
                    continue  # not a name Ollama could have written
    if not out:
        raise InputError(f"{root}: no Ollama models are installed")
    return out


def _read(path: str, limit: int, where: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{where}: missing ({path})") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise InputError(f"{where}: larger than {limit} bytes; refused")
    return data


class _Layer(NamedTuple):
    media_type: str
    path: str
    where: str


def ollama_facts(text: str, kb: "KnowledgeBase", folder: str | None = None) -> ArtifactFacts:
    """The facts of an installed Ollama model (`text` without the `ollama:` prefix): the GGUF
    header of its model layer, its license layers mapped as LICENSE files are, its adapters."""
    from .licenses import match_license_text

    name = parse_name(text)
    root = models_dir(folder)
    root_id = PREFIX + name.short
    manifest_path = os.path.join(root, "manifests", name.host, name.namespace, name.model,
                                 name.tag)  # fmt: skip
    if not os.path.isfile(manifest_path):
        raise InputError(f"{root_id}: not installed (no manifest at {manifest_path})")
    layers = _layers(manifest_path, root, root_id)
    models = [x for x in layers if x.media_type == MODEL]
    if len(models) != 1:
        raise InputError(f"{root_id}: the manifest has {len(models)} model layers (expected 1)")
    model = models[0]
    facts = gguf_facts(read_header(model.path, model.where), model.where, root_id, kb)
    notes = list(facts.notes)
    claim = facts.license
    texts = [(x, _text(x)) for x in layers if x.media_type == LICENSE]
    matched = [(x, t) for x, t in texts if match_license_text(t, kb) is not None]
    if texts:
        layer, body = (matched or texts)[0]
        location = f"{layer.where}:1"
        by_text = LicenseClaim(None, Evidence(SourceKind.CONFIG, location), text=body,
                               text_location=location)  # fmt: skip
        if claim is not None and claim.text is None:
            # Unsettled by its own fields, the header's claim is read through the text.
            claim = claim._replace(text=body, text_location=location)
        names = ("the GGUF header", "the license layer's text")
        claim, note = stricter_claim(claim, by_text, names, root_id, kb)
        notes += [note] if note else []
        if len(texts) > 1:
            notes.append(f"{root_id}: {len(texts)} license layers; the license is read from "
                         f"{layer.where}.")  # fmt: skip
    else:
        notes.append(f"{root_id}: the manifest has no license layer.")
    edges = list(facts.edges)
    # Adapter and projector layers are weights too, whose license the manifest does not
    # record: each stands as an unresolved ancestor, so the verdict cannot be `allowed`.
    for media, kind, relation in ((ADAPTER, "adapter", Relation.ADAPTER),
                                  (PROJECTOR, "projector", Relation.MERGE)):  # fmt: skip
        for i, layer in enumerate(x for x in layers if x.media_type == media):
            edges.append(EdgeClaim(f"{root_id}#{kind}-{i + 1}", NodeKind.MODEL, relation,
                                   Evidence(SourceKind.CONFIG, layer.where, media,
                                            Confidence.DECLARED)))  # fmt: skip
            notes.append(f"{root_id}: an {kind} layer ({layer.where}) adds weights whose "
                         "license is not recorded, so it stays unknown.")  # fmt: skip
    for layer in layers:
        if layer.media_type == PARAMS:
            params = _json(_text(layer), layer.where)
            if params:
                notes.append(f"{root_id}: Modelfile parameters: {', '.join(sorted(params))}.")
    return facts._replace(license=claim, edges=tuple(edges), notes=tuple(notes),
                          name=facts.name or name.short)  # fmt: skip


def _layers(manifest_path: str, root: str, root_id: str) -> list[_Layer]:
    where = f"{root_id} manifest"
    data = _json(_read(manifest_path, MAX_MANIFEST_BYTES, where).decode("utf-8", "replace"),
                 where)  # fmt: skip
    raw_layers = data.get("layers")
    if not isinstance(raw_layers, list):
        raise InputError(f"{where}: `layers` must be a list")
    if len(raw_layers) > MAX_LAYERS:
        raise InputError(f"{where}: {len(raw_layers)} layers (more than {MAX_LAYERS}); refused")
    out: list[_Layer] = []
    for i, raw in enumerate(raw_layers):
        if not isinstance(raw, dict):
            raise InputError(f"{where}: layers[{i}] must be an object")
        media, digest = raw.get("mediaType"), raw.get("digest")
        m = _DIGEST.match(digest) if isinstance(digest, str) else None
        if not isinstance(media, str) or m is None:
            raise InputError(f"{where}: layers[{i}] needs a mediaType and a sha256 digest")
        blob = f"sha256-{m.group(1)}"
        path = os.path.join(root, "blobs", blob)
        if not os.path.isfile(path):
            raise InputError(f"{root_id}: the manifest's {media.rsplit('.', 1)[-1]} layer "
                             f"points at a missing blob ({path})")  # fmt: skip
        out.append(_Layer(media, path, f"{root_id} blob {blob}"))
    return out


def _text(layer: _Layer) -> str:
    return _read(layer.path, MAX_TEXT_BYTES, layer.where).decode("utf-8", "replace")


def _json(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InputError(f"{where}: not valid JSON") from None
    if not isinstance(data, dict):
        raise InputError(f"{where}: not a JSON object")
    return data
