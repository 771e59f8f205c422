"""Read a model card: YAML front matter into raw fields with lines, and the prose after it."""

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError, YamlError
from ..kb.loader import tokens
from ..kb.schema import strictness
from ..model import (
    WEIGHT_RELATIONS,
    Confidence,
    Evidence,
    KnownLicense,
    NodeKind,
    Relation,
    SourceKind,
    Status,
    UnknownLicense,
)
from ..yamlio import LineDict, load
from .interface import EdgeClaim, LicenseClaim, is_hub_id
from .licenses import normalize
from .prose import Mention, find_mentions, license_statements, rank, sentences, stricter
from .prose import generation_cue as _generation_cue

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase

MAX_CARD_BYTES = 5 * 1024 * 1024
"""Cards larger than this are refused: real cards are a few kilobytes."""


class Card(NamedTuple):
    """A parsed card: raw metadata (with key lines), and the prose with its first line."""

    metadata: Mapping[str, Any]
    key_lines: Mapping[str, int]
    prose: str
    prose_first_line: int


def decode_text(data: bytes, where: str) -> str:
    """UTF-8 text, or an input error saying the file is not text."""
    if b"\x00" in data[:8192]:
        raise InputError(f"{where}: not a text file (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text (byte {exc.start})") from None


def parse_card(text: str, where: str) -> Card:
    """Split front matter from prose and parse the front matter with the safe loader."""
    if not text.strip():
        raise InputError(f"{where}: the card is empty")
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() in ("---", "..."):
                break
        else:
            raise InputError(f"{where}: front matter opened with '---' on line 1 is never closed")
        try:
            data = load("\n".join(lines[1:end]))
        except YamlError as exc:
            message = _shift(str(exc), 1)
            raise InputError(f"{where}: malformed YAML front matter: {message}") from None
        if data is None:
            data = LineDict()
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: front matter must be a YAML mapping of fields")
        key_lines = {k: v + 1 for k, v in getattr(data, "key_lines", {}).items()}
        return Card(data, key_lines, "\n".join(lines[end + 1 :]), end + 2)
    return Card({}, {}, text, 1)


def _shift(message: str, by: int) -> str:
    """Error lines count from the front matter; make them count from the file's top."""
    if message.startswith("line "):
        head, _, rest = message.partition(":")
        try:
            return f"line {int(head[5:]) + by}:{rest}"
        except ValueError:
            return message
    return message


def text_field(card: Card, key: str, where: str) -> str | None:
    """A field that must be a string when present."""
    value = card.metadata.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    raise InputError(
        f"{where}:{card.key_lines.get(key, 1)}: `{key}` must be a string, not {_kind(value)}"
    )


def list_field(card: Card, key: str, where: str) -> list[str]:
    """A field that may be a string or a list of strings (the Hub accepts both)."""
    value = card.metadata.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise InputError(
        f"{where}:{card.key_lines.get(key, 1)}: `{key}` must be a string or a list of strings, "
        f"not {_kind(value)}"
    )


def _license_field(card: Card, where: str) -> tuple[str | None, str | None]:
    """`license` as the Hub accepts it: a string (an id, a name or an SPDX expression) or a
    list of them. A list means every license in it applies (read as `A AND B`, the strictest
    wins); the evidence quotes the field as written."""
    value = card.metadata.get("license")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = [v.strip() for v in value if v.strip()]
        if not items:
            return None, None
        shown = f"license: [{', '.join(items)}]"
        if len(items) == 1:
            return items[0], shown
        return " AND ".join(f"({v})" if _SPACED.search(v) else v for v in items), shown
    if value is not None and not isinstance(value, str):
        list_field(card, "license", where)  # raises: the field has a shape the Hub refuses
    raw = text_field(card, "license", where)
    return raw, f"license: {raw}" if raw is not None else None


_SPACED = re.compile(r"\s")


