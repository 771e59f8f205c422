"""One protocol for every report format, chosen by an enum; reporters are pure."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Protocol

from ..model import CheckResult


class Format(StrEnum):
    """Output formats."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SPDX_JSON = "spdx-json"
    SPDX_TV = "spdx-tv"
    SPDX3 = "spdx3"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"
    HTML = "html"

    @property
    def extension(self) -> str:
        """The file name ending used when several formats are written to a folder."""
        return _EXTENSIONS[self]


_EXTENSIONS = {
    Format.TEXT: ".txt",
    Format.JSON: ".json",
    Format.MARKDOWN: ".md",
    Format.SPDX_JSON: ".spdx.json",
    Format.SPDX_TV: ".spdx",
    Format.SPDX3: ".spdx3.jsonld",
    Format.SARIF: ".sarif",
    Format.CYCLONEDX: ".cdx.json",
    Format.HTML: ".html",
}


class Reporter(Protocol):
    """Renders check results; pure: same results (and SOURCE_DATE_EPOCH), same text."""

    def render(self, results: Sequence[CheckResult]) -> str:
        """The report for one or several results, in the order given."""
        ...

    def stream(self, results: Sequence[CheckResult]) -> Iterator[str]:
        """The same text in pieces, for writing a large report without holding it whole."""
        ...


class StreamedReport:
    """For a report written as it is built (JSON, SARIF, Markdown, HTML): `stream` makes the
    pieces, and the whole text is their concatenation."""

    def stream(self, results: Sequence[CheckResult]) -> Iterator[str]:
        """The report in pieces, each built while it is written."""
        raise NotImplementedError

    def render(self, results: Sequence[CheckResult]) -> str:
        """The report for one or several results, in the order given."""
        return "".join(self.stream(results))


class WholeReport:
    """For a report that is built whole (SPDX and CycloneDX go through their libraries' models
    and validators, which need the whole document; the text report is one screen unless asked
    for more): its stream is one piece."""

    def render(self, results: Sequence[CheckResult]) -> str:
        """The report for one or several results, in the order given."""
        raise NotImplementedError

    def stream(self, results: Sequence[CheckResult]) -> Iterator[str]:
        """The whole report, as one piece."""
        yield self.render(results)


def reporter(fmt: Format, color: bool = False, verbosity: int = 0) -> Reporter:
    """The reporter for a format (its module is imported only when asked for); `color` and
    `verbosity` shape the text report only."""
    match fmt:
        case Format.TEXT:
            from .text import TextReporter

            return TextReporter(color=color, verbosity=verbosity)
        case Format.JSON:
            from .jsonreport import JsonReporter

            return JsonReporter()
        case Format.MARKDOWN:
            from .markdown import MarkdownReporter

            return MarkdownReporter()
        case Format.SPDX_JSON:
            from .spdx2 import Spdx2JsonReporter

            return Spdx2JsonReporter()
        case Format.SPDX_TV:
            from .spdx2 import Spdx2TagValueReporter

            return Spdx2TagValueReporter()
        case Format.SPDX3:
            from .spdx3 import Spdx3Reporter

            return Spdx3Reporter()
        case Format.SARIF:
            from .sarif import SarifReporter

            return SarifReporter()
        case Format.CYCLONEDX:
            from .cyclonedx import CycloneDxReporter

            return CycloneDxReporter()
        case Format.HTML:
            from .html import HtmlReporter

            return HtmlReporter()
