"""Map JSON pointers to line and column, using the node tree of PyYAML's composer.

The same node tree serves YAML and JSON files (JSON is, for positions, a subset of YAML). For JSON
the tree is composed only when a position is first asked for, so a clean spec loads fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import yaml

from conformance.spec.errors import Location
from conformance.spec.pointer import Pointer, Segment
from conformance.spec.yaml12 import key_text


class PositionIndex:
    """Positions of the values (and keys) of one document, by JSON pointer."""

    def __init__(
        self,
        file: str,
        root: yaml.Node | Callable[[], yaml.Node | None] | None,
        *,
        key_problems: Sequence[tuple[yaml.ScalarNode, str]] = (),
        duplicate_keys_in_tree: bool = False,
    ) -> None:
        self.file = file
        self._root = root
        self._keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}
        self._key_problems = key_problems
        # JSON read with duplicates kept: they are found in the node tree when asked for.
        self._duplicates_in_tree = duplicate_keys_in_tree

    def key_problems(self) -> list[tuple[Pointer, str, Location]]:
        """Keys the parser objected to (see SpecYamlLoader): (pointer, message, where)."""
        if not self._key_problems and not self._duplicates_in_tree:
            return []
        wanted: dict[int, list[str]] = {}
        for key_node, message in self._key_problems:
            wanted.setdefault(id(key_node), []).append(message)
        found: list[tuple[Pointer, str, Location]] = []
        stack: list[tuple[yaml.Node | None, Pointer]] = [(self._root_node(), ())]
        visited: set[int] = set()
        while stack:
            node, pointer = stack.pop()
            if node is None or id(node) in visited:  # aliases share nodes
                continue
            visited.add(id(node))
            if isinstance(node, yaml.MappingNode):
                names: set[str] = set()
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        continue
                    name = key_text(key_node)
                    child = (*pointer, name)
                    for message in wanted.get(id(key_node), ()):
                        found.append((child, message, self._location(key_node)))
                    if self._duplicates_in_tree and name in names:
                        found.append((child, f"Duplicate key: {name}", self._location(key_node)))
                    names.add(name)
                    stack.append((value_node, child))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend((item, (*pointer, i)) for i, item in enumerate(node.value))
        found.sort(key=lambda item: (item[2].line, item[2].column))
        return found

    def _root_node(self) -> yaml.Node | None:
        if callable(self._root):
            self._root = self._root()
        return self._root

    def _pairs(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        pairs = self._keys.get(id(node))
        if pairs is None:
            pairs = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    pairs[key_text(key_node)] = (key_node, value_node)  # later keys win, as in data
            self._keys[id(node)] = pairs
        return pairs

    def _walk(self, pointer: Sequence[Segment]) -> tuple[yaml.Node | None, yaml.Node | None, bool]:
        """(value node, key node of the last segment, whether the whole pointer was found)."""
        node = self._root_node()
        key_node: yaml.Node | None = None
        if node is None:
            return None, None, False
        for segment in pointer:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                pair = self._pairs(node).get(str(segment))
                if pair is not None:
                    key_node, child = pair
            elif isinstance(node, yaml.SequenceNode):
                index = _as_index(segment)
                if index is not None and 0 <= index < len(node.value):
                    child = node.value[index]
                    key_node = child
            if child is None:
                return node, key_node, False
            node = child
        return node, key_node, True

    def _location(self, node: yaml.Node | None) -> Location:
        if node is None:
            return Location(self.file, 1, 1)
        mark = node.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def locate(self, pointer: Sequence[Segment]) -> Location:
        """The value at ``pointer``, or its nearest ancestor that exists.

        Positions are where Spectral reports them: a scalar or an array item where it starts;
        an object or array that is the value of a property two columns after the end of the
        property name (just after the colon in ``"name": {`` and ``name: {``).
        """
        node, key_node, _found = self._walk(pointer)
        if (
            isinstance(node, yaml.MappingNode | yaml.SequenceNode)
            and key_node is not None
            and key_node is not node
        ):
            end = key_node.end_mark
            return Location(self.file, end.line + 1, end.column + 2)
        return self._location(node)

    def locate_key(self, pointer: Sequence[Segment]) -> Location:
        """The property name of the last segment (the value itself for an array item)."""
        if not pointer:
            return self._location(self._root_node())
        node, key_node, found = self._walk(pointer)
        return self._location(key_node if found else node)

    def contains(self, pointer: Sequence[Segment]) -> bool:
        return self._walk(pointer)[2]


def _as_index(segment: Segment) -> int | None:
    if isinstance(segment, int):
        return segment
    return int(segment) if segment.isdigit() else None
