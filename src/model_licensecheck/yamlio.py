"""Safe YAML loading for every file we read: no tags, no aliases, line numbers kept (of
mapping keys and of sequence items)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import YamlError

if TYPE_CHECKING:
    import yaml


class LineDict(dict[str, Any]):
    """A mapping that remembers the 1-based line where it starts and where each key stands."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that remembers the 1-based line of each item."""

    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """The line where item `index` starts."""
        return self.item_lines[index]


@cache
def _loader_class() -> type[Any]:
    """The loader, built on first use: PyYAML is imported only when YAML is read."""
    import yaml

    try:  # libyaml's parser is several times faster; the pure-Python one behaves the same.
        from yaml import CSafeLoader as base
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as base  # type: ignore[assignment]

    class _Loader(base):
        """SafeLoader that records lines on mappings and rejects duplicate keys."""

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            mapping = LineDict()
            mapping.line = node.start_mark.line + 1
            mapping.key_lines = {}
            self.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    line = key_node.start_mark.line + 1
                    raise YamlError(f"line {line}: unhashable key") from None
                if key in mapping:
                    line = key_node.start_mark.line + 1
                    raise YamlError(f"line {line}: duplicate key {key!r}")
                mapping[key] = self.construct_object(value_node, deep=deep)
                if isinstance(key, str):
                    mapping.key_lines[key] = key_node.start_mark.line + 1
            return mapping

        def construct_line_list(self, node: Any) -> Any:
            items = LineList(self.construct_object(child, deep=True) for child in node.value)
            items.item_lines = [child.start_mark.line + 1 for child in node.value]
            return items

    _Loader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping
    )
    _Loader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_line_list
    )
    return _Loader


def load(text: str | bytes) -> Any:
    """Parse one YAML document; raise YamlError with the line on any problem."""
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_aliases(node)
        return loader.construct_document(node)
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise YamlError(f"{where}{exc.problem or exc.context or 'invalid YAML'}") from None
    except yaml.YAMLError as exc:
        raise YamlError(" ".join(str(exc).split())) from None
    except RecursionError:
        raise YamlError("nesting is too deep") from None
    finally:
        loader.dispose()


def _refuse_aliases(root: yaml.Node) -> None:
    """Reject any node reached twice: that is an alias, and aliases enable expansion bombs."""
    import yaml

    seen: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise YamlError(
                f"line {node.start_mark.line + 1}: YAML aliases (*name) are not accepted"
            )
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
