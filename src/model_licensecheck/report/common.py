"""Helpers every reporter shares: reproducible timestamps and content-derived ids."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from ..model import CheckResult, Node, UnresolvedNode, is_hub_id


def created_at() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now; UTC, whole seconds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def content_id(results: Sequence[CheckResult]) -> str:
    """A short hash of what the results say (not of when they were made): stable across runs."""
    from .jsonreport import Stream, iter_canonical, to_stream

    # A canonical encoding, so that the id depends on what the report says, not on its layout;
    # hashed piece by piece, never held whole.
    digest = hashlib.sha256()
    for piece in iter_canonical(Stream(to_stream(r) for r in results)):
        digest.update(piece.encode())
    return digest.hexdigest()[:16]


def slug(text: str) -> str:
    """Letters, digits, '.' and '-' only: for SPDX ids and file names."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "x"


def node_url(node: Node | UnresolvedNode) -> str | None:
    """Where the artifact lives, when it is a Hub repo or has a recorded source."""
    if isinstance(node, Node) and node.sources:
        return node.sources[0]
    # Local targets (a card, config or folder) are named by their path: no Hub address.
    if is_hub_id(node.id) and "/" in node.id and not os.path.exists(node.id):
        prefix = "datasets/" if node.kind.value == "dataset" else ""
        return f"https://huggingface.co/{prefix}{node.id}"
    return None
