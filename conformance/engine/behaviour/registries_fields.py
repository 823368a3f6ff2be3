"""Behaviour of field selection on ``POST /personen``: exactly the selected fields come back,
and an unknown field path is a 400 that names the offending entry.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.engine.behaviour.base import (
    Disagreement,
    Session,
    behaviour_check,
    disagree_if,
    expect_status,
)
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.registries_data import (
    BY_ADDRESS,
    BY_BSN,
    BY_NAME,
    QUERY,
    field_path,
    field_paths,
    is_related,
    is_selected,
    leaves,
    persons_of,
    query,
    snapshot,
    test_persons,
    top_level_groups,
)
from conformance.engine.behaviour.registries_queries import Person, Query


def selection_problems(full: Person, returned: Person, selected: list[str]) -> list[str]:
    problems = []
    full_leaves = dict(leaves(full))
    got = dict(leaves(returned))
    for path, value in got.items():
        if not path:  # an empty person: none of the selected fields is held for them
            continue
        name = field_path(path)
        empty = value == [] or value == {}
        if (empty and not is_related(name, selected)) or (
            not empty and not is_selected(name, selected)
        ):
            problems.append(f"{name} came back but was not asked for")
        elif not empty and full_leaves.get(path) != value:
            problems.append(f"{name} differs from the same person queried with every field")
    for path, value in full_leaves.items():
        name = field_path(path)
        if value not in ([], {}) and is_selected(name, selected) and path not in got:
            problems.append(f"{name} was asked for and is held, but did not come back")
    return sorted(set(problems))


@behaviour_check("bb:registries:fields-selection")
def fields_selection(session: Session) -> None:
    paths = field_paths(session.ctx.document)
    groups = top_level_groups(paths)
    full = snapshot(session, groups)

    def scenario(drawn: tuple[list[str], str]) -> None:
        selected, bsn = drawn
        body = {"type": BY_BSN, "burgerservicenummer": [bsn], "fields": selected}
        reply = query(session, body)
        expect_status(
            reply,
            200,
            "Field selection refused",
            "every path is a known field path",
            operation=QUERY,
        )
        persons = persons_of(reply)
        if len(persons) != 1:
            raise Disagreement(
                "A BSN query with a field selection does not return the one person",
                f"{reply.describe()} with {len(persons)} persons for one held BSN.",
                reply,
                operation=QUERY,
            )
        problems = selection_problems(full[bsn], persons[0], selected)
        disagree_if(
            problems,
            "The answer does not hold exactly the selected fields",
            f"fields={selected} for {bsn}",
            reply,
            operation=QUERY,
        )
        session.findings.passed(QUERY, reply)

    strategy = st.tuples(
        st.lists(st.sampled_from(paths), min_size=1, max_size=6, unique=True),
        st.sampled_from(sorted(full)),
    )
    parent = next((bsn for bsn, person in full.items() if person.get("kinderen")), sorted(full)[0])
    telling = [["naam.voornamen"], ["geslacht.code"], ["verblijfplaatsHistorie"], ["kinderen.naam"]]
    cases = [(selected, parent) for selected in telling if set(selected) <= set(paths)]
    explore(session, strategy, scenario, cases=cases)


_NEAR_MISSES = [
    "naam.bijnaam",
    "Naam",
    "naam.",
    ".naam",
    "naam..voornamen",
    "burgerservicenummer.nummer",
    "verblijfplaats.huisnummer.x",
    "kinderen.kinderen",
    "*",
    "naam.geslachtsnaam ",
    "bsn",
]


def _names_the_entry(problem: Any, index: int | None) -> bool:
    params = problem.get("invalidParams") if isinstance(problem, dict) else None
    if not isinstance(params, list):
        return False
    accepted = {"fields", "/fields", "body.fields"}
    if index is not None:
        accepted = {f"fields[{index}]", f"fields.{index}", f"fields/{index}", f"/fields/{index}"}
    return any(isinstance(item, dict) and item.get("name") in accepted for item in params)


@behaviour_check("bb:registries:unknown-field-400")
def unknown_field_400(session: Session) -> None:
    paths = field_paths(session.ctx.document)
    person = test_persons()[0]
    criteria: list[Query] = [
        {"type": BY_BSN, "burgerservicenummer": [person.bsn]},
        {
            "type": BY_NAME,
            "geslachtsnaam": person.geslachtsnaam,
            "geboortedatum": person.geboortedatum,
        },
        {"type": BY_ADDRESS, "postcode": "3511AB", "huisnummer": 12},
    ]
    unknown = st.one_of(
        st.sampled_from(_NEAR_MISSES),
        st.from_regex(r"[a-zA-Z.]{1,30}", fullmatch=True).filter(lambda text: text not in paths),
    )
    invalid_fields: st.SearchStrategy[tuple[list[str] | None, int | None]] = st.one_of(
        st.tuples(
            st.lists(st.sampled_from(paths), max_size=4, unique=True), unknown, st.integers(0, 4)
        ).map(lambda drawn: _with_unknown(*drawn)),
        st.just((None, None)),  # no fields at all
        st.just(([], None)),  # an empty selection
    )

    def scenario(drawn: tuple[Query, tuple[list[str] | None, int | None]]) -> None:
        base, (fields, index) = drawn
        body = dict(base)
        if fields is not None:
            body["fields"] = fields
        reply = query(session, body)
        what = "no fields" if fields is None else f"fields={fields}"
        expect_status(
            reply,
            400,
            "Invalid field selection accepted",
            f"{what} is invalid input",
            operation=QUERY,
        )
        if reply.media_type != "application/problem+json" or not _names_the_entry(
            reply.json(), index
        ):
            at = "fields" if index is None else f"fields[{index}]"
            raise Disagreement(
                "The 400 does not name the offending fields entry",
                f"{reply.describe()} for {what}, but no invalidParams entry names {at}.",
                reply,
                operation=QUERY,
            )
        session.findings.passed(QUERY, reply)

    cases: list[tuple[Query, tuple[list[str] | None, int | None]]] = [
        (criteria[0], (None, None)),
        (criteria[1], ([], None)),
        (criteria[2], (["naam", "naam.bijnaam"], 1)),
        (criteria[0], (["bsn"], 0)),
    ]
    strategy = st.tuples(st.sampled_from(criteria), invalid_fields)
    explore(session, strategy, scenario, cases=cases)


def _with_unknown(known: list[str], entry: str, index: int) -> tuple[list[str], int]:
    position = min(index, len(known))
    return [*known[:position], entry, *known[position:]], position
