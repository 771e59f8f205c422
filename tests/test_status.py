"""A verdict status prints as its label, and still orders and serialises as a number."""

from __future__ import annotations

import json

import pytest

from model_licensecheck.model import Status


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (Status.ALLOWED, "allowed"),
        (Status.CONDITIONAL, "conditional"),
        (Status.UNKNOWN, "unknown"),
        (Status.PROHIBITED, "prohibited"),
    ],
)
def test_a_status_prints_as_its_label(status: Status, label: str) -> None:
    assert str(status) == label
    assert f"{status}" == label
    assert format(status) == label
    assert f"[{status:>12}]" == f"[{label:>12}]"
    assert "%s" % status == label  # noqa: UP031  # the old formatting too
    assert Status.parse(str(status)) is status


def test_a_status_is_still_ordered_and_a_json_number() -> None:
    assert max(Status.CONDITIONAL, Status.UNKNOWN) is Status.UNKNOWN
    assert sorted(Status) == [Status.ALLOWED, Status.CONDITIONAL, Status.UNKNOWN,
                              Status.PROHIBITED]  # fmt: skip
    assert int(Status.CONDITIONAL) == 1
    assert json.dumps({"s": Status.CONDITIONAL}) == '{"s": 1}'
