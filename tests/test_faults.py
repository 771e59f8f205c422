"""The fault suite (README, "Reliability"): every fault the fixture Hub injects, on the root and
on an ancestor, on the metadata and on each file that carries lineage or license, through the
command line and the real `huggingface_hub` client on loopback. None ever yields `allowed`;
each ends in the exit code the README's table gives, with one line on stderr and no traceback;
and a healthy Hub with the same fixtures gives the full verdict."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.errors import InternalError
from model_licensecheck.kb.loader import load_kb
from model_licensecheck.model import CheckResult, NodeKind, Status
from model_licensecheck.resolve.interface import Lookup, Missing
from model_licensecheck.resolve.kbsource import KnowledgeBaseSource

from .conftest import FIXTURES, one_report, reports, run
from .hubserver import BODY_FAULTS, FAULT_KINDS, Fault, FixtureHub

ROOT, ANCESTOR = "acme/tune-x", "acme/base-x"  # neither is in the knowledge base

PROSE = "faultlab/prose-llama-tune"
"""apache-2.0 in its metadata; only its card's prose says it is a LLaMA-13B fine-tune."""
ON_PROSE = "faultlab/tune-of-prose"
"""apache-2.0, base_model: PROSE: the prose-only lineage one level up."""
LORA = "faultlab/lora-on-llama"
"""mit in its metadata; only adapter_config.json names its LLaMA-1 base."""
OTHER = "faultlab/other-with-license"
"""license: other: only its LICENSE (and NOTICE) file names the Llama 2 license."""

FILE_FAULTS = ("500", "503", "429", "timeout", "truncated", "reset", "gated", "forbidden",
               "html", "oversize", "oversize-stream", "entry-404", "drip", "redirect-offhost",
               "404")  # fmt: skip
"""Every way a listed file can fail to arrive whole."""
API_FAULTS = tuple(k for k in (*FAULT_KINDS, *BODY_FAULTS)
                   if k not in ("entry-404", "redirect-samehost"))  # fmt: skip
ROOT_EXIT = dict.fromkeys(API_FAULTS, 3) | {"404": 2}
SLOW_KINDS = frozenset({"timeout", "drip", "oversize-stream"})
"""Faults that cost the client its whole timeout: in the everyday run only where named."""


def kinds(all_kinds: tuple[str, ...], everyday: frozenset[str] = frozenset()) -> list[object]:
    """Each fault kind as a parameter; the slow ones (and those not in `everyday`, when it is
    given) run under the `slow` marker, with the long fuzz."""
    return [
        pytest.param(k, marks=pytest.mark.slow)
        if k in SLOW_KINDS - everyday or (everyday and k not in everyday)
        else k
        for k in all_kinds
    ]


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FixtureHub]:
    server = FixtureHub(FIXTURES / "hub", timeout_sleep=1.0)
    monkeypatch.setenv("HF_ENDPOINT", server.start())
    monkeypatch.setenv("MODEL_LICENSECHECK_HUB_TIMEOUT", "0.4")
    monkeypatch.setenv("MODEL_LICENSECHECK_HUB_RETRIES", "1")
    monkeypatch.setenv("MODEL_LICENSECHECK_HUB_BACKOFF", "0.01")
    monkeypatch.setenv("MODEL_LICENSECHECK_CACHE", str(tmp_path / "cache"))
    yield server
    server.stop()


def check(*args: str) -> tuple[int, dict[str, object], str]:
    result = run(*args, "--format", "json")
    assert "Traceback" not in result.stderr
    report = one_report(result.stdout) if result.stdout else {}
    return result.exit_code, report, result.stderr


def status(report: dict[str, object]) -> str:
    verdict = report["verdict"]
    assert isinstance(verdict, dict)
    return str(verdict["status"])