def _weigh_prose(
    card: Card, where: str, kb: "KnowledgeBase", claim: LicenseClaim | None, notes: list[str]
) -> LicenseClaim | None:
    """Weigh the license statements of the card's prose against its front matter (DESIGN §5):
    the stricter applies. A stricter statement becomes the claim (its evidence is the quoted
    sentence; `licenses.normalize` reads the license from it and keeps the front matter's as
    the declared one, a `license-conflict`); a front matter that already says as much or more
    stands, and the statement is noted."""
    statements = license_statements(card.prose, kb, card.prose_first_line)
    if not statements:
        return claim
    best = max(statements, key=lambda s: rank(s.entry))
    evidence = Evidence(SourceKind.CARD_TEXT, f"{where}:{best.line}", best.quote,
                        Confidence.INFERRED)  # fmt: skip
    declared = normalize(claim, kb)
    front = kb.licenses.get(declared.id) if isinstance(declared, KnownLicense) else None
    if front is not None and front.id == best.entry.id:
        return claim
    if (
        isinstance(declared, UnknownLicense)
        and _names_a_license(claim)
        and strictness(best.entry.clauses) is not Status.PROHIBITED
    ):
        # The metadata names a license this tool does not know: its terms may be stricter
        # than anything the prose says, so only a prohibition in the prose may settle it.
        notes.append(
            f"The card's prose states {best.entry.id} (line {best.line}), but its metadata "
            "names a license this tool does not know, which stays undetermined."
        )
        return claim
    if front is not None and not stricter(best.entry, front):
        notes.append(
            f"The card's prose states {best.entry.id} (line {best.line}); its metadata's "
            f"{front.id} is at least as strict and is used."
        )
        return claim
    if front is not None:
        notes.append(
            f"The card's metadata declares {front.id}, but its prose states {best.entry.id} "
            f"(line {best.line}: {best.quote!r}); the stricter, {best.entry.id}, applies."
        )
    if claim is None:
        return LicenseClaim(None, evidence)
    return claim._replace(evidence=evidence)


_UNDISCLOSED = re.compile(
    r"\b(?:fine-?tun\w*|finetun\w*|trained|tuned|aligned|sft|post-?trained|instruction-tuned)\b"
    r"(?:\W+\w+){0,6}?\W+(?:on|using|used|uses|with|from)\W+(?:\w+\W+){0,3}?"
    r"(?:internal(?:ly)?|proprietary|private|in-house|undisclosed|closed|non-public|"
    r"(?:internally\s+)?curated|own|custom)\W+(?:\w+\W+){0,3}?"
    r"(?:data|datasets?|corpus|corpora|mixture|collection|instructions|conversations)\b",
    re.I,
)


def _drop_grandparents(edges: list[EdgeClaim], kb: "KnowledgeBase") -> list[EdgeClaim]:
    """A weight parent read from the prose that the knowledge base knows to be an ancestor of
    another weight parent the card names is that parent's base, not this model's ("the Int4
    model of Qwen-7B-Chat ... based on the pretrained Qwen-7B"): it is reached through that
    parent anyway, and an extra direct edge would make a plain copy look like a merge."""
    parents = {e.parent for e in edges if e.relation in WEIGHT_RELATIONS and e.child is None}
    above: set[str] = set()
    for parent in parents:
        todo = [parent]
        seen: set[str] = set()
        while todo:
            art = kb.artifact(todo.pop())
            if art is None or art.id in seen:
                continue
            seen.add(art.id)
            for up in art.upstream:
                if up.relation in WEIGHT_RELATIONS:
                    above.add(up.id.lower())
                    todo.append(up.id)
    return [
        e for e in edges
        if not (
            e.evidence.source is SourceKind.CARD_TEXT
            and e.relation in WEIGHT_RELATIONS
            and e.relation is not Relation.MERGE  # a merge may take in its part's base too
            and e.child is None
            and _canonical(e.parent, kb).lower() in above
        )
    ]  # fmt: skip


def _canonical(ident: str, kb: "KnowledgeBase") -> str:
    art = kb.artifact(ident)
    return art.id if art is not None else ident


def _undisclosed_data(
    card: Card, child: str, where: str, edges: list[EdgeClaim], notes: list[str], taken: int
) -> int:
    """A card that says its fine-tuning data is internal, proprietary, private or curated and
    names none: an unnamed dataset whose license is unknown (`data-license-unknown`), unless
    the card names its data anyway. Returns how many unnamed datasets were added."""
    if any(e.parent_kind is NodeKind.DATASET for e in edges):
        return 0
    for line, sentence in sentences(card.prose, card.prose_first_line):
        if _UNDISCLOSED.search(sentence):
            evidence = Evidence(SourceKind.CARD_TEXT, f"{where}:{line}", sentence[:300],
                                Confidence.INFERRED)  # fmt: skip
            anon_id = f"{child}#generated-data-{taken + 1}"
            edges.append(EdgeClaim(anon_id, NodeKind.DATASET, Relation.TRAINED_ON, evidence))
            notes.append(
                f"The card says {child} was trained on data it does not name (line {line}); "
                f"that data ({anon_id}) has no known license."
            )
            return 1
    return 0


# Suffixes the Hub's quantizers and converters append to the name of the repo they copy.
_COPY_SUFFIX = re.compile(
    r"[-_.](?:gguf|gptq|awq|exl2|ggml|mlx|hqq|bnb|fp16|bf16|fp32|f16|int[48]|w4a16|"
    r"\d(?:\.\d+)?bpw|[2-8]-?bits?|q[2-8](?:_k)?(?:_[msl])?|hf|safetensors)$",
    re.I,
)


