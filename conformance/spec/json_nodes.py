"""A node tree with positions for JSON text that PyYAML's composer refuses.

Valid JSON is nearly always valid YAML, so JSON positions normally come from the composer. The
exceptions (a property name longer than YAML's 1024-character limit for keys, C1 control
characters inside strings) would otherwise leave a whole file without positions; this small
tokenizer builds the same kind of node tree for them. It expects JSON that already parsed.
"""

from __future__ import annotations

import bisect
import json
import re

import yaml

from conformance.spec.yaml12 import STR_TAG

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.DOTALL)
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _Marks:
    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> yaml.Mark:
        line = bisect.bisect_right(self._starts, offset) - 1
        return yaml.Mark("<json>", offset, line, offset - self._starts[line], None, 0)


def compose_json(text: str) -> yaml.Node | None:
    """The node tree of a JSON document (positions only; scalars keep their source text)."""
    marks = _Marks(text)
    stack: list[tuple[yaml.Node, yaml.Node | None]] = []  # (collection, pending key)
    root: yaml.Node | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        start = match.start()
        if token in (",", ":"):
            continue
        if token in ("}", "]"):
            node, _key = stack.pop()
            node.end_mark = marks.at(match.end())
            continue
        if token == "{":
            node = yaml.MappingNode(_MAP_TAG, [], marks.at(start), None)
        elif token == "[":
            node = yaml.SequenceNode(_SEQ_TAG, [], marks.at(start), None)
        else:
            value = json.loads(token) if token.startswith('"') else token
            node = yaml.ScalarNode(
                STR_TAG if token.startswith('"') else "tag:yaml.org,2002:json",
                str(value),
                marks.at(start),
                marks.at(match.end()),
            )
        if not stack:
            root = node
        else:
            parent, key = stack[-1]
            if isinstance(parent, yaml.SequenceNode):
                parent.value.append(node)
            elif key is None:  # this token is a property name
                stack[-1] = (parent, node)
                continue
            else:
                parent.value.append((key, node))
                stack[-1] = (parent, None)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            stack.append((node, None))
    return root
