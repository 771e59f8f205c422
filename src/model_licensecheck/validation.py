"""Typed field readers for declarative files that collect every problem with its place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from .errors import Problem
from .yamlio import LineDict

if TYPE_CHECKING:
    from collections.abc import Mapping

T = TypeVar("T")
_MISSING: Any = object()


class Collector:
    """Gathers problems for one file; readers return a fallback value so checking goes on."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, message: str, entry: str | None = None, field: str | None = None) -> None:
        """Record one problem."""
        self.problems.append(Problem(self.file, message, entry, field))


class Fields:
    """Reads the fields of one mapping, recording wrong types, missing and unknown keys."""

    def __init__(
        self,
        data: Mapping[str, Any],
        collector: Collector,
        entry: str | None,
        allowed: set[str],
        prefix: str = "",
    ) -> None:
        self.data = data
        self.c = collector
        self.entry = entry
        self.prefix = prefix
        for key in data:
            if key not in allowed:
                self._add(str(key), "unknown key")

    def where(self, key: str) -> str:
        """The field's name, with its line when known."""
        name = f"{self.prefix}{key}"
        if isinstance(self.data, LineDict):
            return f"{name} (line {self.data.line_of(key)})"
        return name

    def _add(self, key: str, message: str) -> None:
        self.c.add(message, self.entry, self.where(key))

    def get(self, key: str, kind: type[T], default: T = _MISSING) -> T:
        """A field of one type (bool is not accepted for int); required when no default."""
        if key not in self.data or self.data[key] is None:
            if default is _MISSING:
                self._add(key, "is required")
                return _fallback(kind)
            return default
        value = self.data[key]
        if not _is(value, kind):
            self._add(key, f"must be {_name(kind)}, not {_name(type(value))}")
            return _fallback(kind) if default is _MISSING else default
        return value  # type: ignore[no-any-return]

    def text(self, key: str) -> str:
        """A required, non-empty string."""
        value = self.get(key, str)
        if key in self.data and isinstance(value, str) and not value.strip():
            self._add(key, "must not be empty")
        return value

    def optional_text(self, key: str) -> str | None:
        """A string or nothing."""
        value: str | None = self.get(key, str, None)
        return value

    def strings(self, key: str, required: bool = False) -> tuple[str, ...]:
        """A list of non-empty strings (a lone string is not accepted: lists stay lists)."""
        value = self.get(key, list, _MISSING if required else [])
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self._add(f"{key}[{i}]", "must be a non-empty string")
            else:
                out.append(item)
        if required and not out and key in self.data:
            self._add(key, "must list at least one item")
        return tuple(out)

    def choice(self, key: str, choices: Mapping[str, T], default: str | None = None) -> T:
        """One of a fixed set of names."""
        raw = self.get(key, str, _MISSING if default is None else default)
        if raw in choices:
            return choices[raw]
        if raw:
            self._add(key, f"must be one of {', '.join(sorted(choices))}, not {raw!r}")
        return next(iter(choices.values()))

    def mapping(self, key: str, required: bool = True) -> Mapping[str, Any]:
        """A nested mapping."""
        return self.get(key, dict, _MISSING if required else {})


def _is(value: object, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def _fallback(kind: type[T]) -> T:
    if kind is str:
        return ""  # type: ignore[return-value]
    return kind()


def _name(kind: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        bool: "true or false",
        list: "a list",
        dict: "a mapping",
        float: "a number",
        type(None): "empty",
    }.get(kind, kind.__name__)