def _name_lineage(child: str, kb: "KnowledgeBase", edges: list[EdgeClaim]) -> None:
    """When nothing else names a weight parent, the repo's own name: a known model's name plus
    a quantizer's suffix (`TheBloke/Llama-2-13B-chat-GPTQ`) is a quantized copy of it; a known
    model's name plus other words (`jordiclive/Llama-2-70b-oasst-1-200`) is a derivative
    (`finetune`) of it. Both inferred, quoting the name."""
    if "/" not in child or not is_hub_id(child):
        return
    if any(e.parent_kind is NodeKind.MODEL and e.relation is not Relation.GENERATED_BY
           for e in edges):  # fmt: skip
        return
    name = child.split("/", 1)[1]
    if kb.artifact(child) is not None:
        return  # the knowledge base describes this repo itself
    stem = name
    while (cut := _COPY_SUFFIX.search(stem)) is not None:
        stem = stem[: cut.start()]
    evidence = Evidence(SourceKind.CARD_TEXT, child, f"repository name: {name}",
                        Confidence.INFERRED)  # fmt: skip
    words = tokens(stem)
    if stem != name and stem:
        art = kb.aliases.get(" ".join(words))
        if art is not None and art.kind is NodeKind.MODEL:
            edges.append(EdgeClaim(art.id, NodeKind.MODEL, Relation.QUANTIZED, evidence))
            return
    # A known model's name followed by more words (`Llama-2-70b-oasst`): a derivative of it.
    for n in range(len(words) - 1, 1, -1):
        art = kb.aliases.get(" ".join(words[:n]))
        if art is not None and art.kind is NodeKind.MODEL:
            edges.append(EdgeClaim(art.id, NodeKind.MODEL, Relation.FINETUNE, evidence))
            return


def _names_a_license(claim: LicenseClaim | None) -> bool:
    """Whether the metadata names a license (an id, a name or a link), rather than saying
    nothing or only `other` ("see the card")."""
    if claim is None:
        return False
    raw = (claim.raw or "").strip().lower()
    return bool(claim.name or claim.link or (raw and raw not in ("other", "licenseref-hf-other")))


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


_RELATIONS = {
    "adapter": Relation.ADAPTER,
    "merge": Relation.MERGE,
    "quantized": Relation.QUANTIZED,
    "finetune": Relation.FINETUNE,
}


def card_claims(
    card: Card,
    child: str,
    where: str,
    kb: "KnowledgeBase",
    source: SourceKind,
    default_base_relation: Relation | None = None,
    kind: NodeKind = NodeKind.MODEL,
) -> tuple[LicenseClaim | None, list[EdgeClaim], list[str]]:
    """The license claim, lineage claims and notes a card makes about `child`, a model (or, for
    a dataset card, a dataset: prose then says what generated it or what it was built from).

    `where` names the card in evidence (a path or URL); `source` is `user` for a local card and
    `hub-metadata` for the Hub's. Metadata fields are declared; prose mentions are inferred.
    """

    def ev(key: str, quote: str | None = None) -> Evidence:
        return Evidence(source, f"{where}:{card.key_lines.get(key, 1)}", quote)

    notes: list[str] = []
    license_claim = _weigh_prose(card, where, kb, _license_claim(card, where, ev), notes)
    edges = _metadata_edges(card, where, kind, default_base_relation, ev)
    declared, unexplained, anonymous = _prose_edges(card, child, where, kb, kind, edges, notes)
    # A mention noted in one sentence and used in another is an ancestor after all.
    notes = [
        n for n in notes
        if not (n.startswith("The card mentions ") and n.split()[3].lower() in declared)
    ]  # fmt: skip
    if kind is NodeKind.MODEL:
        anonymous += _undisclosed_data(card, child, where, edges, notes, anonymous)
        _name_lineage(child, kb, edges)
        edges = _drop_grandparents(edges, kb)
        # Named with no stated use and not an ancestor either: kept as a `mentioned` edge, so
        # that one stricter than what applies can hold the verdict (DESIGN §5).
        named = {_canonical(e.parent, kb).lower() for e in edges}
        edges += [
            e for key, e in unexplained.items()
            if key not in declared and _canonical(e.parent, kb).lower() not in named
        ]  # fmt: skip
    return license_claim, edges, notes


def _license_claim(
    card: Card, where: str, ev: Callable[[str, str | None], Evidence]
) -> LicenseClaim | None:
    """What the metadata says of the license: `license`, else `license_name` / `license_link`."""
    license_raw, license_quote = _license_field(card, where)
    name = text_field(card, "license_name", where)
    link = text_field(card, "license_link", where)
    if license_raw is None and name is None and link is None:
        return None
    key = "license" if license_raw is not None else "license_name" if name else "license_link"
    quote = license_quote or (f"license_name: {name}" if name else f"license_link: {link}")
    return LicenseClaim(license_raw, ev(key, quote), name=name, link=link)