def node(report: dict[str, object], ident: str) -> dict[str, object]:
    lineage = report["lineage"]
    assert isinstance(lineage, dict)
    return next(n for n in lineage["nodes"] if n["id"] == ident)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (ROOT, "allowed"),
        (PROSE, "prohibited"),
        (ON_PROSE, "prohibited"),
        (LORA, "prohibited"),
        (OTHER, "conditional"),
        ("faultlab/other-as-list", "conditional"),  # `license: [other]`: the LICENSE is read
    ],
)
def test_a_healthy_hub_gives_the_full_verdict(hub: FixtureHub, target: str, expected: str) -> None:
    code, report, _ = check(target)
    assert status(report) == expected
    assert code == (0 if expected in ("allowed", "conditional") else 1)
    assert all("incomplete" not in n for n in report["lineage"]["nodes"])  # type: ignore[index]


# -- the metadata: root and ancestor --------------------------------------------------------


@pytest.mark.parametrize(
    "kind", kinds(API_FAULTS, frozenset(API_FAULTS) - SLOW_KINDS | {"timeout"})
)
def test_metadata_fault_on_the_root_is_one_line_and_its_exit_code(
    hub: FixtureHub, kind: str
) -> None:
    hub.faults[ROOT] = Fault(kind, only="api")
    code, report, stderr = check(ROOT)
    assert code == ROOT_EXIT[kind], stderr
    assert report == {}
    assert ROOT in stderr and len(stderr.strip().splitlines()) == 1
    if kind in ("gated", "forbidden"):
        assert "HF_TOKEN" in stderr
    if kind == "redirect-offhost":
        assert "another host" in stderr
        assert hub.count() >= 1  # and the client never left loopback (conftest refuses)


@pytest.mark.parametrize(
    "kind",
    kinds(
        API_FAULTS, frozenset({"500", "gated", "wrongtypes", "null", "html", "redirect-offhost"})
    ),
)
def test_metadata_fault_on_an_ancestor_leaves_it_unknown(hub: FixtureHub, kind: str) -> None:
    hub.faults[ANCESTOR] = Fault(kind, only="api")
    code, report, _ = check(ROOT)
    assert status(report) == "unknown" and code == 1
    assert node(report, ANCESTOR)["resolved"] is False
    assert node(report, ROOT)["license"]["id"] == "Apache-2.0"  # type: ignore[index]


def test_a_root_the_knowledge_base_knows_is_still_exit_3_when_the_hub_fails(
    hub: FixtureHub,
) -> None:
    hub.faults["huggyllama/llama-7b"] = Fault("500", only="api")
    code, _, stderr = check("huggyllama/llama-7b")
    assert code == 3 and "HTTP 500" in stderr
    code, report, _ = check("huggyllama/llama-7b", "--offline")  # how to ask the kb alone
    assert code == 1 and status(report) == "prohibited"


def test_an_ancestor_the_knowledge_base_knows_is_incomplete_when_the_hub_fails(
    hub: FixtureHub,
) -> None:
    hub.faults["huggyllama/llama-7b"] = Fault("503", only="api")
    _, report, _ = check(LORA)
    assert status(report) == "prohibited"  # the kb's facts still count against it ...
    base = node(report, "huggyllama/llama-7b")
    assert base["incomplete"]  # ... but the node says it was not read
    findings = report["findings"]
    assert isinstance(findings, list)
    assert any(f["rule_id"] == "builtin-incomplete" for f in findings)


# -- files: the card, the adapter config, LICENSE and NOTICE ----------------------------------


@pytest.mark.parametrize(
    "kind", kinds(FILE_FAULTS, frozenset({"500", "gated", "html", "entry-404", "oversize"}))
)
@pytest.mark.parametrize(
    ("target", "faulty", "filename"),
    [
        (PROSE, PROSE, "README.md"),
        (ON_PROSE, PROSE, "README.md"),
        (LORA, LORA, "adapter_config.json"),
        (OTHER, OTHER, "LICENSE"),
        (OTHER, OTHER, "NOTICE"),
    ],
)
def test_a_listed_file_that_does_not_arrive_whole_leaves_the_node_incomplete(
    hub: FixtureHub, target: str, faulty: str, filename: str, kind: str
) -> None:
    hub.faults[faulty] = Fault(kind, only=f"file:{filename}")
    code, report, stderr = check(target)
    assert status(report) == "unknown", stderr
    assert code == 1
    missing = node(report, faulty)["incomplete"]
    assert isinstance(missing, list) and filename in " ".join(missing)
    drivers = report["verdict"]["drivers"]  # type: ignore[index]
    assert f"builtin-incomplete:{faulty}" in drivers
    if kind in ("gated", "forbidden"):
        assert "HF_TOKEN" in " ".join(missing)


