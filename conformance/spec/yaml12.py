"""YAML read the way OpenAPI tools (Spectral among them) read it: the YAML 1.2 core schema.

PyYAML implements YAML 1.1, where ``yes``/``no``/``on``/``off`` are booleans, ``2020-01-31`` is a
date and ``0755`` is octal; YAML 1.2 (and every JSON-minded reader) sees strings and the decimal
755. Reading an enum ``[yes, no]`` as booleans would make the harness judge a different spec than
the one its author wrote, so this loader resolves plain scalars with the 1.2 core rules, keeps
merge keys (``<<``), and makes every value JSON-compatible.
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

STR_TAG = "tag:yaml.org,2002:str"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_MERGE_TAG = "tag:yaml.org,2002:merge"

# What JSON type a key of each tag would be (as a YAML 1.2 parser names it in messages).
NONSTRING_KEY_KINDS = {
    _INT_TAG: "number",
    _FLOAT_TAG: "number",
    _BOOL_TAG: "boolean",
    _NULL_TAG: "null",
}

BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# YAML 1.2.2, section 10.3.2 (core schema tag resolution)
_RESOLVERS: list[tuple[str, re.Pattern[str], str]] = [
    (_NULL_TAG, re.compile(r"^(?:~|null|Null|NULL|)$"), "~nN "),
    (_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    (_INT_TAG, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), "-+0123456789"),
    (
        _FLOAT_TAG,
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        "-+.0123456789",
    ),
    (_MERGE_TAG, re.compile(r"^<<$"), "<"),
]


def _int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(text)


def scalar_value(node: yaml.ScalarNode) -> Any:
    """The JSON value of a scalar node under the core schema (unknown tags: the text)."""
    tag = node.tag
    text = str(node.value)
    if tag == _NULL_TAG:
        return None
    if tag == _BOOL_TAG:
        return text.lower() == "true"
    if tag == _INT_TAG:
        return _int(text)
    if tag == _FLOAT_TAG:
        return _float(text)
    return text


def json_key(value: object) -> str:
    """The JSON property name of a scalar key: ``200`` -> ``"200"``, ``true`` -> ``"true"``."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def key_text(node: yaml.Node) -> str:
    """The JSON property name of a key node."""
    if node.tag == STR_TAG or not isinstance(node, yaml.ScalarNode):
        return str(node.value)
    try:
        return json_key(scalar_value(node))
    except ValueError:
        return str(node.value)


class SpecYamlLoader(BaseLoader):  # type: ignore[valid-type,misc]
    """Safe YAML under the 1.2 core schema: string keys, no duplicates, JSON values only."""

    # Own table (not PyYAML's 1.1 one): add_implicit_resolver below fills it.
    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {}

    def __init__(self, stream: Any, *, allow_duplicates: bool = False) -> None:
        super().__init__(stream)
        # Keys a JSON-minded parser objects to, with its message: those written as numbers,
        # booleans or null (`200:` unquoted; read as their text, since JSON keys are strings)
        # and, if allowed, duplicates (the last one wins). The linter reports them.
        self.key_problems: list[tuple[yaml.ScalarNode, str]] = []
        self.allow_duplicates = allow_duplicates

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        seen: dict[str, yaml.Node] = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            if key_node.tag == _MERGE_TAG:
                continue
            kind = NONSTRING_KEY_KINDS.get(key_node.tag)
            if kind is not None:
                message = f"Mapping key must be a string scalar rather than {kind}"
                self.key_problems.append((key_node, message))
            key = key_text(key_node)
            if key in seen and self.allow_duplicates:
                self.key_problems.append((key_node, f"Duplicate key: {key}"))
            elif key in seen:
                first = seen[key].start_mark
                raise ConstructorError(
                    None,
                    None,
                    f"duplicate key '{key}' (first defined at line {first.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        self.flatten_mapping(node)  # resolves '<<' merge keys; later keys override merged ones
        return {
            key_text(key_node): self.construct_object(value_node, deep=deep)
            for key_node, value_node in node.value
        }

    def construct_core_scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return scalar_value(node)
        except ValueError:  # an explicit tag on text that is no such value: !!int abc
            kind = node.tag.rsplit(":", 1)[-1]
            raise ConstructorError(
                None, None, f"{node.value!r} is not a valid {kind}", node.start_mark
            ) from None


for _tag, _pattern, _first in _RESOLVERS:
    # A space stands for "" (the empty plain scalar, which is null).
    SpecYamlLoader.add_implicit_resolver(_tag, _pattern, [c.strip() for c in _first])
for _tag in (_NULL_TAG, _BOOL_TAG, _INT_TAG, _FLOAT_TAG):
    SpecYamlLoader.add_constructor(_tag, SpecYamlLoader.construct_core_scalar)
# Explicit !!timestamp and !!binary stay the text they were written as, as JSON would see them.
SpecYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
SpecYamlLoader.add_constructor("tag:yaml.org,2002:binary", SafeConstructor.construct_yaml_str)
