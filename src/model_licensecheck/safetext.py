"""Make text from cards and the Hub safe to show: control characters become visible escapes.

A card or a Hub answer is someone else's bytes. Printed raw, an ESC or CSI sequence could clear
the screen, move the cursor or print a fake verdict; an OSC 8 sequence could plant a link; BEL
and bidirectional overrides could hide what a line says. Every string that came from outside
is passed through `escape_controls` where the resolver takes it in, and error messages where
they are printed, so no output mode or report format ever carries one.
"""

import re

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with every C0/C1 control, line or paragraph separator and bidi control shown as
    a backslash escape (`\\x1b`, `\\u202e`); printable text is unchanged."""
    return _CONTROLS.sub(_escape, text) if _CONTROLS.search(text) else text


def columns(text: str) -> int:
    """How many terminal columns `text` takes: wide and full-width characters (CJK, most
    emoji) two, combining marks none, everything else one (what terminals do for text that
    `escape_controls` has made printable)."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def cut_columns(text: str, width: int) -> str:
    """`text` cut to at most `width` terminal columns, an ellipsis marking the cut (a wide
    character is never split, so the line never wraps)."""
    if columns(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        size = columns(ch)
        if used + size > width - 1:
            break
        kept.append(ch)
        used += size
    return "".join(kept) + "…"


def pad_columns(text: str, width: int) -> str:
    """`text` padded with spaces to `width` terminal columns (`str.ljust` counts characters,
    which misaligns a table holding wide ones)."""
    return text + " " * max(0, width - columns(text))
