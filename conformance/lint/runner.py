"""Run the rules of an ADR version over a document and turn their hits into findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import conformance.lint.rules  # noqa: F401  (registers the rules)
from conformance.lint.context import LintContext
from conformance.lint.findings import Finding
from conformance.lint.registry import RULES, Rule
from conformance.lint.resolve import Pointer, forget_followed, origin_of
from conformance.lint.versions import DEFAULT_ADR_VERSION
from conformance.spec.errors import Location
from conformance.spec.pointer import format_path, to_fragment

if TYPE_CHECKING:
    from conformance.spec.loader import LoadedSpec


Locate = Callable[[Sequence[str | int]], Location]


class LintStopped(Exception):
    """Linting was stopped before it had gone through every rule (see ``lint_spec``)."""


def lint_spec(
    spec: LoadedSpec,
    *,
    adr_version: str = DEFAULT_ADR_VERSION,
    rules: Iterable[Rule] | None = None,
    extras: bool = False,
    stopped: Callable[[], bool] | None = None,
) -> list[Finding]:
    """Lint a loaded spec (its bundled document); findings point into the files it came from.

    By default the rules of the official ruleset only (an ADR verdict); ``extras=True`` adds
    our own rules (``gdi:*``), whose findings say ``extra``. ``stopped`` (a run's time budget)
    is asked between findings: once it says yes, ``LintStopped`` is raised.
    """
    return lint_document(
        spec.bundled,
        adr_version=adr_version,
        file=str(spec.path),
        locate=spec.locate,
        locate_key=spec.locate_key,
        rules=rules,
        extras=extras,
        spec=spec,
        stopped=stopped,
    )


def lint_document(
    document: Any,
    *,
    adr_version: str = DEFAULT_ADR_VERSION,
    file: str = "<document>",
    locate: Locate | None = None,
    locate_key: Locate | None = None,
    rules: Iterable[Rule] | None = None,
    extras: bool = False,
    spec: LoadedSpec | None = None,
    stopped: Callable[[], bool] | None = None,
) -> list[Finding]:
    """Lint a plain JSON-compatible document.

    ``locate``/``locate_key`` map a pointer to the position of its value/key; without them
    every finding is placed at line 1, column 1 of ``file``. ``rules`` (if given) is run as is;
    otherwise the rules of ``adr_version``, with our own only if ``extras``.
    """
    if rules is None:
        selected = [r for r in RULES.for_version(adr_version) if extras or not r.extra]
    else:
        selected = list(rules)
    forget_followed()
    try:
        return _run(document, adr_version, file, locate, locate_key, selected, spec, stopped)
    finally:
        forget_followed()


def _run(
    document: Any,
    adr_version: str,
    file: str,
    locate: Locate | None,
    locate_key: Locate | None,
    selected: list[Rule],
    spec: LoadedSpec | None,
    stopped: Callable[[], bool] | None = None,
) -> list[Finding]:
    ctx = LintContext(document, adr_version, spec)
    findings: list[Finding] = []
    seen: set[tuple[str, Pointer, str]] = set()
    for rule in selected:
        if stopped is not None and stopped():
            raise LintStopped
        default = rule.severity_for(adr_version)
        if default is None or (rule.needs_openapi3 and not ctx.is_openapi3):
            continue
        if rule.needs_openapi and not (ctx.is_openapi3 or ctx.is_openapi2):
            continue
        for hit in rule.check(ctx):
            if stopped is not None and stopped():
                raise LintStopped
            pointer = hit.pointer if hit.location else origin_of(document, hit.pointer)
            fingerprint = (rule.id, pointer, hit.message)
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            use_key = hit.at_key and pointer == hit.pointer and locate_key is not None
            where = (locate_key if use_key else locate) if locate is not None else None
            position = hit.location or (where(pointer) if where is not None else None)
            findings.append(
                Finding(
                    rule=rule.id,
                    adr=rule.adr,
                    severity=hit.severity or default,
                    path=format_path(pointer),
                    pointer=to_fragment(pointer)[1:],
                    file=position.file if position is not None else file,
                    line=position.line if position is not None else 1,
                    column=position.column if position is not None else 1,
                    message=hit.message,
                    extra=rule.extra,
                )
            )
    findings.sort(key=Finding.sort_key)
    return findings
