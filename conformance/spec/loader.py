"""Load an OpenAPI 3.x spec: parse it, bundle its $refs, hash it, and keep every position."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import rfc8785

from conformance.spec.bundling import BrokenRef, Bundler, Document, SourceMap
from conformance.spec.documents import (
    MAX_SPEC_BYTES,
    decode_bytes,
    load_document,
    looks_like_json,
    no_gc_pauses,
    parse_text,
    read_text,
)
from conformance.spec.errors import Location, SpecLoadError
from conformance.spec.pointer import Pointer, Segment, format_path
from conformance.spec.positions import PositionIndex

__all__ = [
    "MAX_SPEC_BYTES",
    "REMOTE_TIMEOUT_SECONDS",
    "BrokenRef",
    "LoadedSpec",
    "Location",
    "PositionIndex",
    "SpecLoadError",
    "canonical_sha256",
    "format_path",
    "load_document",
    "load_spec",
]

REMOTE_TIMEOUT_SECONDS = 10.0
_OPENAPI_3 = re.compile(r"3\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?")


@dataclass
class LoadedSpec:
    path: Path  # the root file as given
    raw: dict[str, Any]  # the root document exactly as written ($refs not resolved)
    bundled: dict[str, Any]  # self-contained: other files inlined, local '#/...' refs kept
    sha256: str  # hex sha256 of the RFC 8785 canonical JSON of `bundled`
    openapi_version: str  # e.g. "3.0.3"; "" when the document has no usable `openapi`
    _sources: SourceMap | None = field(default=None, repr=False, compare=False)
    # $refs that could not be resolved, kept as written (only with broken_refs="keep")
    broken_refs: list[BrokenRef] = field(default_factory=list, repr=False, compare=False)

    @property
    def files(self) -> list[str]:
        """Every file the spec was read from, the root first (as messages name them)."""
        if self._sources is None:
            return [str(self.path)]
        return [document.display for document in self._sources.documents.values()]

    def key_problems(self) -> list[tuple[Pointer, str, Location]]:
        """Keys a JSON-minded parser objects to, in every file read (written as numbers,
        booleans or null, such as an unquoted ``200:``; duplicates, if kept): (pointer of the key
        in its own file, the parser's message, where it is written)."""
        if self._sources is None:
            return []
        found: list[tuple[Pointer, str, Location]] = []
        for document in self._sources.documents.values():
            found += document.index.key_problems()
        return found

    def locate(self, pointer: Sequence[Segment]) -> Location:
        """Where the value at ``pointer`` in ``bundled`` was written (else its nearest ancestor).

        An object or array under a property is placed just after the colon, a scalar or an
        array item where it starts: the positions Spectral reports.
        """
        if self._sources is None:  # built by hand rather than by load_spec
            return Location(str(self.path), 1, 1)
        return self._sources.locate(self._normalise(pointer))

    def locate_key(self, pointer: Sequence[Segment]) -> Location:
        """Where the property name of the last segment of ``pointer`` was written."""
        if self._sources is None:
            return Location(str(self.path), 1, 1)
        return self._sources.locate_key(self._normalise(pointer))

    def _normalise(self, pointer: Sequence[Segment]) -> Pointer:
        # Callers may write array indexes as "0" or 0; the source map stores ints for indexes.
        result: list[Segment] = []
        value: Any = self.bundled
        for segment in pointer:
            if isinstance(value, list) and str(segment).isdigit():
                result.append(int(segment))
                index = int(segment)
                value = value[index] if index < len(value) else None
            else:
                result.append(str(segment))
                value = value.get(str(segment)) if isinstance(value, dict) else None
        return tuple(result)


def load_spec(
    path: str | Path,
    *,
    allow_remote: bool = False,
    require_openapi: bool = True,
    ref_root: str | Path | None = None,
    keep_broken_refs: bool = False,
    keep_duplicate_keys: bool = False,
) -> LoadedSpec:
    """Load, bundle and hash an OpenAPI 3.x spec; any problem raises SpecLoadError.

    ``require_openapi=False`` accepts any mapping at the top (no or another ``openapi`` value),
    for the linter, which reports those as findings instead of refusing the file.
    Local files a $ref names are read only inside the folder of ``path`` (and below it) or
    inside ``ref_root`` if given; anything else is refused. ``keep_broken_refs=True`` keeps a $ref
    that cannot be resolved as written and lists it in ``broken_refs`` instead of refusing the
    spec (the linter reports them as findings); ``keep_duplicate_keys=True`` likewise keeps
    the last of a YAML key written twice in the root file, noted in ``key_problems()``.
    """
    root_path = Path(path)
    display = str(path)
    # One GC pause for the whole load: re-enabling it after every file of a multi-file spec
    # let it walk the growing heap again each time (measured: a quarter of the load time).
    with no_gc_pauses():
        text = read_text(root_path, display)
        data, index = parse_text(
            text,
            display,
            as_json=looks_like_json(display, text),
            allow_duplicates=keep_duplicate_keys,
        )
        root = Document(os.path.abspath(root_path), display, data, index)
        version = _check_openapi(root, require=require_openapi)
        broken: list[BrokenRef] = []
        bundler = Bundler(
            root,
            fetch=_fetch_remote if allow_remote else None,
            ref_root=None if ref_root is None else os.path.abspath(ref_root),
            broken=broken,
        )
        try:
            # Without a $ref (none written, nor one an escape could spell) bundling changes
            # nothing: its walk (seconds for a spec of thousands of paths) is skipped.
            bundled = data if "$ref" not in text and "\\" not in text else bundler.bundle()
            digest = canonical_sha256(bundled, bundler.sources)
        except RecursionError:
            raise SpecLoadError("document is nested too deeply", file=display) from None
    if broken and not keep_broken_refs:
        first = min(
            broken,
            key=lambda ref: (ref.location.file != display, ref.location.line, ref.location.column),
        )
        raise first.error
    return LoadedSpec(
        path=root_path,
        raw=data,
        bundled=bundled,
        sha256=digest,
        openapi_version=version,
        _sources=bundler.sources,
        broken_refs=broken,
    )


def _check_openapi(root: Document, *, require: bool) -> str:
    data = root.data
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise SpecLoadError.at(
            f"not an OpenAPI document: the top level is {kind}, expected a mapping with "
            "'openapi', 'info' and 'paths'",
            Location(root.display, 1, 1),
        )
    version = data.get("openapi")
    if not require:
        return version if isinstance(version, str) else ""
    if version is None:
        if "swagger" in data:
            raise SpecLoadError.at(
                f"Swagger {data['swagger']} (OpenAPI 2) is not supported: convert the spec "
                "to OpenAPI 3.x",
                root.index.locate(("swagger",)),
                "swagger",
            )
        raise SpecLoadError.at(
            "not an OpenAPI document: the 'openapi' field (e.g. openapi: 3.0.3) is missing",
            Location(root.display, 1, 1),
        )
    if not isinstance(version, str):
        raise SpecLoadError.at(
            f"'openapi' must be a version string such as \"3.0.3\" (quote it in YAML), "
            f"found {version!r}",
            root.index.locate(("openapi",)),
            "openapi",
        )
    if not _OPENAPI_3.fullmatch(version):
        raise SpecLoadError.at(
            f"OpenAPI {version} is not supported: expected 3.x (3.0.x or 3.1.x)",
            root.index.locate(("openapi",)),
            "openapi",
        )
    return version


def canonical_sha256(document: Any, sources: SourceMap | None = None) -> str:
    """sha256 of the RFC 8785 (JCS) canonical JSON of ``document``."""
    if _json_writes_it_canonically(document):
        return _fast_sha256(document)
    try:
        return _streamed_sha256(document)
    except rfc8785.CanonicalizationError:
        # JCS numbers are IEEE doubles: integers beyond 2**53 are hashed as the double they
        # are, and infinities or NaN (possible in YAML) are refused with their position.
        return _streamed_sha256(_ints_as_doubles(document, sources))


_JCS_INT = 2**53 - 1  # the integers rfc8785 writes as they are


def _json_writes_it_canonically(document: Any) -> bool:
    """True when the standard library's JSON (keys sorted, no spaces, UTF-8) writes exactly
    the RFC 8785 form of ``document``, at C speed (rfc8785 is pure Python: 10 s for a spec
    of 20,000 paths). That holds for strings, booleans, null and integers JCS keeps as they
    are, in objects whose keys sort the same by code point as by UTF-16 code unit (no key
    beyond the Basic Multilingual Plane). Anything else (a float, whose JCS form differs
    from Python's, a larger integer, another type) goes to rfc8785."""
    stack = [document]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str or kind is bool or value is None:
            continue
        if kind is int:
            if -_JCS_INT <= value <= _JCS_INT:
                continue
            return False
        if kind is dict:
            for key in value:
                if type(key) is not str or (not key.isascii() and max(key) > "\uffff"):
                    return False
            stack.extend(value.values())
        elif kind is list:
            stack.extend(value)
        else:
            return False
    return True


def _fast_sha256(document: Any) -> str:
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    try:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    except UnicodeEncodeError:  # a lone surrogate: rfc8785 refuses it, with its error
        return _streamed_sha256(document)


class _HashSink:
    """Where rfc8785 writes the canonical form: into the hash, a block at a time, so the
    canonical text of a large spec is never held whole."""

    BLOCK = 1 << 16

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self._pending = bytearray()

    def write(self, data: bytes) -> int:
        self._pending += data
        if len(self._pending) >= self.BLOCK:
            self.hash.update(self._pending)
            self._pending.clear()
        return len(data)

    def hexdigest(self) -> str:
        self.hash.update(self._pending)
        self._pending.clear()
        return self.hash.hexdigest()


def _streamed_sha256(document: Any) -> str:
    sink = _HashSink()
    rfc8785.dump(document, cast(IO[bytes], sink))
    return sink.hexdigest()


def _ints_as_doubles(value: Any, sources: SourceMap | None, pointer: Pointer = ()) -> Any:
    if isinstance(value, dict):
        return {k: _ints_as_doubles(v, sources, (*pointer, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints_as_doubles(v, sources, (*pointer, i)) for i, v in enumerate(value)]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > 2**53:
        try:
            return float(value)
        except OverflowError:
            raise _not_json_number(value, pointer, sources) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise _not_json_number(value, pointer, sources)
    return value


def _not_json_number(value: Any, pointer: Pointer, sources: SourceMap | None) -> SpecLoadError:
    message = f"the number {value} cannot be represented in JSON"
    if sources is None:
        return SpecLoadError(message, json_path=format_path(pointer))
    return SpecLoadError.at(message, sources.locate(pointer), format_path(pointer))


REMOTE_REDIRECTS = 5  # a published spec may move; a chain longer than this is a loop


def _fetch_remote(url: str) -> str:
    """A remote spec, read with the harness's limits: its size, the whole answer's time (a
    trickled answer ends too) and, for JSON, its depth."""
    from urllib.parse import urljoin

    from conformance.httplimits import HttpClient

    with HttpClient(timeout=REMOTE_TIMEOUT_SECONDS, max_response_bytes=MAX_SPEC_BYTES) as http:
        address = url
        for _ in range(REMOTE_REDIRECTS + 1):
            exchange = http.send("GET", address)
            response = exchange.response
            if response is None:
                raise SpecLoadError(f"cannot fetch {url}: {exchange.error}")
            location = response.header("location")
            if response.status in (301, 302, 303, 307, 308) and location:
                address = urljoin(address, location)
                continue
            if response.status != 200:
                raise SpecLoadError(f"fetching {url} answered HTTP {response.status}")
            if response.truncated:
                raise SpecLoadError(
                    f"{url} is larger than the {MAX_SPEC_BYTES // 1_048_576} MB a spec may be"
                )
            return decode_bytes(response.body, url)
    raise SpecLoadError(f"fetching {url}: more than {REMOTE_REDIRECTS} redirects")
