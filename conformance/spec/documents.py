"""Read one YAML or JSON file into plain JSON-compatible data plus a PositionIndex.

Everything that can go wrong with a file (missing, a directory, unreadable, too big, binary, not
UTF-8, not YAML/JSON, duplicate keys, alias bombs) becomes a SpecLoadError that says what and where.
"""

from __future__ import annotations

import gc
import json
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from conformance.spec.errors import Location, SpecLoadError
from conformance.spec.json_nodes import compose_json
from conformance.spec.pointer import Pointer, Segment, format_path
from conformance.spec.positions import PositionIndex
from conformance.spec.yaml12 import BaseLoader, SpecYamlLoader, key_text

# A spec bigger than this is refused before it is read: real specs are a few MB, and parsing
# hundreds of MB of YAML would hang the harness rather than tell the user anything useful.
MAX_SPEC_BYTES = 32 * 1024 * 1024

# YAML aliases let a tiny file describe a huge tree ("billion laughs"). A document may expand to
# at most this many nodes more than it literally contains.
MAX_ALIAS_EXPANSION = 1_000_000


def read_text(path: Path, display: str) -> str:
    """The file's text, refusing what is no spec file before reading it whole."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SpecLoadError("file not found", file=display) from None
    except PermissionError:
        raise SpecLoadError("permission denied", file=display) from None
    except OSError as exc:
        raise SpecLoadError(f"cannot read: {exc.strerror}", file=display) from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecLoadError("is a directory, not a spec file", file=display)
    if not stat.S_ISREG(info.st_mode):
        raise SpecLoadError("not a regular file", file=display)
    if info.st_size > MAX_SPEC_BYTES:
        raise SpecLoadError(
            f"file is {info.st_size / 1_048_576:.1f} MB, larger than the "
            f"{MAX_SPEC_BYTES // 1_048_576} MB a spec may be",
            file=display,
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
    except PermissionError:
        raise SpecLoadError("permission denied", file=display) from None
    except OSError as exc:
        raise SpecLoadError(f"cannot read: {exc.strerror}", file=display) from None
    if len(data) > MAX_SPEC_BYTES:  # grew since stat
        raise SpecLoadError(
            f"file is larger than the {MAX_SPEC_BYTES // 1_048_576} MB a spec may be", file=display
        )
    return decode_bytes(data, display)


def decode_bytes(data: bytes, display: str) -> str:
    if not data.strip():
        raise SpecLoadError("file is empty: expected an OpenAPI document", file=display)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SpecLoadError("file is UTF-16 encoded; save it as UTF-8", file=display, line=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _byte_position(data, nul)
        raise SpecLoadError(
            "binary file (contains NUL bytes), not YAML or JSON",
            file=display,
            line=line,
            column=column,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        raise SpecLoadError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            file=display,
            line=line,
            column=column,
        ) from None
    return text.removeprefix("\ufeff")


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def looks_like_json(path_name: str, text: str) -> bool:
    if path_name.lower().endswith(".json"):
        return True
    return text.lstrip()[:1] in ("{", "[")


def parse_text(
    text: str, display: str, *, as_json: bool, allow_duplicates: bool = False
) -> tuple[Any, PositionIndex]:
    """Parse a document; JSON is read by the json module, positions come from the YAML composer.

    ``allow_duplicates``: a YAML key written twice is kept (the last value wins) and noted in
    the PositionIndex's key_problems instead of refusing the file.
    """
    try:
        with no_gc_pauses():
            if as_json:
                return _parse_json(text, display, allow_duplicates)
            return _parse_yaml(text, display, allow_duplicates)
    except RecursionError:
        raise SpecLoadError("document is nested too deeply", file=display) from None


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Building a large tree of new objects triggers the cyclic GC over and over (measured:
    it quadruples YAML composing time); nothing built here is garbage until it is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_document(path: str | Path) -> tuple[object, PositionIndex]:
    """One file, no $ref resolution: its data and the positions of everything in it."""
    display = str(path)
    text = read_text(Path(path), display)
    return parse_text(text, display, as_json=looks_like_json(display, text))


# --- YAML ---------------------------------------------------------------------------------


def _parse_yaml(text: str, display: str, allow_duplicates: bool) -> tuple[Any, PositionIndex]:
    loader = SpecYamlLoader(text, allow_duplicates=allow_duplicates)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise _yaml_error("invalid YAML", exc, display) from None
        except yaml.YAMLError as exc:
            raise SpecLoadError(f"invalid YAML: {exc}", file=display) from None
        if node is None:
            raise SpecLoadError(
                "file holds no document (only comments or whitespace)", file=display
            )
        if "&" in text:  # without anchors there are no aliases to expand
            _guard_alias_expansion(node, display)
        try:
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            raise _yaml_error("unusable YAML", exc, display, node) from None
    finally:
        loader.dispose()
    return data, PositionIndex(display, node, key_problems=loader.key_problems)


def _yaml_error(
    what: str, exc: yaml.MarkedYAMLError, display: str, root: yaml.Node | None = None
) -> SpecLoadError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "unknown problem"
    if exc.problem and exc.context:  # "while scanning a quoted scalar, found unexpected end"
        problem = f"{exc.context}, {exc.problem}"
    problem = problem.replace("could not determine a constructor for the tag", "unsupported tag")
    begun = exc.context_mark
    if mark is not None and begun is not None and begun.line != mark.line:
        problem += f" (it began at line {begun.line + 1}, column {begun.column + 1})"
    json_path = None
    if root is not None and mark is not None:
        pointer = _pointer_of_mark(root, mark.line, mark.column)
        json_path = format_path(pointer) if pointer else None
    if mark is None:
        return SpecLoadError(f"{what}: {problem}", file=display, json_path=json_path)
    return SpecLoadError.at(
        f"{what}: {problem}", Location(display, mark.line + 1, mark.column + 1), json_path
    )


def _guard_alias_expansion(root: yaml.Node, display: str) -> None:
    """Refuse alias bombs and recursive aliases before anything walks the expanded tree."""
    sizes: dict[int, int] = {}
    unique = 0
    # Iterative post-order walk: each distinct node is sized once; an alias re-uses its size.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    in_progress: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            in_progress.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[key] - unique > MAX_ALIAS_EXPANSION:
                mark = node.start_mark
                raise SpecLoadError.at(
                    "YAML aliases expand to more than "
                    f"{MAX_ALIAS_EXPANSION:,} extra nodes (an alias bomb?)",
                    Location(display, mark.line + 1, mark.column + 1),
                )
            continue
        if key in sizes:
            continue
        if key in in_progress:
            mark = node.start_mark
            raise SpecLoadError.at(
                "recursive YAML alias: a node contains an alias to itself",
                Location(display, mark.line + 1, mark.column + 1),
            )
        in_progress.add(key)
        unique += 1
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _children(node: yaml.Node) -> Sequence[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        items: list[yaml.Node] = node.value
        return items
    return ()


def _pointer_of_mark(root: yaml.Node, line: int, column: int) -> Pointer:
    """The pointer of the deepest value whose span contains (line, column); for error messages."""
    pointer: list[Segment] = []
    node = root
    target = (line, column)
    while True:
        if isinstance(node, yaml.MappingNode):
            items: list[tuple[Segment, yaml.Node, yaml.Node]] = [
                (key_text(k) if isinstance(k, yaml.ScalarNode) else "?", k, v)
                for k, v in node.value
            ]
        elif isinstance(node, yaml.SequenceNode):
            items = [(i, v, v) for i, v in enumerate(node.value)]
        else:
            return tuple(pointer)
        for segment, start_node, value_node in items:
            start = (start_node.start_mark.line, start_node.start_mark.column)
            end = (value_node.end_mark.line, value_node.end_mark.column)
            if start <= target < end:
                pointer.append(segment)
                node = value_node
                break
        else:
            return tuple(pointer)


# --- JSON ---------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _compose_json(text: str) -> yaml.Node | None:
    # JSON may use tabs between tokens where YAML refuses them; a tab can only be whitespace in
    # valid JSON, so swapping it for a space keeps every line and column as it was.
    with no_gc_pauses():
        try:
            return yaml.compose(text.replace("\t", " "), Loader=BaseLoader)
        except (yaml.YAMLError, RecursionError):
            pass
        try:  # valid JSON that is not valid YAML (e.g. a key over 1024 characters)
            return compose_json(text)
        except (ValueError, IndexError):
            return None


def _parse_json(text: str, display: str, allow_duplicates: bool) -> tuple[Any, PositionIndex]:
    duplicates: list[str] = []

    def keep_last(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            duplicates.append("")  # which ones is found in the node tree, if asked
        return result

    hook = keep_last if allow_duplicates else _reject_duplicates
    try:
        data = json.loads(text, object_pairs_hook=hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise SpecLoadError.at(
            f"invalid JSON: {exc.msg}", Location(display, exc.lineno, exc.colno)
        ) from None
    except ValueError as exc:
        raise SpecLoadError(f"invalid JSON: {exc}", file=display) from None
    except _DuplicateKey as exc:
        raise _json_duplicate_error(text, display, str(exc)) from None
    return data, PositionIndex(
        display, lambda: _compose_json(text), duplicate_keys_in_tree=bool(duplicates)
    )


def _json_duplicate_error(text: str, display: str, key: str) -> SpecLoadError:
    root = _compose_json(text)
    message = f"duplicate key '{key}'"
    if root is None:
        return SpecLoadError(message, file=display)
    stack: list[tuple[yaml.Node, Pointer]] = [(root, ())]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                name = key_text(key_node)
                if name in seen and name == key:
                    mark = key_node.start_mark
                    return SpecLoadError.at(
                        message,
                        Location(display, mark.line + 1, mark.column + 1),
                        format_path((*pointer, name)),
                    )
                seen.add(name)
                stack.append((value_node, (*pointer, name)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*pointer, i)) for i, child in enumerate(node.value))
    return SpecLoadError(message, file=display)
