"""One check catalogue: every check declared once (id, kind, what it applies to, precondition,
order); profiles name only declared checks; implementations bind to declared ids."""

from __future__ import annotations

import pytest
import schemathesis
import schemathesis.specs.openapi.checks

from conformance.engine.catalogue import (
    CATALOGUE,
    CHECK_MODULES,
    Catalogue,
    CheckDef,
    Kind,
    load_checks,
)
from conformance.engine.profile import generic_profile
from conformance.engine.verdict.facts import RECORDED
from conformance.spec.catalog import list_blocks


def test_every_profile_names_only_declared_checks() -> None:
    catalogue = load_checks()
    entries = list_blocks(known_checks=catalogue.ids)
    assert {entry.block for entry in entries} == {"identity", "messaging", "registries"}
    assert [warning for entry in entries for warning in entry.warnings] == []
    assert generic_profile().check_ids <= catalogue.ids


def test_every_declared_check_is_carried_out() -> None:
    catalogue = load_checks()
    names = set(schemathesis.checks.CHECKS.get_all_names())
    for check in catalogue:
        assert check.applies_to and check.precondition.describe and check.precondition.missing
        if check.kind is Kind.SCHEMATHESIS:
            assert check.schemathesis_name in names, check.id
        elif check.kind is Kind.RESPONSE:
            assert f"gdi_{check.id.replace(':', '_').replace('-', '_')}" in names, check.id
        else:
            assert catalogue.bound(check.id) is not None, check.id
        if check.active_order is not None:  # a per-response check with requests of its own
            assert catalogue.bound(check.id) is not None, check.id


def test_the_run_order_is_declared_not_imported() -> None:
    order = [bound.check.id for bound in load_checks().active()]
    assert order[:6] == [
        "adr:pagination",
        "adr:no-trailing-slash",
        "adr:http-methods-405",
        "adr:publish-openapi",
        "adr:no-sensitive-uris",
        "lint:adr",
    ]
    behaviour = [index for index, check in enumerate(order) if check.startswith("bb:")]
    security = [index for index, check in enumerate(order) if check.startswith("sec:")]
    availability = order.index("api:ensure_resource_availability")
    assert max(behaviour) < availability < min(security)
    assert [bound.order for bound in load_checks().active()] == sorted(
        bound.order for bound in load_checks().active()
    )
    assert CHECK_MODULES[0] == "conformance.engine.checks.responses"


def test_a_check_is_declared_once_and_bound_only_when_declared() -> None:
    catalogue = Catalogue()
    catalogue.declare(CheckDef("adr:example", Kind.ACTIVE, "everything", RECORDED, 1))
    with pytest.raises(ValueError, match="declared twice"):
        catalogue.declare(CheckDef("adr:example", Kind.ACTIVE, "everything", RECORDED, 2))
    with pytest.raises(ValueError, match="not declared in the catalogue"):
        catalogue.bind("adr:typo", lambda ctx: [])
    catalogue.bind("adr:example", lambda ctx: [])
    assert [bound.check.id for bound in catalogue.active()] == ["adr:example"]
    # A vendor's check (another namespace), plugged in at run time, is declared when bound.
    catalogue.bind("acme:extra", lambda ctx: [])
    assert catalogue.get("acme:extra") is not None


def test_vendor_independent_checks_are_the_static_ones() -> None:
    static = [check.id for check in load_checks() if check.vendor_independent]
    assert static == ["lint:adr"]
    assert CATALOGUE.get("lint:adr") is not None