def test_cut_json_in_the_adapter_config_leaves_the_node_incomplete(hub: FixtureHub) -> None:
    hub.faults[LORA] = Fault("cutjson", only="file:adapter_config.json")
    code, report, _ = check(LORA)
    assert (code, status(report)) == (1, "unknown")
    assert "adapter_config.json" in " ".join(node(report, LORA)["incomplete"])  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["500", "503", "429", "truncated", "reset", "html", "badjson",
                                  "redirect-samehost"])  # fmt: skip
def test_a_passing_fault_is_retried_and_recovers(hub: FixtureHub, kind: str) -> None:
    hub.faults[ANCESTOR] = Fault(kind, times=1)
    code, report, _ = check(ROOT)
    assert (code, status(report)) == (0, "allowed")


# -- the cache ----------------------------------------------------------------------------


def test_a_failed_read_is_never_cached(hub: FixtureHub) -> None:
    hub.faults[PROSE] = Fault("500", only="file:README.md")
    assert status(check(PROSE)[1]) == "unknown"
    del hub.faults[PROSE]
    assert status(check(PROSE)[1]) == "prohibited"  # the blip did not outlive its run


@pytest.mark.parametrize(
    "damage",
    [
        "not json at all",
        "null",
        "[]",
        '{"format": 3}',
        "WRONG_TYPES",
        "README_NULL",
    ],
)
def test_a_damaged_cache_entry_is_ignored_and_fetched_again(
    hub: FixtureHub, tmp_path: Path, damage: str
) -> None:
    assert status(check(PROSE)[1]) == "prohibited"
    stored = sorted((tmp_path / "cache" / "hub").glob("faultlab--prose-llama-tune.*.json"))
    records = [json.loads(e.read_text()) for e in stored]
    # One entry for `main`, one for the commit it was read at (what a lock file pins).
    assert sorted(str(r["revision"]) for r in records) == sorted(
        ["None", str(records[0]["info"]["sha"])]
    )
    entries = [e for e, r in zip(stored, records, strict=True) if r["revision"] is None]
    record = json.loads(entries[0].read_text())
    if damage == "WRONG_TYPES":
        record["info"]["siblings"] = "README.md"
        record["readme"] = 42
        text = json.dumps(record)
    elif damage == "README_NULL":  # valid types and the right commit, but the card that
        record["readme"] = None  # carries the lineage is gone although the repo lists it
        text = json.dumps(record)
    else:
        text = damage
    entries[0].write_text(text)
    code, report, _ = check(PROSE)
    assert (code, status(report)) == (1, "prohibited")


def test_a_changed_repo_is_read_again_without_refresh(hub: FixtureHub, tmp_path: Path) -> None:
    """The cache holds a repo's files for its commit: a new commit is read again."""
    import shutil

    root = tmp_path / "hub"
    shutil.copytree(FIXTURES / "hub", root)
    hub.root = root
    assert status(check(ANCESTOR)[1]) == "allowed"
    card = root / "models" / "acme" / "base-x" / "README.md"
    card.write_text(card.read_text().replace("apache-2.0", "cc-by-nc-4.0"))
    assert status(check(ANCESTOR)[1]) == "prohibited"


def test_a_pinned_commit_is_answered_from_the_cache_without_a_request(hub: FixtureHub) -> None:
    first = check(ROOT)[1]
    sha = node(first, ROOT)["revision"]
    assert isinstance(sha, str)
    check(ROOT, "--revision", sha)  # fills the cache for that revision
    before = hub.count(f"/{ROOT}")
    _, report, _ = check(ROOT, "--revision", sha)
    assert hub.count(f"/{ROOT}") == before
    assert status(report) == "allowed"


