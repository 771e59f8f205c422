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
