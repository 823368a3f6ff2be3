"""A small registry of rules: a decorator records each rule with the ADR clause it proves.

Every rule is a plain function ``check(ctx) -> Iterable[Hit]``. What the registry adds is the
metadata a report needs to be traceable: the rule id (``nlgov:semver``), the ADR rule id
(``/core/semver``), the severity, and the ADR versions the rule belongs to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from conformance.lint.findings import Severity
from conformance.lint.versions import ADR_VERSIONS

if TYPE_CHECKING:
    from conformance.lint.context import LintContext
    from conformance.spec.errors import Location

Pointer = tuple[str | int, ...]
# official: the nlgov: rules of the official ruleset; spectral:oas: the OpenAPI rules it switches
# on; spectral: what Spectral itself reports whatever the ruleset (unresolvable $refs, keys its
# parser refuses); extra: our own rules, beyond the ruleset, in the EXTRA_PREFIX namespace.
Origin = Literal["official", "spectral:oas", "spectral", "extra"]
EXTRA_PREFIX = "gdi:"


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule's raw result: where (a pointer into the resolved document) and what.

    ``at_key`` points the location at the property name rather than its value (for rules about
    keys, such as path names). ``pointer`` is mapped to where the node is written before it is
    reported, the way Spectral reports the target of a ``$ref`` rather than the place using it.
    """

    pointer: Pointer
    message: str
    at_key: bool = False
    severity: Severity | None = None  # None: the rule's severity for the ADR version
    # Where it is written, when the pointer is not one into the bundled document (a key in
    # another file of the spec); the pointer is then only used for the printed path.
    location: Location | None = None


Check = Callable[["LintContext"], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    adr: str | None
    description: str
    check: Check
    severities: Mapping[str, Severity]  # ADR version -> severity; a missing version = not in it
    origin: Origin
    # spectral:oas rules only run on documents Spectral recognises as OpenAPI (2 or 3), some
    # only on OpenAPI 3.x.
    needs_openapi: bool = False
    needs_openapi3: bool = False

    def severity_for(self, adr_version: str) -> Severity | None:
        return self.severities.get(adr_version)

    @property
    def extra(self) -> bool:
        """One of our own rules, not of the official ruleset: no part of an ADR verdict."""
        return self.origin == "extra"


@dataclass
class Registry:
    """Rules by id, in registration order (which is also the order they run in)."""

    _rules: dict[str, Rule] = field(default_factory=dict)

    def add(self, rule: Rule) -> Rule:
        if rule.id in self._rules:
            raise ValueError(f"rule {rule.id} registered twice")
        unknown = set(rule.severities) - set(ADR_VERSIONS)
        if unknown:
            raise ValueError(f"rule {rule.id}: unknown ADR versions {sorted(unknown)}")
        self._rules[rule.id] = rule
        return rule

    def get(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def for_version(self, adr_version: str) -> list[Rule]:
        if adr_version not in ADR_VERSIONS:
            raise ValueError(
                f"unknown ADR version {adr_version!r}; known: {', '.join(ADR_VERSIONS)}"
            )
        return [rule for rule in self._rules.values() if adr_version in rule.severities]


RULES = Registry()


def rule(
    rule_id: str,
    *,
    adr: str | None,
    severity: str,
    description: str,
    origin: Origin = "official",
    versions: Iterable[str] = ADR_VERSIONS,
    overrides: Mapping[str, str] | None = None,
    needs_openapi: bool = False,
    needs_openapi3: bool = False,
) -> Callable[[Check], Check]:
    """Register ``check`` as rule ``rule_id``.

    ``severity`` applies to every version in ``versions``; ``overrides`` gives a different
    severity for particular ADR versions (see conformance/lint/versions.py for why they differ).
    """

    if (origin == "extra") != rule_id.startswith(EXTRA_PREFIX):
        raise ValueError(f"rule {rule_id}: our own rules, and only they, are named {EXTRA_PREFIX}*")

    def register(check: Check) -> Check:
        severities = {version: Severity.parse(severity) for version in versions}
        for version, level in (overrides or {}).items():
            severities[version] = Severity.parse(level)
        RULES.add(
            Rule(
                id=rule_id,
                adr=adr,
                description=description,
                check=check,
                severities=severities,
                origin=origin,
                needs_openapi=needs_openapi,
                needs_openapi3=needs_openapi3,
            )
        )
        return check

    return register
