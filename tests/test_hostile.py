"""Hostile inputs end in bounded time and memory with a clear error or a fail-closed verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.model import (
    Evidence,
    NodeKind,
    Relation,
    SourceKind,
    Status,
    UnresolvedNode,
)
from model_licensecheck.report.interface import Format, reporter
from model_licensecheck.resolve.interface import (
    ArtifactFacts,
    EdgeClaim,
    Found,
    LicenseClaim,
    Lookup,
    Missing,
)

from .conftest import one_report, run

EV = Evidence(SourceKind.USER, "test")


class ChainSource:
    """A lineage `chain/m0 -> chain/m1 -> ...` of a given length, all MIT."""

    name = "chain"

    def __init__(self, length: int) -> None:
        self.length = length

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        if not artifact_id.startswith("chain/m"):
            return Missing("not a chain node")
        i = int(artifact_id.removeprefix("chain/m"))
        edges: tuple[EdgeClaim, ...] = ()
        if i + 1 < self.length:
            edges = (EdgeClaim(f"chain/m{i + 1}", NodeKind.MODEL, Relation.FINETUNE, EV),)
        return Found(ArtifactFacts(artifact_id, NodeKind.MODEL, LicenseClaim("mit", EV), edges))


def test_alias_bomb_card_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["---", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    card = tmp_path / "README.md"
    card.write_text("\n".join([*lines, "license: mit", "---", "text"]), encoding="utf-8")
    result = run(str(card), "--offline")  # expanding it would never end: refused unexpanded
    assert result.exit_code == 2
    assert "aliases" in result.stderr


def test_a_50_mb_card_is_refused_without_reading_it(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    with card.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = run(str(card), "--offline")
    assert result.exit_code == 2
    assert "larger than" in result.stderr


@pytest.mark.parametrize("depth", [16, 256])
def test_a_10000_deep_lineage_is_cut_at_the_depth_limit(depth: int) -> None:
    checker = Checker(CheckOptions(offline=True, max_depth=depth))
    checker.sources = (ChainSource(10_000),)
    result = checker.check("chain/m0")
    assert len(result.lineage.nodes) == depth + 2  # resolved levels, and the cut-off one
    assert result.verdict.status is Status.UNKNOWN  # beyond the limit: fail closed
    assert "depth limit" in result.verdict.summary
    assert "more hops" in result.verdict.summary or depth <= 8


def test_a_lineage_cut_at_the_depth_limit_shows_the_cut_in_every_format() -> None:
    # A small depth: rendering 256 levels in every format is a benchmark, not a property
    # (CycloneDX alone took minutes), and the cut is drawn the same way at any depth.
    depth = 8
    checker = Checker(CheckOptions(offline=True, max_depth=depth))
    checker.sources = (ChainSource(10_000),)
    result = checker.check("chain/m0")
    cut = f"chain/m{depth + 1}"
    assert isinstance(result.lineage.nodes[cut], UnresolvedNode)
    for fmt in Format:
        assert cut in reporter(fmt).render([result]), fmt


def test_depth_limit_is_bounded() -> None:
    assert run("databricks/dolly-v2-12b", "--offline", "--max-depth", "100000").exit_code == 2


@pytest.mark.parametrize(
    "target",
    ["org/name/../../secret", "org/name?x=1", "org/name#frag", "org%2Fname", "org/..",
     "https://evil.example/org/name", "org//name", "org/name--x", ".org/name"],
)  # fmt: skip
def test_ids_with_path_or_url_tricks_are_refused(target: str) -> None:
    result = run(target, "--offline")
    assert result.exit_code == 2
    assert result.stderr.startswith("licensecheck: error:")


def test_unicode_look_alike_of_a_known_id_is_not_that_id() -> None:
    lookalike = "meta-llаma/Llama-2-7b-hf"  # the second 'а' is Cyrillic
    result = run(lookalike, "--offline")
    assert result.exit_code == 2
    assert "valid Hugging Face id" in result.stderr


def test_tricky_ancestor_ids_in_a_card_stay_unknown_and_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\nlicense: mit\n---\n", encoding="utf-8")
    card = tmp_path / "README.md"
    card.write_text(
        "---\nlicense: mit\nbase_model:\n  - ../secret.md\n  - meta-llаma/Llama-2-7b-hf\n"
        "  - https://huggingface.co/org/name\n---\n",
        encoding="utf-8",
    )
    result = run(str(card), "--offline", "--format", "json")
    report = one_report(result.stdout)
    assert report["verdict"]["status"] == "unknown"
    unresolved = {n["id"] for n in report["lineage"]["nodes"] if not n["resolved"]}
    assert "../secret.md" in unresolved
    assert "meta-llаma/Llama-2-7b-hf" in unresolved


def test_a_cycle_through_cards_ends() -> None:
    checker = Checker(CheckOptions(offline=True))

    class Loop:
        name = "loop"

        def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
            other = "loop/b" if artifact_id == "loop/a" else "loop/a"
            edge = EdgeClaim(other, NodeKind.MODEL, Relation.FINETUNE, EV)
            return Found(ArtifactFacts(artifact_id, NodeKind.MODEL, LicenseClaim("mit", EV),
                                       (edge,)))  # fmt: skip

    checker.sources = (Loop(),)
    result = checker.check("loop/a")
    assert result.verdict.status is Status.ALLOWED
    assert any("Cycle" in n for n in result.lineage.notes)
