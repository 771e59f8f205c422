"""One protocol for every report format, chosen by an enum."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..model import CheckResult


class Format(StrEnum):
    """Output formats."""

    TEXT = "text"
    JSON = "json"


class Reporter(Protocol):
    """Renders check results; pure: same results, same text."""

    def render(self, results: Sequence[CheckResult]) -> str:
        """The report for one or several results, in the order given."""
        ...


def reporter(fmt: Format, color: bool = False) -> Reporter:
    """The reporter for a format."""
    from .jsonreport import JsonReporter
    from .text import TextReporter

    match fmt:
        case Format.TEXT:
            return TextReporter(color=color)
        case Format.JSON:
            return JsonReporter()
