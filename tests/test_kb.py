"""Knowledge-base invariants and the loader's error reporting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model_licensecheck.errors import KnowledgeBaseError
from model_licensecheck.kb.loader import KnowledgeBase, load_kb, tokens
from model_licensecheck.kb.validate import _token_pattern, norm
from model_licensecheck.model import NodeKind, Relation

from .conftest import one_report, run

ROOT = Path(__file__).resolve().parents[1]
HF_IDS = ROOT / "tests" / "fixtures" / "standards" / "hf" / "hf-license-ids.tsv"


def hf_license_ids() -> list[str]:
    lines = HF_IDS.read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines[1:] if line.strip()]


def test_every_hugging_face_license_id_maps_to_exactly_one_entry(shipped_kb: KnowledgeBase) -> None:
    ids = hf_license_ids()
    assert len(ids) == 83
    owners: dict[str, list[str]] = {}
    for entry in shipped_kb.licenses.values():
        for hf in entry.hf_ids:
            owners.setdefault(hf, []).append(entry.id)
    assert not [i for i in ids if i not in owners], "unmapped Hub license ids"
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    for hf in ids:
        hit = shipped_kb.find_license(hf)
        assert hit is not None and hit.matched_by in ("hf-id", "id")


def test_every_entry_is_sourced_and_licensed(shipped_kb: KnowledgeBase) -> None:
    for lic in shipped_kb.licenses.values():
        assert lic.sources and all(s.startswith("http") for s in lic.sources), lic.id
    for art in shipped_kb.artifacts.values():
        assert art.sources, art.id
        assert art.license.source.startswith("http"), art.id
        assert all(up.source.startswith("http") for up in art.upstream), art.id
        assert shipped_kb.find_license(art.license.id) is not None, art.id


def test_every_referenced_id_exists_unless_marked_external(shipped_kb: KnowledgeBase) -> None:
    for art in shipped_kb.artifacts.values():
        for up in art.upstream:
            described = shipped_kb.artifact(up.id) is not None
            assert described != up.external, (art.id, up.id)


def test_research_and_non_commercial_licenses_are_not_marked_commercial(
    shipped_kb: KnowledgeBase,
) -> None:
    for hf in ("cc-by-nc-4.0", "cc-by-nc-sa-4.0", "fair-noncommercial-research-license"):
        hit = shipped_kb.find_license(hf)
        assert hit is not None and hit.entry.clauses.commercial_use == "prohibited", hf
    for hf in ("other", "unknown", "cc"):
        hit = shipped_kb.find_license(hf)
        assert hit is not None and hit.entry.clauses.commercial_use == "unknown", hf
    llama1 = shipped_kb.licenses["LicenseRef-LLaMA-1-Research"].clauses
    assert llama1.commercial_use == "prohibited"
    llama2 = shipped_kb.licenses[shipped_kb.find_license("llama2").entry.id]  # type: ignore[union-attr]
    assert llama2.clauses.user_cap == 700_000_000


def test_acceptance_entries_are_present(shipped_kb: KnowledgeBase) -> None:
    dolly = shipped_kb.artifact("databricks/dolly-v2-12b")
    assert dolly is not None
    assert {(u.id, u.relation.value) for u in dolly.upstream} == {
        ("EleutherAI/pythia-12b", "finetune"),
        ("databricks/databricks-dolly-15k", "trained_on"),
    }
    assert shipped_kb.artifact("DECAPODA-RESEARCH/llama-13b-hf").id == "huggyllama/llama-13b"  # type: ignore[union-attr]
    assert shipped_kb.aliases["sharegpt"].kind is NodeKind.DATASET


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_loader_reports_every_problem_with_file_and_field(tmp_path: Path) -> None:
    _write(tmp_path, "licenses/x.yaml", "schema_version: 1\nid: X\nname: X\nverdict: allowed\n")
    _write(
        tmp_path,
        "models/m.yaml",
        "schema_version: 1\nmodels:\n  - id: a/b\n    license: {id: nope, source: x}\n"
        "    upstream: [{id: c/d, relation: cousin, source: https://e.org}]\n    sources: []\n",
    )
    _write(tmp_path, "datasets/broken.yaml", "datasets: [\n")
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(tmp_path)
    problems = "\n".join(info.value.details())
    assert "license_db/licenses/x.yaml [X] verdict (line 4): unknown key" in problems
    assert "license_db/licenses/x.yaml [X] clauses" in problems and "is required" in problems
    assert "[a/b] license.source" in problems and "http(s) address" in problems
    assert "upstream[0].relation" in problems and "cousin" in problems
    assert "license_db/datasets/broken.yaml: line 2" in problems


def test_duplicate_aliases_and_dangling_references_are_refused(tmp_path: Path) -> None:
    lic = (
        "schema_version: 1\nid: MIT\nname: MIT\nkind: license\nhf_ids: [mit]\nsummary: s\n"
        "sources: [https://e.org]\nclauses: {commercial_use: allowed, research_only: false,"
        " attribution: true, share_alike: false, copyleft: none, no_derivatives: false,"
        " use_restrictions: false, acceptable_use_policy: null, user_cap: null,"
        " revenue_cap: null, naming: null, output_training: allowed,"
        " registration_required: false}\n"
    )
    _write(tmp_path, "licenses/mit.yaml", lic)
    entry = (
        "  - id: {i}\n    aliases: [Same Name]\n    license: {{id: mit, source: https://e.org}}\n"
    )
    entry += "    upstream: [{{id: gone/x, relation: finetune, source: https://e.org}}]\n"
    entry += "    sources: [https://e.org]\n"
    models = "schema_version: 1\nmodels:\n" + entry.format(i="a/one") + entry.format(i="a/two")
    _write(tmp_path, "models/m.yaml", models)
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(tmp_path)
    problems = "\n".join(info.value.details())
    assert "alias 'Same Name' also names a/one" in problems
    assert "unknown upstream 'gone/x'" in problems


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_tokenizer_agrees_with_the_unicode_one(text: str) -> None:
    # ASCII text skips the Unicode pattern (costly to compile); both must split it alike.
    assert tokens(text) == _token_pattern().findall(text.lower())


def test_cjk_characters_are_tokens_of_their_own() -> None:
    expected = ["qwen2.5", "通", "义", "千", "问", "llama", "3++"]
    assert tokens("Qwen2.5 通义千问 Llama-3++") == expected


_EXTERNAL_MODELS = """schema_version: 1
models:
  - id: acme/tuned
    license: {id: apache-2.0, source: https://e.org/card}
    upstream:
      - {id: acme/base, relation: finetune, source: https://e.org/card}
      - {id: acme/chat-data, relation: trained_on, source: https://e.org/card, external: true}
    sources: [https://e.org/card]
  - id: acme/base
    license: {id: apache-2.0, source: https://e.org/base}
    sources: [https://e.org/base]
  - id: acme/merged
    license: {id: apache-2.0, source: https://e.org/merged}
    upstream:
      - {id: acme/base, relation: merge, source: https://e.org/merged}
      - {id: other/weights, relation: merge, source: https://e.org/merged, external: true}
    sources: [https://e.org/merged]
"""


def _kb_with(tmp_path: Path, models: str) -> Path:
    import shutil

    from model_licensecheck.paths import shipped_kb_dir

    root = tmp_path / "kb"
    shutil.copytree(Path(shipped_kb_dir()) / "licenses", root / "licenses")
    _write(root, "models/acme.yaml", models)
    return root


def test_an_external_edge_fails_closed_offline(tmp_path: Path) -> None:
    # The knowledge base records the edge but not the ancestor: offline, the ancestor is
    # unresolved, so data makes the verdict conditional and weights make it unknown.
    from model_licensecheck.checker import Checker, CheckOptions

    checker = Checker(CheckOptions(offline=True, kb_dir=_kb_with(tmp_path, _EXTERNAL_MODELS)))
    tuned = checker.check("acme/tuned")
    assert tuned.verdict.status.label == "conditional"
    assert "acme/chat-data" in tuned.lineage.nodes
    assert "data-license-unknown" in {c.id for c in tuned.verdict.conditions}
    merged = checker.check("acme/merged")
    assert merged.verdict.status.label == "unknown"


@pytest.mark.parametrize(
    ("edge", "problem"),
    [
        ("{id: acme/base, relation: finetune, source: https://e.org, external: true}",
         "upstream 'acme/base' is in the knowledge base: drop `external`"),
        ("{id: 'kb:thing', relation: trained_on, source: https://e.org, external: true}",
         "an external upstream must be a Hub repository id"),
        ("{id: acme/missing, relation: trained_on, source: https://e.org}",
         "unknown upstream 'acme/missing' (mark an edge"),
    ],
)  # fmt: skip
def test_external_edges_are_checked(tmp_path: Path, edge: str, problem: str) -> None:
    models = (
        "schema_version: 1\nmodels:\n  - id: acme/base\n"
        "    license: {id: apache-2.0, source: https://e.org}\n    sources: [https://e.org]\n"
        "  - id: acme/child\n    license: {id: apache-2.0, source: https://e.org}\n"
        f"    upstream: [{edge}]\n    sources: [https://e.org]\n"
    )
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(_kb_with(tmp_path, models))
    assert problem in "\n".join(info.value.details())


def surveyed_targets() -> list[tuple[str, str]]:
    """(system, target) for every target of license_db/README.md's "Surveyed systems" table."""
    text = (ROOT / "license_db" / "README.md").read_text(encoding="utf-8")
    table = text.split("## Surveyed systems", 1)[1]
    out: list[tuple[str, str]] = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and "`" in cells[1]:
            out += [(cells[0], t) for t in re.findall(r"`([^`]+)`", cells[1])]
    return out


def test_the_surveyed_systems_table_is_complete() -> None:
    targets = surveyed_targets()
    systems = {s for s, _ in targets}
    assert len(systems) >= 40 and len(targets) >= 150
    # the systems a user could not name offline before (issue 16)
    named = {t for _, t in targets}
    assert {"facebook/opt-175b", "ColossalChat", "Coati", "SCIR-HI/Huatuo-Llama-Med-Chinese",
            "Firefly", "KoVicuna", "Chinese-Vicuna", "Luotuo"} <= named  # fmt: skip


@pytest.mark.parametrize(("system", "target"), surveyed_targets())
def test_every_surveyed_system_resolves_offline_to_a_verdict(system: str, target: str) -> None:
    result = run(target, "--offline", "--format", "json")
    assert result.exit_code in (0, 1), f"{system}: {target}: {result.stderr}"
    report = one_report(result.stdout)
    assert report["verdict"]["status"] in ("allowed", "conditional", "prohibited", "unknown")


def test_names_are_targets_but_never_prose_aliases(shipped_kb: KnowledgeBase) -> None:
    firefly = shipped_kb.artifact("Firefly")
    assert firefly is not None and "Firefly" in firefly.names
    assert shipped_kb.aliases.get(norm("Firefly")) is None  # a common word in prose
    assert shipped_kb.artifact("华驼") is shipped_kb.artifact("thinksoso/lora-llama-med")


def test_the_shipped_knowledge_base_lints_clean() -> None:
    result = run("db", "lint")
    assert result.exit_code == 0, result.output
    assert "clean" in result.output


def test_lint_finds_facts_left_in_notes_and_edges_cited_to_other_pages() -> None:
    from model_licensecheck.kb.lint import lint

    from .factories import artifact, make_kb

    ds, svc = NodeKind.DATASET, NodeKind.SERVICE
    GEN, FT = Relation.GENERATED_BY, Relation.FINETUNE
    gen = artifact("api:gpt", "LicenseRef-Terms", kind=svc)._replace(aliases=("GPT-9",))
    chats = artifact("lab/chats", "mit", kind=ds)._replace(
        notes="Answers generated by GPT-9; non-commercial research only, see lab/base."
    )
    base = artifact("lab/base", "apache-2.0")
    ok_data = artifact("lab/ok", "cc-by-nc-4.0", kind=ds, upstream=(("api:gpt", GEN),))._replace(
        notes="Synthetic answers by GPT-9; non-commercial."
    )
    cited = artifact("lab/tuned", "mit", upstream=(("lab/base", FT),))
    cited = cited._replace(upstream=(cited.upstream[0]._replace(
        source="https://huggingface.co/someone/else"),))  # fmt: skip
    kb = make_kb(gen, chats, base, ok_data, cited)
    found = {(i.entry, i.check) for i in lint(kb)}
    assert found == {
        ("lab/chats", "notes-generated-data"),
        ("lab/chats", "notes-service"),
        ("lab/chats", "notes-research-only"),
        ("lab/chats", "notes-non-commercial"),
        ("lab/chats", "notes-known-id"),
        ("lab/tuned", "edge-source-other-repo"),
    }  # lab/ok states the same facts as edges and a license: nothing to flag
    waived = chats._replace(reviewed={"notes-known-id": "lab/base is only compared against"})
    again = {(i.entry, i.check) for i in lint(make_kb(gen, waived, base, ok_data, cited))}
    assert ("lab/chats", "notes-known-id") not in again
    assert ("lab/chats", "notes-service") in again


def test_a_review_must_name_a_known_check_and_a_reason() -> None:
    from model_licensecheck.kb.parse import parse_artifacts
    from model_licensecheck.validation import Collector

    c = Collector("models/x.yaml")
    item = {"id": "a/b", "license": {"id": "mit", "source": "https://example.org"},
            "sources": ["https://example.org"],
            "reviewed": {"notes-typo": "x", "notes-service": " "}}  # fmt: skip
    parse_artifacts({"schema_version": 1, "models": [item]}, c, NodeKind.MODEL)
    messages = " ".join(p.message for p in c.problems)
    assert "unknown lint check 'notes-typo'" in messages
    assert "must give the reason as text" in messages


def test_the_readme_counts_are_the_knowledge_base_s(shipped_kb: KnowledgeBase) -> None:
    from model_licensecheck.kb.query import STATS_BEGIN, STATS_END, stats, stats_markdown

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index(STATS_BEGIN) : text.index(STATS_END) + len(STATS_END)] + "\n"
    assert block == stats_markdown(stats(shipped_kb)), "run: python tools/update_readme_stats.py"
    result = run("db", "stats", "--markdown")
    assert result.exit_code == 0 and result.output == block


def test_retrieved_is_a_date() -> None:
    from model_licensecheck.kb.parse import parse_artifacts
    from model_licensecheck.validation import Collector

    def parse(value: object) -> tuple[str | None, list[str]]:
        c = Collector("models/x.yaml")
        item = {"id": "a/b", "license": {"id": "mit", "source": "https://example.org"},
                "sources": ["https://example.org"], "retrieved": value}  # fmt: skip
        out = parse_artifacts({"schema_version": 1, "models": [item]}, c, NodeKind.MODEL)
        return (out[0].retrieved if out else None), [p.message for p in c.problems]

    import datetime as dt

    assert parse(dt.date(2026, 12, 6)) == ("2026-12-06", [])
    assert parse("2026-12-06") == ("2026-12-06", [])
    assert parse("last week")[1] == ["must be a date written YYYY-MM-DD"]