def _metadata_edges(
    card: Card,
    where: str,
    kind: NodeKind,
    default_base_relation: Relation | None,
    ev: Callable[[str, str | None], Evidence],
) -> list[EdgeClaim]:
    """The edges the metadata declares: `base_model` (with `base_model_relation`), `datasets`."""
    bases = list_field(card, "base_model", where)
    relation_raw = text_field(card, "base_model_relation", where)
    if relation_raw is not None and relation_raw not in _RELATIONS:
        raise InputError(
            f"{where}:{card.key_lines.get('base_model_relation', 1)}: `base_model_relation` must "
            f"be one of {', '.join(_RELATIONS)}, not {relation_raw!r}"
        )
    if relation_raw is not None:
        base_relation = _RELATIONS[relation_raw]
    elif default_base_relation is not None:
        base_relation = default_base_relation
    else:
        base_relation = Relation.MERGE if len(bases) > 1 else Relation.FINETUNE
    edges = [
        EdgeClaim(base, NodeKind.MODEL, base_relation, ev("base_model", f"base_model: {base}"))
        for base in bases
    ]
    data_relation = Relation.DERIVED_FROM if kind is NodeKind.DATASET else None
    edges += [
        EdgeClaim(dataset, NodeKind.DATASET, data_relation, ev("datasets", f"datasets: {dataset}"))
        for dataset in list_field(card, "datasets", where)
    ]
    return edges


def _prose_edges(
    card: Card,
    child: str,
    where: str,
    kb: "KnowledgeBase",
    kind: NodeKind,
    edges: list[EdgeClaim],
    notes: list[str],
) -> tuple[set[str], dict[str, EdgeClaim], int]:
    """Add to `edges` what the card's prose says `child` was made from, and to `notes` what it
    names without saying how it was used. Returns the ids declared (lower-cased), the named
    but unexplained ones, and how many unnamed generated datasets were added."""
    declared = {e.parent.lower() for e in edges}
    metadata_data = [e for e in edges if e.parent_kind is NodeKind.DATASET]
    anonymous = 0
    unexplained: dict[str, EdgeClaim] = {}
    mentions = find_mentions(card.prose, kb, card.prose_first_line)
    # Within a sentence, datasets first: a generator attaches to the data the sentence names.
    mentions.sort(key=lambda m: (m.line, m.relation is Relation.GENERATED_BY))
    for m in mentions:
        if m.id.lower() == child.lower() or m.id.lower() in declared:
            continue
        evidence = Evidence(SourceKind.CARD_TEXT, f"{where}:{m.line}", m.quote,
                            Confidence.INFERRED)  # fmt: skip
        relation = _dataset_card_relation(m) if kind is NodeKind.DATASET else m.relation
        if kind is NodeKind.DATASET and relation is not None:
            edges.append(EdgeClaim(m.id, m.kind, relation, evidence))
            declared.add(m.id.lower())
            continue
        if relation is None:
            if m.unexplained and kind is NodeKind.MODEL:
                unexplained.setdefault(
                    m.id.lower(), EdgeClaim(m.id, m.kind, Relation.MENTIONED, evidence)
                )
            # Only a note: a later sentence may still say how it was used.
            note = (f"The card mentions {m.id} (line {m.line}) without saying how it was "
                    "used; it is not counted as an ancestor.")  # fmt: skip
            if not any(n.startswith(f"The card mentions {m.id} ") for n in notes):
                notes.append(note)
            continue
        if m.relation is Relation.GENERATED_BY:
            # Attach the generator to a dataset the same sentence names, else to the data the
            # card's metadata declares, else to unnamed data.
            datasets = [
                e for e in edges
                if e.parent_kind is NodeKind.DATASET and e.evidence.location == evidence.location
            ] or metadata_data  # fmt: skip
            if not datasets:
                anonymous += 1
                anon_id = f"{child}#generated-data-{anonymous}"
                edges.append(EdgeClaim(anon_id, NodeKind.DATASET, Relation.TRAINED_ON, evidence))
                datasets = [edges[-1]]
            edges += [
                EdgeClaim(m.id, m.kind, Relation.GENERATED_BY, evidence, child=d.parent)
                for d in datasets
            ]
        else:
            edges.append(EdgeClaim(m.id, m.kind, m.relation, evidence))
        declared.add(m.id.lower())
    return declared, unexplained, anonymous


def _dataset_card_relation(m: Mention) -> Relation | None:
    """A dataset is not fine-tuned: a model or service it names generated it, and a dataset it
    names (with a data cue) is what it was built from."""
    if m.kind is NodeKind.DATASET and m.relation is not None:
        return Relation.DERIVED_FROM
    if m.kind is NodeKind.MODEL:
        return Relation.GENERATED_BY if _generation_cue(m.quote) else None
    return m.relation
