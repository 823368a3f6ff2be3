"""Bundle a spec spread over several files into one self-contained document.

How it works (the approach of json-schema-ref-parser's ``bundle``, made deterministic):
- a ``$ref`` into the root file stays a local ``#/...`` reference;
- the first ``$ref`` to a place in another file inlines that content where the reference was
  (the root's ``components`` are visited first, so shared definitions land there);
- every later ``$ref`` to the same place becomes a local reference to where it was inlined.
So recursive schemas stay finite, and every external file is copied at most once.

A ``SourceMap`` remembers, for each inlined subtree, which file and pointer it came from, so a
position in the bundled document maps back to the line it was written on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from conformance.spec.documents import looks_like_json, parse_text, read_text
from conformance.spec.errors import Location, SpecLoadError
from conformance.spec.pointer import Pointer, Segment, format_path, parse_fragment, to_fragment
from conformance.spec.positions import PositionIndex

# A chain of references that only point at further references this long is surely a loop.
_MAX_REF_HOPS = 64


@dataclass(frozen=True, slots=True)
class BrokenRef:
    """A ``$ref`` that could not be resolved (kept as written when references may be broken).

    ``pointer`` is where the ``$ref`` string sits in the bundled document, ``target`` names what
    it points at (absolute, so that refs to one missing place compare equal) and ``message``
    says why; it never quotes the content of a file.
    """

    pointer: Pointer
    ref: str
    target: str
    message: str
    location: Location
    missing: bool  # the file was read but has nothing at the pointer
    cycle: bool  # $refs that only point at each other
    error: SpecLoadError  # what loading without broken references raises for it


@dataclass(slots=True)
class Document:
    key: str  # identity: absolute file path or URL
    display: str  # how messages name it
    data: Any
    index: PositionIndex

    @property
    def remote(self) -> bool:
        return self.key.startswith(("http://", "https://"))


Fetch = Callable[[str], str]


class SourceMap:
    """Which file and pointer each part of the bundled document was written at."""

    def __init__(self, root: Document) -> None:
        self._origins: dict[Pointer, tuple[Document, Pointer]] = {(): (root, ())}
        self.documents: dict[str, Document] = {root.key: root}

    def record(self, bundled: Pointer, document: Document, pointer: Pointer) -> None:
        self._origins[bundled] = (document, pointer)

    def origin(self, pointer: Pointer) -> tuple[Document, Pointer]:
        for length in range(len(pointer), -1, -1):
            found = self._origins.get(pointer[:length])
            if found is not None:
                document, source = found
                return document, source + pointer[length:]
        raise AssertionError("the root is always recorded")

    def locate(self, pointer: Pointer) -> Location:
        document, source = self.origin(pointer)
        return document.index.locate(source)

    def locate_key(self, pointer: Pointer) -> Location:
        document, source = self.origin(pointer)
        return document.index.locate_key(source)


def is_reference(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("$ref"), str)


class Bundler:
    """``ref_root``: a folder local files may be read from besides the root spec's own.
    ``broken``: a list to collect unresolvable references in, keeping them as written, instead
    of raising at the first one met (so the caller can name the first in document order, or,
    as the linter does, report every one and lint the rest)."""

    def __init__(
        self,
        root: Document,
        *,
        fetch: Fetch | None,
        ref_root: str | None = None,
        broken: list[BrokenRef] | None = None,
    ) -> None:
        self.root = root
        self.sources = SourceMap(root)
        self._fetch = fetch  # None: remote references are refused
        # Local files may be read below the root spec's folder, and below ref_root if given.
        self._ref_roots = [os.path.realpath(os.path.dirname(root.key))]
        if ref_root is not None:
            self._ref_roots.append(os.path.realpath(ref_root))
        self.broken = broken
        self._placed: dict[tuple[str, Pointer], Pointer] = {}
        self._aliases_checked: set[tuple[str, Pointer]] = set()

    def bundle(self) -> Any:
        return self._walk(self.root.data, self.root, (), ())

    # --- walking ------------------------------------------------------------------------

    def _walk(self, value: Any, document: Document, source: Pointer, bundled: Pointer) -> Any:
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str):
                return self._reference(value, document, source, bundled)
            keys = _visit_order(bundled, value)
            walked = {
                key: self._walk(value[key], document, (*source, key), (*bundled, key))
                for key in keys
            }
            if all(walked[key] is value[key] for key in value):
                # Nothing below changed: shared with the document as written, not copied
                # (a copy of a large spec doubled the loader's memory). Neither is changed
                # in place; whoever edits one copies first (the engine, Schemathesis).
                return value
            return walked if keys is value else {key: walked[key] for key in value}
        if isinstance(value, list):
            items = [
                self._walk(item, document, (*source, index), (*bundled, index))
                for index, item in enumerate(value)
            ]
            return (
                value if all(new is old for new, old in zip(items, value, strict=True)) else items
            )
        return value

    def _reference(
        self, ref: dict[str, Any], document: Document, source: Pointer, bundled: Pointer
    ) -> Any:
        site = (*source, "$ref")
        try:
            target_doc, target = self.resolve(ref["$ref"], document, site)
            self._check_alias_chain(target_doc, target, document, site)
        except SpecLoadError as exc:
            if self.broken is None:
                raise
            self._record_broken(ref["$ref"], exc, document, site, bundled)
            return {
                key: value
                if key == "$ref"
                else self._walk(value, document, (*source, key), (*bundled, key))
                for key, value in ref.items()
            }
        siblings = {
            key: self._walk(value, document, (*source, key), (*bundled, key))
            for key, value in ref.items()
            if key != "$ref"
        }
        if target_doc is self.root:
            fragment = to_fragment(target)
            unchanged = fragment == ref["$ref"] and all(
                siblings[key] is ref[key] for key in siblings
            )
            return ref if unchanged else {"$ref": fragment, **siblings}
        placed = self._placement(target_doc, target)
        if placed is not None:
            return {"$ref": to_fragment(placed), **siblings}
        self._placed[(target_doc.key, target)] = bundled
        self.sources.record(bundled, target_doc, target)
        content = self._walk(_value_at(target_doc.data, target), target_doc, target, bundled)
        if siblings and isinstance(content, dict):
            # Summary/description next to a $ref override the referenced ones (OpenAPI 3.1).
            for key in siblings:
                self.sources.record((*bundled, key), document, (*source, key))
            content = {**content, **siblings}
        return content

    def _record_broken(
        self,
        ref: str,
        error: SpecLoadError,
        document: Document,
        site: Pointer,
        bundled: Pointer,
    ) -> None:
        assert self.broken is not None
        uri, _, fragment = ref.partition("#")
        base = document.key if not uri else self._document_key(uri, document)[0]
        self.broken.append(
            BrokenRef(
                pointer=(*bundled, "$ref"),
                ref=ref,
                target=f"{base}#{fragment}",
                message=error.message,
                location=document.index.locate(site),
                missing=isinstance(error, _MissingTarget),
                cycle=isinstance(error, _RefCycle),
                error=error,
            )
        )

    def _placement(self, document: Document, target: Pointer) -> Pointer | None:
        """Where this target (or an ancestor of it, reachable without references) was inlined."""
        for length in range(len(target), -1, -1):
            placed = self._placed.get((document.key, target[:length]))
            if placed is None:
                continue
            value = _value_at(document.data, target[:length])
            for segment in target[length:]:
                if is_reference(value):
                    return None
                value = value[segment]
            return (*placed, *target[length:])
        return None

    # --- resolving ----------------------------------------------------------------------

    def resolve(
        self, ref: str, document: Document, site: Pointer, hops: int = 0
    ) -> tuple[Document, Pointer]:
        """The document and pointer a $ref names, following references met on the way."""
        uri, _, fragment = ref.partition("#")
        try:
            pointer = parse_fragment(fragment)
        except ValueError as exc:
            raise self._error(f"$ref '{ref}': {exc}", document, site) from None
        target_doc = document if uri == "" else self._document(uri, ref, document, site)
        return self._follow(target_doc, pointer, ref, document, site, hops)

    def _follow(
        self,
        target_doc: Document,
        pointer: Pointer,
        ref: str,
        document: Document,
        site: Pointer,
        hops: int,
    ) -> tuple[Document, Pointer]:
        value = target_doc.data
        for depth, segment in enumerate(pointer):
            if is_reference(value):
                if hops >= _MAX_REF_HOPS:
                    raise _RefCycle.at(
                        f"$ref '{ref}' never ends: a $ref cycle",
                        document.index.locate(site),
                        format_path(site),
                    )
                via_doc, via = self.resolve(
                    value["$ref"], target_doc, (*pointer[:depth], "$ref"), hops + 1
                )
                return self._follow(via_doc, via + pointer[depth:], ref, document, site, hops + 1)
            child = _child(value, segment)
            if child is _MISSING:
                where = target_doc.display if target_doc is not document else "this document"
                raise _MissingTarget.at(
                    f"$ref '{ref}' cannot be resolved: {where} has nothing at "
                    f"'{to_fragment(pointer[: depth + 1])}'",
                    document.index.locate(site),
                    format_path(site),
                )
            value = child
        return target_doc, tuple(_normalise(target_doc.data, pointer))

    def _check_alias_chain(
        self, target_doc: Document, target: Pointer, document: Document, site: Pointer
    ) -> None:
        """A $ref to a $ref to ... must end in a value; A -> B -> A is an error."""
        key = (target_doc.key, target)
        if key in self._aliases_checked:
            return
        chain = [(document, site[:-1]), (target_doc, target)]
        value = _value_at(target_doc.data, target)
        while is_reference(value):
            current_doc, current = chain[-1]
            next_doc, following = self.resolve(value["$ref"], current_doc, (*current, "$ref"))
            if any(d.key == next_doc.key and p == following for d, p in chain):
                names = " -> ".join(
                    _describe(d, p, self.root) for d, p in [*chain, (next_doc, following)]
                )
                raise _RefCycle.at(
                    f"$ref cycle: {names} (references that only point at each other)",
                    document.index.locate(site),
                    format_path(site),
                )
            chain.append((next_doc, following))
            value = _value_at(next_doc.data, following)
        self._aliases_checked.update((d.key, p) for d, p in chain)

    @staticmethod
    def _document_key(uri: str, document: Document) -> tuple[str, str]:
        """(identity, display name) of the file or URL a $ref's URI part names."""
        scheme = urlsplit(uri).scheme.lower()
        if scheme in ("http", "https") or (document.remote and not scheme):
            key = urljoin(document.key, uri) if document.remote else uri
            key = key.partition("#")[0]
            return key, key
        if len(scheme) > 1:
            return uri, uri
        relative = unquote(uri)
        key = os.path.normpath(os.path.join(os.path.dirname(document.key), relative))
        display = os.path.normpath(os.path.join(os.path.dirname(document.display), relative))
        return key, display

    def _document(self, uri: str, ref: str, document: Document, site: Pointer) -> Document:
        scheme = urlsplit(uri).scheme.lower()
        if len(scheme) > 1 and scheme not in ("http", "https"):
            raise self._error(
                f"$ref '{ref}': '{scheme}:' references are not supported", document, site
            )
        key, display = self._document_key(uri, document)
        known = self.sources.documents.get(key)
        if known is not None:
            return known
        if key.startswith(("http://", "https://")):
            text = self._fetch_remote(key, ref, document, site)
        else:
            self._check_confined(key, ref, document, site)
            try:
                text = read_text(Path(key), display)
            except SpecLoadError as exc:
                if exc.line is not None:
                    raise
                raise self._error(
                    f"$ref '{ref}' cannot be loaded: {display}: {exc.message}", document, site
                ) from None
        data, index = parse_text(text, display, as_json=looks_like_json(display, text))
        loaded = Document(key, display, data, index)
        self.sources.documents[key] = loaded
        return loaded

    def _check_confined(self, key: str, ref: str, document: Document, site: Pointer) -> None:
        """Local files are read only from inside the spec's folder (or ``ref_root``): specs come
        from vendors and pull requests, and a $ref to /etc/passwd must not print that file.
        Symbolic links are resolved first, so a link inside the folder cannot lead out of it."""
        real = os.path.realpath(key)
        if not any(os.path.commonpath([real, root]) == root for root in self._ref_roots):
            raise self._error(
                f"$ref '{ref}' refused: it points outside the spec's folder "
                f"(allow a wider folder with --ref-root DIR)",
                document,
                site,
            )

    def _fetch_remote(self, url: str, ref: str, document: Document, site: Pointer) -> str:
        if self._fetch is None:
            raise self._error(
                f"remote $ref '{ref}' refused: fetching specs over the network is off "
                "(allow it with --allow-remote / allow_remote=True)",
                document,
                site,
            )
        try:
            return self._fetch(url)
        except SpecLoadError as exc:
            raise self._error(f"$ref '{ref}': {exc.message}", document, site) from None

    @staticmethod
    def _error(message: str, document: Document, site: Pointer) -> SpecLoadError:
        return SpecLoadError.at(message, document.index.locate(site), format_path(site))


