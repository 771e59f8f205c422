"""Find mentions of known models, datasets and services in a card's prose, with the sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kb.loader import tokens
from ..model import NodeKind, Relation

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..kb.loader import KnowledgeBase
    from ..kb.schema import ArtifactEntry

# Cue words deciding how a mentioned model was used, strongest first.
_MODEL_CUES: tuple[tuple[Relation, re.Pattern[str]], ...] = (
    (Relation.ADAPTER, re.compile(r"\b(q?lora|adapters?|peft)\b", re.I)),
    (Relation.QUANTIZED, re.compile(
        r"\b(quanti[sz]\w*|gptq|gguf|ggml|awq|exl2|[348]-?bit|int[48])\b", re.I)),
    (Relation.MERGE, re.compile(r"\b(merged?|merging|mergekit|slerp)\b", re.I)),
    (Relation.CONTINUED_PRETRAIN, re.compile(
        r"\b(continued|further|continual)\s+pre-?train\w*", re.I)),
    (Relation.FINETUNE, re.compile(
        r"\b(fine-?tun\w*|tuned|based\s+on|built\s+(up)?on|derived\s+from|derivative|"
        r"initiali[sz]ed\s+(from|with)|trained\s+from|on\s+top\s+of|weights?\s+(of|from)|"
        r"delta|starting\s+from|version\s+of|distilled\s+into|checkpoint\s+of)\b", re.I)),
)  # fmt: skip
_DATA_CUE = re.compile(
    r"\b(train\w*|tun\w*|dataset|data|corpus|conversations?|instructions?|examples|samples|"
    r"dialogues?|using|with)\b",
    re.I,
)
_GENERATION_CUE = re.compile(
    r"\b(generat\w*|produced|distill\w*|outputs?|responses?|answers?|completions?|"
    r"conversations?|synthetic|self-instruct|collected|chats?|shared)\b",
    re.I,
)
_COMPARISON = re.compile(
    r"\b(compared?|comparison|outperform\w*|than|versus|vs\.?|unlike|similar\s+to|"
    r"evaluat\w*|benchmark\w*|competitive|judged?|rated|ranked?)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_HUB_URL = re.compile(r"huggingface\.co/(?:datasets/)?([\w.-]+/[\w.-]+)")
_REPO_ID = re.compile(r"(?<![\w/.-])([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*[A-Za-z0-9])(?![\w/])")


@dataclass(frozen=True, slots=True)
class Mention:
    """One known artifact named in one sentence, and how the sentence says it was used."""

    entry: ArtifactEntry
    relation: Relation | None
    """None when the sentence gives no cue (the mention is then only reported)."""
    line: int
    quote: str


def sentences(text: str, first_line: int = 1) -> Iterator[tuple[int, str]]:
    """Sentences of markdown prose with the line each starts on; code blocks are skipped."""
    in_code = False
    paragraph: list[tuple[int, str]] = []

    def flush() -> Iterator[tuple[int, str]]:
        if not paragraph:
            return
        start = paragraph[0][0]
        joined = " ".join(t for _, t in paragraph)
        offsets: list[tuple[int, int]] = []
        pos = 0
        for lineno, t in paragraph:
            offsets.append((pos, lineno))
            pos += len(t) + 1
        cursor = 0
        for piece in _SENTENCE_END.split(joined):
            idx = joined.find(piece, cursor)
            cursor = idx + len(piece)
            line = start
            for off, lineno in offsets:
                if off <= idx:
                    line = lineno
            clean = " ".join(piece.split())
            if clean:
                yield line, clean
        paragraph.clear()

    for i, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if line.startswith(("```", "~~~")):
            in_code = not in_code
            yield from flush()
            continue
        if in_code:
            continue
        if not line or line.startswith(("#", "|", "<")) or re.match(r"^[-*+]\s|^\d+\.\s", line):
            yield from flush()
            if line.startswith(("#", "|")) or re.match(r"^[-*+]\s|^\d+\.\s", line):
                # Headings, table rows and list items are sentences of their own.
                paragraph.append((first_line + i, line.lstrip("#|-*+ ")))
                yield from flush()
            continue
        paragraph.append((first_line + i, line))
    yield from flush()


def _model_relation(sentence: str) -> Relation | None:
    for relation, cue in _MODEL_CUES:
        if cue.search(sentence):
            return relation
    return None


def find_mentions(text: str, kb: KnowledgeBase, first_line: int = 1) -> list[Mention]:
    """Every known artifact the prose names, each once per sentence, with its relation cue."""
    max_len = max((len(k.split()) for k in kb.aliases), default=1)
    out: list[Mention] = []
    for line, sentence in sentences(text, first_line):
        entries: list[ArtifactEntry] = []
        for m in [*_HUB_URL.finditer(sentence), *_REPO_ID.finditer(sentence)]:
            art = kb.artifact(m.group(1))
            if art is not None and art not in entries:
                entries.append(art)
        words = tokens(sentence)
        i = 0
        while i < len(words):
            for n in range(min(max_len, len(words) - i), 0, -1):
                art = kb.aliases.get(" ".join(words[i : i + n]))
                if art is not None:
                    if art not in entries:
                        entries.append(art)
                    i += n
                    break
            else:
                i += 1
        if not entries:
            continue
        compared = bool(_COMPARISON.search(sentence))
        model_rel = _model_relation(sentence)
        for art in entries:
            relation: Relation | None = None
            if art.kind is NodeKind.MODEL:
                relation = model_rel
            elif art.kind is NodeKind.DATASET and _DATA_CUE.search(sentence):
                relation = Relation.PRETRAINED_ON if art.pretraining else Relation.TRAINED_ON
            elif art.kind is NodeKind.SERVICE and _GENERATION_CUE.search(sentence):
                relation = Relation.GENERATED_BY
            if (
                compared
                and relation is Relation.FINETUNE
                and not re.search(r"fine-?tun|based\s+on|built\s+(up)?on|derived", sentence, re.I)
            ):
                relation = None
            out.append(Mention(art, relation, line, sentence[:300]))
    return out
