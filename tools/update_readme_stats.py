"""Rewrite the knowledge-base counts block of README.md from the knowledge base itself
(`python tools/update_readme_stats.py`); tests/test_kb.py fails when the README is stale."""

from pathlib import Path

from model_licensecheck.kb.loader import load_kb
from model_licensecheck.kb.query import STATS_BEGIN, STATS_END, stats, stats_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    """Replace the text between the markers (inclusive) with freshly counted numbers."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(STATS_BEGIN), text.index(STATS_END) + len(STATS_END) + 1
    README.write_text(text[:start] + stats_markdown(stats(load_kb())) + text[end:], "utf-8")


if __name__ == "__main__":
    main()