_MISSING = object()


class _MissingTarget(SpecLoadError):
    """A $ref whose file was read but holds nothing at the pointer."""


class _RefCycle(SpecLoadError):
    """$refs that only point at each other."""


def _child(value: Any, segment: Segment) -> Any:
    if isinstance(value, dict):
        return value.get(str(segment), _MISSING)
    if isinstance(value, list):
        text = str(segment)
        if text.isdigit() and int(text) < len(value):
            return value[int(text)]
    return _MISSING


def _value_at(data: Any, pointer: Sequence[Segment]) -> Any:
    for segment in pointer:
        data = data[int(segment)] if isinstance(data, list) else data[segment]
    return data


def _normalise(data: Any, pointer: Pointer) -> list[Segment]:
    """Array indexes as ints and keys as strings, so equal places compare equal."""
    result: list[Segment] = []
    for segment in pointer:
        if isinstance(data, list):
            result.append(int(segment))
            data = data[int(segment)]
        else:
            result.append(str(segment))
            data = data[str(segment)]
    return result


def _visit_order(bundled: Pointer, value: dict[str, Any]) -> Any:
    # Shared definitions are visited first so that external content is inlined under
    # components (schemas before the rest), not inside the first operation that uses it.
    if bundled == () and "components" in value:
        return ["components", *(key for key in value if key != "components")]
    if bundled == ("components",) and "schemas" in value:
        return ["schemas", *(key for key in value if key != "schemas")]
    return value


def _describe(document: Document, pointer: Pointer, root: Document) -> str:
    fragment = to_fragment(pointer)
    return fragment if document is root else f"{document.display}{fragment}"
