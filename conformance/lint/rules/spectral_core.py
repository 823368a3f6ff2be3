"""What Spectral reports for any document, whatever the ruleset: $refs it cannot resolve
(``invalid-ref``) and mapping keys its YAML parser refuses (``parser``).

Both come from loading the spec: the loader keeps unresolvable $refs as written (the rest of the
document is still linted) and notes keys written as numbers, booleans or null.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.lint.context import LintContext
from conformance.lint.registry import Hit, rule


@rule(
    "invalid-ref",
    adr="/core/doc-openapi",
    severity="error",
    origin="spectral",
    description="A $ref that cannot be resolved.",
)
def invalid_ref(ctx: LintContext) -> Iterator[Hit]:
    if ctx.spec is None:
        return
    # Spectral's resolver reports a target once, at the first place (in document order) that
    # refers to it; $refs that only point at each other it leaves as they are, unreported.
    root = str(ctx.spec.path)
    seen: set[str] = set()
    for ref in sorted(
        (ref for ref in ctx.spec.broken_refs if not ref.cycle),
        key=lambda b: (b.location.file != root, b.location.line, b.location.column),
    ):
        if ref.target in seen:
            continue
        seen.add(ref.target)
        message = f"'{ref.ref}' does not exist" if ref.missing else ref.message
        yield Hit(ref.pointer, message, location=ref.location)


@rule(
    "parser",
    adr="/core/doc-openapi",
    severity="error",
    origin="spectral",
    description="Mapping keys are strings, written once (quote response codes such as '200').",
)
def parser(ctx: LintContext) -> Iterator[Hit]:
    if ctx.spec is None:
        return
    for pointer, message, location in ctx.spec.key_problems():
        yield Hit(pointer, message, location=location)
