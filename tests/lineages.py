"""The four real lineages every report format is tested on, one per verdict class."""

from __future__ import annotations

from pathlib import Path

import pytest

from model_licensecheck.checker import Checker
from model_licensecheck.model import CheckResult, Status

ROOT = Path(__file__).parents[1]
GOLDEN = Path(__file__).parent / "golden"
EPOCH = "1700000000"
"""SOURCE_DATE_EPOCH for golden files."""
CARD = "tests/fixtures/cards/unknown-base.md"

LINEAGES: dict[str, tuple[str, Status]] = {
    "dolly": ("databricks/dolly-v2-12b", Status.ALLOWED),
    "vicuna": ("lmsys/vicuna-13b-v1.3", Status.PROHIBITED),
    "llama2-chat": ("meta-llama/Llama-2-7b-chat-hf", Status.CONDITIONAL),
    "unknown-base": (CARD, Status.UNKNOWN),
}


def check_lineages(checker: Checker) -> dict[str, CheckResult]:
    """Check the four lineages. The card is named relative to the repository root, so node ids
    (and golden files) do not depend on where the checkout lives or where pytest started."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        return {name: checker.check(target) for name, (target, _) in LINEAGES.items()}
