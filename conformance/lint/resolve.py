"""Local ``$ref`` resolution over one bundled document, and mapping results back to the source.

The rules read the document as Spectral does, with every ``$ref`` replaced by its target. A
result found under a ``$ref`` is reported where the node is written (its origin), e.g. a schema
used by ten operations is reported once, at ``components.schemas.X``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from conformance.spec.pointer import parse_fragment

Pointer = tuple[str | int, ...]
_MISSING = object()
_MAX_HOPS = 64  # a chain of $refs longer than this is a loop


def local_ref(value: Any) -> Pointer | None:
    """The pointer of a local ``{"$ref": "#/..."}`` object, or None for anything else."""
    if type(value) is not dict:
        return None
    ref = value.get("$ref")
    if type(ref) is not str or not ref.startswith("#"):
        return None
    return _parse_ref(ref)


@lru_cache(maxsize=4096)
def _parse_ref(ref: str) -> Pointer | None:
    try:
        return parse_fragment(ref[1:])
    except ValueError:
        return None


def child(value: Any, segment: str | int) -> Any:
    """``value[segment]`` for an object key or array index; ``_MISSING`` if there is none."""
    if type(value) is dict:
        return value.get(segment if type(segment) is str else str(segment), _MISSING)
    if type(value) is list:
        try:
            index = int(segment)
        except ValueError:
            return _MISSING
        return value[index] if 0 <= index < len(value) else _MISSING
    return _MISSING


def get(document: Any, pointer: Pointer) -> Any:
    """The value at ``pointer`` (no $ref following), or None if it does not exist."""
    value = document
    for segment in pointer:
        value = child(value, segment)
        if value is _MISSING:
            return None
    return value


# Resolved $refs of the document being linted: (id(document), ref) -> (value, pointer). A
# document does not change while it is linted; the runner empties the cache before and after
# each run (forget_followed), and a different document empties it too.
_FOLLOWED: dict[tuple[int, str], tuple[Any, Pointer | None]] = {}
_FOLLOWED_FOR: list[Any] = [None]


def forget_followed() -> None:
    _FOLLOWED.clear()
    _FOLLOWED_FOR[0] = None


def follow(document: Any, value: Any) -> tuple[Any, Pointer | None]:
    """Follow a chain of local $refs: (the final value, its pointer or None if not a $ref).

    A $ref to a missing target or a loop of $refs stays the ``{"$ref": ...}`` object, as a
    resolver leaves what it cannot resolve.
    """
    if type(value) is not dict or type(value.get("$ref")) is not str:
        return value, None
    if _FOLLOWED_FOR[0] is not document:
        _FOLLOWED.clear()
        _FOLLOWED_FOR[0] = document
    key = (id(document), value["$ref"])
    if key not in _FOLLOWED:
        _FOLLOWED[key] = _follow(document, value)
    return _FOLLOWED[key]


def _follow(document: Any, value: Any) -> tuple[Any, Pointer | None]:
    pointer: Pointer | None = None
    seen: set[Pointer] = set()
    for _ in range(_MAX_HOPS):
        target = local_ref(value)
        if target is None or target in seen:
            return value, pointer
        seen.add(target)
        resolved = _get_exact(document, target)
        if resolved is _MISSING:
            return value, pointer
        value, pointer = resolved, target
    return value, pointer


def deref(document: Any, value: Any) -> Any:
    """``value`` with local $refs followed."""
    return follow(document, value)[0]


def _get_exact(document: Any, pointer: Pointer) -> Any:
    value = document
    for segment in pointer:
        value = child(value, segment)
        if value is _MISSING:
            return _MISSING
    return value


def origin_of(document: Any, pointer: Pointer) -> Pointer:
    """Where the node at ``pointer`` of the resolved document is written.

    Walks the pointer through the unresolved document, jumping to the target of every $ref on
    the way; a segment that does not exist ends the walk at the closest existing node. This is
    what Spectral does when it reports a result (findAssociatedItemForPath), with one exception
    it makes too: a result at a ``$ref`` that has sibling keys (``description`` next to it),
    reached without passing another ``$ref``, is reported where that ``$ref`` is written, once
    per place, not at its target.
    """
    current = document
    origin: Pointer = ()
    hopped = False
    for segment in pointer:
        before = origin
        current, origin = _hop(document, current, origin)
        hopped = hopped or origin is not before
        nxt = child(current, segment)
        if nxt is _MISSING:
            return origin
        current = nxt
        origin = (*origin, segment)
    if not hopped and type(current) is dict and len(current) > 1 and "$ref" in current:
        return origin
    return _hop(document, current, origin)[1]


def _hop(document: Any, current: Any, origin: Pointer) -> tuple[Any, Pointer]:
    value, target = follow(document, current)
    if target is None:
        return current, origin
    return value, target
