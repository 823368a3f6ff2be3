"""Behaviour of paging on ``POST /personen``: the pages add up, in a stable order.

Every page's metadata and links are judged against the count of one large page, and the pages
together must hold every match once, in the documented order (burgerservicenummer ascending).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.client.reply import Reply
from conformance.engine.behaviour.base import (
    Disagreement,
    Session,
    behaviour_check,
    disagree_if,
    expect_status,
)
from conformance.engine.behaviour.explore import explore
from conformance.engine.behaviour.paging import page_of_link
from conformance.engine.behaviour.registries_data import (
    BY_ADDRESS,
    BY_BSN,
    MAX_PAGE_SIZE,
    MAX_PAGES,
    QUERY,
    all_matches,
    persons_of,
    query,
    snapshot,
    total_pages,
)
from conformance.engine.behaviour.registries_queries import Person, Query


def link_problems(reply: Reply, page: int, size: int, pages: int) -> list[str]:
    links = reply.member("_links")
    if not isinstance(links, dict):
        return ["_links is missing"]
    expected: dict[str, int | None] = {
        "self": page,
        "first": 1,
        "last": max(pages, 1),
        "prev": page - 1 if 1 < page <= pages else None,
        "next": page + 1 if page < pages else None,
    }
    problems = []
    for name, target in expected.items():
        link = links.get(name)
        if target is None:
            if link is not None and name == "next":
                problems.append("a next link on the last page")
            continue
        if not isinstance(link, dict):
            problems.append(f"no {name} link")
        elif page_of_link(link.get("href")) != (target, size):
            problems.append(
                f"the {name} link {link.get('href')!r} is not page {target} of size {size}"
            )
    return problems


def page_problems(reply: Reply, page: int, size: int, total: int) -> list[str]:
    meta = reply.member("page")
    if not isinstance(meta, dict):
        return ["page metadata is missing"]
    pages = total_pages(total, size)
    problems = []
    for name, value in (
        ("number", page),
        ("size", size),
        ("totalElements", total),
        ("totalPages", pages),
    ):
        if meta.get(name) != value:
            problems.append(f"page.{name} is {meta.get(name)!r}, expected {value}")
    count = len(persons_of(reply))
    wanted = max(min(size, total - (page - 1) * size), 0)
    if count != wanted:
        problems.append(f"page {page} holds {count} persons, expected {wanted}")
    return problems + link_problems(reply, page, size, pages)


@behaviour_check("bb:registries:pagination")
def pagination(session: Session) -> None:
    bodies = _paged_queries(snapshot(session, ["verblijfplaats"]))
    for page, size in ((0, None), (None, 0), (None, MAX_PAGE_SIZE + 1)):
        reply = query(session, bodies[0], page=page, page_size=size)
        given = f"page={page}" if page is not None else f"pageSize={size}"
        expect_status(
            reply, 400, "Out-of-range paging accepted", f"{given} is out of range", operation=QUERY
        )
        session.findings.passed(QUERY, reply)

    def scenario(drawn: tuple[Query, int]) -> None:
        body, size = drawn
        reference, large = all_matches(session, body)
        order = [str(person.get("burgerservicenummer")) for person in reference]
        if order != sorted(order):
            raise Disagreement(
                "Results not in the documented order",
                f"{body['type']}: not ordered by burgerservicenummer ascending: {order}.",
                large,
                operation=QUERY,
            )
        seen, reply = _read_pages(session, body, size, len(order))
        if seen != order:
            raise Disagreement(
                "The pages together do not hold every match exactly once, in order",
                f"pageSize={size}: pages gave {seen}, one large page gave {order}.",
                reply,
                operation=QUERY,
            )
        again = query(session, body, page=1, page_size=size)
        first = [str(person.get("burgerservicenummer")) for person in persons_of(again)]
        if first != order[:size]:
            raise Disagreement(
                "The order is not stable",
                f"Page 1 of size {size} gave {first} when asked again, before {order[:size]}.",
                again,
                operation=QUERY,
            )
        session.findings.passed(QUERY, again)

    cases = [(body, size) for body in bodies for size in (1, 3)]
    explore(session, st.tuples(st.sampled_from(bodies), st.integers(1, 25)), scenario, cases=cases)


def _paged_queries(held: dict[str, Person]) -> list[Query]:
    """A query by BSN for up to 20 persons and one by the address where most of them live."""
    numbers = sorted(held)[:20]
    by_address: dict[tuple[Any, Any], int] = {}
    for person in held.values():
        address = person.get("verblijfplaats") or {}
        key = (address.get("postcode"), address.get("huisnummer"))
        by_address[key] = by_address.get(key, 0) + 1
    (postcode, number), _ = max(by_address.items(), key=lambda item: item[1])
    return [
        {"type": BY_BSN, "burgerservicenummer": numbers, "fields": ["burgerservicenummer"]},
        {
            "type": BY_ADDRESS,
            "postcode": postcode,
            "huisnummer": number,
            "fields": ["burgerservicenummer"],
        },
    ]


def _read_pages(session: Session, body: Query, size: int, total: int) -> tuple[list[str], Reply]:
    """Every page in turn (one past the last), each checked; the BSNs seen and the last reply."""
    seen: list[str] = []
    pages = total_pages(total, size)
    for page in range(1, min(pages, MAX_PAGES) + 2):  # one past the last: an empty page
        reply = query(session, body, page=page, page_size=size)
        expect_status(
            reply,
            200,
            "A page was refused",
            f"page {page} of size {size} is in range",
            operation=QUERY,
        )
        problems = page_problems(reply, page, size, total)
        disagree_if(
            problems,
            "Page metadata or content does not add up",
            f"{body['type']} with pageSize={size}, page {page}",
            reply,
            operation=QUERY,
        )
        seen += [str(person.get("burgerservicenummer")) for person in persons_of(reply)]
    return seen, reply