def test_an_answer_read_without_a_token_never_serves_a_run_with_one(
    hub: FixtureHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    gated = "meta-llama/Llama-2-7b-hf"
    assert status(check("acme/quant-of-gated")[1]) == "unknown"  # card refused: not cached
    monkeypatch.setenv("HF_TOKEN", "hf_fixture_secret_token_123")
    before = hub.count(f"/{gated}/resolve/")
    assert status(check("acme/quant-of-gated")[1]) == "conditional"
    assert hub.count(f"/{gated}/resolve/") > before
    monkeypatch.delenv("HF_TOKEN")
    assert status(check("acme/quant-of-gated")[1]) == "unknown"  # nor the other way round


# -- tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["hf_abc\ndef", "hf_äbc", "hf abc"])
def test_a_token_that_cannot_be_sent_is_one_line_and_never_shown(
    hub: FixtureHub, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("HF_TOKEN", token)
    code, _, stderr = check(ROOT)
    assert code == 3
    assert len(stderr.strip().splitlines()) == 1 and "token" in stderr
    assert token not in stderr and "hf_" not in stderr
    assert hub.count() == 0


SECRET = "hf_fixture_secret_token_123"  # noqa: S105 - the fixture Hub's own test token


@pytest.mark.parametrize("kind", ["500", "gated", "truncated", "html", "redirect-offhost", None])
def test_a_planted_token_never_reaches_any_output_report_or_cache(
    hub: FixtureHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str | None
) -> None:
    monkeypatch.setenv("HF_TOKEN", SECRET)
    if kind is not None:
        hub.faults["meta-llama/Llama-2-7b-hf"] = Fault(kind)
    out = tmp_path / "reports"
    formats = ["json", "markdown", "sarif", "spdx-json", "spdx-tv", "spdx3", "cyclonedx", "text"]
    args = [a for f in formats for a in ("--format", f)]
    result = run("acme/quant-of-gated", *args, "-o", str(out))
    assert SECRET not in result.output and SECRET not in result.stderr
    written = [p for p in (*out.rglob("*"), *(tmp_path / "cache").rglob("*")) if p.is_file()]
    assert any(p.parent == out for p in written)
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path


# -- time ----------------------------------------------------------------------------------


def test_the_run_time_limit_bounds_a_root_that_never_answers(hub: FixtureHub) -> None:
    hub.timeout_sleep = 5.0
    hub.faults[ROOT] = Fault("timeout")
    result = run(ROOT, "--timeout", "0.5")
    assert result.exit_code == 3
    assert "time limit" in result.stderr


def test_the_run_time_limit_leaves_an_unread_ancestor_unknown(
    hub: FixtureHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODEL_LICENSECHECK_HUB_TIMEOUT", "10")
    hub.timeout_sleep = 5.0
    hub.faults[ANCESTOR] = Fault("timeout")
    code, report, _ = check(ROOT, "--timeout", "1")
    assert (code, status(report)) == (1, "unknown")
    assert "time limit" in str(node(report, ANCESTOR)["reason"])


def test_a_drip_fed_body_is_cut_at_the_request_deadline(hub: FixtureHub) -> None:
    """The fixture sends a byte every 50 ms: each read is quick, the whole is not (about 20
    s); the request deadline (0.4 s here) ends it, and the retry meets the same."""
    hub.faults[ANCESTOR] = Fault("drip", only="api")
    code, report, _ = check(ROOT)
    assert (code, status(report)) == (1, "unknown")
    assert "did not arrive within" in str(node(report, ANCESTOR)["reason"])


def test_bad_timeout_knob_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_LICENSECHECK_HUB_TIMEOUT", "soon")
    result = run("databricks/dolly-v2-12b")
    assert result.exit_code == 2
    assert "MODEL_LICENSECHECK_HUB_TIMEOUT" in result.stderr


# -- terminal and report safety -------------------------------------------------------------

HOSTILE = "faultlab/tune-of-hostile"
"""apache-2.0 on top of faultlab/hostile-card, whose license name and link, and prose, carry
ESC/CSI, OSC 8, BEL, C1 and bidi controls."""
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def test_control_characters_from_a_card_never_reach_any_output(
    hub: FixtureHub, tmp_path: Path
) -> None:
    formats = ["json", "markdown", "sarif", "spdx-json", "spdx-tv", "spdx3", "cyclonedx", "text"]
    args = [a for f in formats for a in ("--format", f)]
    texts: dict[str, str] = {}
    for color in ("--color", "--no-color"):
        out = tmp_path / color
        written = run(HOSTILE, *args, "-o", str(out), color)
        assert written.exit_code == 1, written.output
        texts |= {f"{color}/{p.name}": p.read_text(encoding="utf-8") for p in out.iterdir()}
        texts[f"{color}/stdout"] = run(HOSTILE, color).stdout
    assert len(texts) == 2 * (len(formats) + 1)
    for color in ("--color", "--no-color"):
        # Our own colours are the only escape sequences in a coloured report: without them
        # it is the plain one, byte for byte, so none came from the card.
        for name in ("stdout", "licensecheck.txt"):
            plain = re.sub("\x1b\\[[0-9;]*m", "", texts[f"{color}/{name}"])
            assert plain == texts[f"--no-color/{name}"]
            texts[f"{color}/{name}"] = plain
    for name, text in texts.items():
        for control in RAW_CONTROLS:
            assert control not in text, (name, repr(control))
    assert "\\x1b[2J" in texts["--no-color/licensecheck.json"]  # shown, escaped


def test_control_characters_in_an_error_line_are_escaped(hub: FixtureHub) -> None:
    result = run("faultlab/no\x1b[2Jsuch")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\\x1b" in result.stderr


# -- batch isolation and internal errors ----------------------------------------------------


def test_audit_keeps_judging_when_one_model_meets_a_fault(hub: FixtureHub, tmp_path: Path) -> None:
    hub.faults[LORA] = Fault("500", only="api")
    hub.faults[PROSE] = Fault("truncated", only="file:README.md")
    manifest = tmp_path / "models.txt"
    manifest.write_text(f"{ROOT}\n{LORA}\n{PROSE}\n{OTHER}\n")
    result = run("audit", str(manifest), "--format", "json")
    assert result.exit_code == 3, result.output
    models = reports(result.stdout)
    by_target = {m["subject"]["target"]: m for m in models}
    assert by_target[LORA]["error"]["exit_code"] == 3
    assert status(by_target[ROOT]) == "allowed"
    assert status(by_target[PROSE]) == "unknown"
    assert status(by_target[OTHER]) == "conditional"


class _Exploding:
    """A fact source with a bug for one id: what a crash while resolving looks like."""

    name = "exploding"

    def lookup(self, artifact_id: str, kind: NodeKind) -> Lookup:
        if artifact_id == "EleutherAI/pythia-12b":
            raise RuntimeError("boom")
        return Missing("not here")


def test_a_bug_on_one_ancestor_is_that_models_error_and_the_rest_are_judged() -> None:
    kb = load_kb()
    checker = Checker(CheckOptions(offline=True), sources=[_Exploding(), KnowledgeBaseSource(kb)])
    dolly, vicuna = checker.check_many(["databricks/dolly-v2-12b", "lmsys/vicuna-13b-v1.3"])
    assert isinstance(dolly, InternalError) and dolly.exit_code == 70
    assert "EleutherAI/pythia-12b" in dolly.one_line() and "RuntimeError: boom" in dolly.one_line()
    assert isinstance(vicuna, CheckResult) and vicuna.verdict.status is Status.PROHIBITED


def test_a_bug_exits_70_with_one_line_and_the_traceback_only_with_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from model_licensecheck.report.text import TextReporter

    def broken(self: TextReporter, results: object) -> str:
        raise ZeroDivisionError("a planted bug")

    monkeypatch.setattr(TextReporter, "render", broken)
    result = run("databricks/dolly-v2-12b", "--offline")
    assert result.exit_code == 70
    assert len(result.stderr.strip().splitlines()) == 1
    assert "internal error" in result.stderr and "ZeroDivisionError" in result.stderr
    assert "Traceback" not in result.stderr
    debug = run("--debug", "databricks/dolly-v2-12b", "--offline")
    assert debug.exit_code == 70 and "Traceback" in debug.stderr


def test_bare_command_shows_help() -> None:
    result = run()
    assert result.exit_code == 0
    assert "Usage:" in result.stdout and "check" in result.stdout
