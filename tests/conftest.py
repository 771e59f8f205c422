"""Shared fixtures: the shipped knowledge base and rules, loaded once; a CLI runner."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from model_licensecheck.checker import Checker, CheckOptions
from model_licensecheck.cli import main
from model_licensecheck.kb.loader import KnowledgeBase, load_kb
from model_licensecheck.model import CheckResult
from model_licensecheck.rules.schema import Rule, load_rules

FIXTURES = Path(__file__).parent / "fixtures"
DEV_EXAMPLES = 25
CI_EXAMPLES = 2_000

# Hypothesis: a few dozen examples per property every day, thousands in CI (README, "Tests").
# Both are derandomised, so a run is reproducible, and keep no example database in the tree.
# Neither has a per-example deadline nor the too-slow health check: those time the machine
# (two shared cores here), not the code; CI is bounded by its example count instead.
_BASE = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", parent=_BASE, max_examples=DEV_EXAMPLES)
settings.register_profile("ci", parent=_BASE, max_examples=CI_EXAMPLES)
settings.load_profile("dev")  # `--hypothesis-profile=ci` replaces it after this file loads


@pytest.fixture(scope="session")
def shipped_kb() -> KnowledgeBase:
    """The bundled knowledge base."""
    return load_kb()


@pytest.fixture(scope="session")
def offline_checker() -> Checker:
    """The shipped knowledge base and rules, offline: no test using it reaches the Hub."""
    return Checker(CheckOptions(offline=True))


@pytest.fixture(scope="session")
def lineage_results(offline_checker: Checker) -> dict[str, CheckResult]:
    """The four real lineages the report formats are tested on (tests/lineages.py), checked
    once offline."""
    from .lineages import check_lineages

    return check_lineages(offline_checker)


@pytest.fixture
def fixed_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    """SOURCE_DATE_EPOCH pinned, as the report golden files were written with."""
    from .lineages import EPOCH

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture(scope="session")
def shipped_rules() -> tuple[Rule, ...]:
    """The shipped rule files."""
    return load_rules()


_CACHE: list[Path] = []


def _session_cache(factory: pytest.TempPathFactory) -> Path:
    if not _CACHE:
        _CACHE.append(factory.mktemp("cache"))
    return _CACHE[0]


@pytest.fixture(autouse=True)
def _hub_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A test that forgets --offline meets a Hub that refuses at once (port 9 of loopback),
    and no test reads the user's token, Hub cache or our metadata cache."""
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_HOME", str(tmp_path_factory.mktemp("hf-home")))
    # One cache for the session: the compiled knowledge base is built once; Hub entries are
    # keyed by endpoint, and every fixture Hub listens on a port of its own.
    monkeypatch.setenv("MODEL_LICENSECHECK_CACHE", str(_session_cache(tmp_path_factory)))
    for name in ("HF_TOKEN", "HF_HUB_OFFLINE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test opens a connection outside this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"test tried to reach {host}")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


def run(*args: str) -> Result:
    """Invoke the CLI in-process; stderr is kept apart from stdout."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def reports(text: str) -> list[dict[str, Any]]:
    """Every model's report in a JSON report (schema 2.0: `models`, in the order given)."""
    data = json.loads(text)
    assert list(data)[:4] == ["schema_version", "tool", "summary", "models"]
    assert data["schema_version"] == "2.0"
    models: list[dict[str, Any]] = data["models"]
    return models


def one_report(text: str) -> dict[str, Any]:
    """The model's report in the JSON report of one target."""
    models = reports(text)
    assert len(models) == 1
    return models[0]
