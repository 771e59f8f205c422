"""Several local files speaking about one artifact's license: keep the claim the verdict can
rely on, and where two known licenses differ, the stricter one, with a note showing both."""

from typing import TYPE_CHECKING

from ..kb.schema import strictness
from ..model import KnownLicense
from .licenses import normalize

if TYPE_CHECKING:
    from ..kb.loader import KnowledgeBase
    from .interface import LicenseClaim


def stricter_claim(
    first: "LicenseClaim | None",
    second: "LicenseClaim | None",
    names: tuple[str, str],
    root_id: str,
    kb: "KnowledgeBase",
) -> tuple["LicenseClaim | None", str | None]:
    """`first` (named `names[0]` in the note) unless `second` settles what it leaves open or
    is stricter; ties keep `first`."""
    if second is None:
        return first, None
    if first is None:
        return second, None
    a, b = normalize(first, kb), normalize(second, kb)
    if not isinstance(b, KnownLicense):
        return first, None
    if not isinstance(a, KnownLicense):
        said = f"({a.raw})" if a.raw else "(none)"
        return second, (
            f"{root_id}: the license in {names[0]} {said} is not one this tool knows; "
            f"{names[1]} says {b.id}, which is used."
        )
    if a.id == b.id:
        return first, None
    ea, eb = kb.licenses.get(a.id), kb.licenses.get(b.id)
    ra = strictness(ea.clauses) if ea else None
    rb = strictness(eb.clauses) if eb else None
    use_second = ra is None or (rb is not None and rb > ra)
    used = b.id if use_second else a.id
    note = (
        f"{root_id}: {names[0]} declares {a.id} but {names[1]} says {b.id}; the verdict uses "
        f"the stricter, {used}."
    )
    return (second if use_second else first), note
