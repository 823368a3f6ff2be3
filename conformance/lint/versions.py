"""Which ADR version a rule belongs to, and why the versions differ.

``--adr 2.2`` (the default) is exactly the official ruleset of ADR 2.2 (``data/linter.yaml``)
plus our extras. Older versions are modelled from the rule text of each version and the public
history of the standard (Logius-standaarden/API-Design-Rules):

* ADR 2.1 differs from 2.0 in one normative change: ``/core/doc-openapi-contact`` (info.contact
  with name, url and email). The 2.1 release was scaled back to that change alone (issue #228,
  May 2025; also the developer.overheid.nl ADR status update of April 2025).
* ADR 2.2 adds ``/core/path-segments-kebab-case`` and ``/core/query-keys-camel-case`` (the naming
  conventions, PR #158 "for a future version"), ``/core/error-handling/problem-details`` and
  ``/core/error-handling/invalid-input`` (PRs #251/#313), and the ``/core/date-time/*`` rules
  (PR #285). Their linter rules exist only from 2.2 on.
* ADR 2.2 also switched the ruleset from ``extends: spectral:oas`` (every Spectral OAS rule at its
  own default severity) to a chosen set of OAS rules at ``error`` (PR #325: "only 2.1 will not
  have this change"). Of the OAS rules we implement, the default severity differs from ``error``
  only for ``path-keys-no-trailing-slash`` and ``info-contact`` (both ``warn`` in spectral:oas);
  2.1's own ruleset raised ``info-contact`` and ``oas3-api-servers`` to ``error``. So in 2.0 and
  2.1 ``path-keys-no-trailing-slash`` is a warning, and ``info-contact`` is a warning in 2.0.

What we do not model: the purely stylistic spectral:oas rules that 2.0/2.1 switched on with
``extends: spectral:oas`` (operation-tags, info-description, ...), because they are no ADR rule;
and the historical linter's convention warnings for rules that did not yet exist in the text.
The linter-only conventions without any ADR rule (schema and property casing, https servers) are
kept in every version, as the official ruleset has carried them all along.
"""

from __future__ import annotations

ADR_VERSIONS: tuple[str, ...] = ("2.0", "2.1", "2.2")
DEFAULT_ADR_VERSION = "2.2"

SINCE_2_0: tuple[str, ...] = ("2.0", "2.1", "2.2")
SINCE_2_1: tuple[str, ...] = ("2.1", "2.2")
SINCE_2_2: tuple[str, ...] = ("2.2",)
