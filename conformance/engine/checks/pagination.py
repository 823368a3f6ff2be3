"""adr:pagination: paged collections behave as the ADR pagination module describes.

For every operation that pages (``conformance.engine.openapi.paging``), with a request the
spec calls valid and a small page size so that there are several pages to walk:

- page size: a page never holds more items than asked for, and a stated page number and size
  are the ones asked for;
- totals: a stated number of items (and of pages) agrees with the items of the first page
  and with what walking all pages finds;
- stable order: the same request twice gives the same items in the same order;
- walk: following the pages to the end (at most ``MAX_PAGES`` requests) finds no item twice,
  loses none (the walk holds as many items as the total says, and as a single large page);
- out of range: a page past the last (or an unknown cursor) is an empty page or a 4xx that the
  spec declares for the operation, never items, a 5xx or an undeclared status.

A collection the run's subject may not read (401/403) is not judged; one that cannot be read
for another reason (no valid request in the spec, an error status) is an error of the check.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from conformance.client.credentials import PRIMARY
from conformance.engine import catalogue
from conformance.engine.checks.active import ActiveContext, Observation, active_check
from conformance.engine.checks.creation import Follower, creation_request
from conformance.engine.openapi.operations import OperationInfo
from conformance.engine.openapi.paging import (
    PAGE_NUMBER,
    PAGE_SIZE,
    TOTAL_ITEMS,
    TOTAL_PAGES,
    PagedOperation,
    identity,
    next_cursor,
    page_items,
    paged_operations,
    stated_number,
)
from conformance.httplimits import Exchange
from conformance.results import Outcome

MAX_PAGES = 20  # requests one walk may send
SMALL_PAGE = 2  # the page size asked for first: small, so even short collections have pages
UNKNOWN_CURSOR = "gdi-conformance-unknown-cursor"


@dataclass(slots=True)
class Page:
    exchange: Exchange
    body: Any = None
    items: list[Any] | None = None
    problem: str | None = None  # why this is not a page of items


class Pager:
    """Sends the requests of one paged operation and reads the pages it answers."""

    def __init__(self, ctx: ActiveContext, paged: PagedOperation) -> None:
        self.ctx = ctx
        self.paged = paged

    def fetch(self, page: int | str | None, size: int) -> Page:
        paged = self.paged
        query = [*paged.query, (paged.size_param, str(size))]
        if page is not None:
            query.append((paged.page_param, str(page)))
        url = self.ctx.url(paged.path) + "?" + urlencode(query)
        headers = {"Accept": "application/json", **self.ctx.credentials(PRIMARY)}
        if paged.content_type:
            headers["Content-Type"] = paged.content_type
        exchange = self.ctx.http.send(paged.operation.method, url, headers=headers, body=paged.body)
        result = Page(exchange)
        response = exchange.response
        if response is None:
            result.problem = f"{paged.operation.method} {url}: {exchange.error}"
            return result
        try:
            result.body = json.loads(response.body) if response.body else None
        except ValueError:
            result.body = None
        if 200 <= response.status < 300:
            result.items = page_items(result.body, paged.items_path)
            if result.items is None:
                result.problem = f"the {response.status} answer holds no list of items"
        else:
            result.problem = f"it answered {response.status}"
        return result

    def cursor_of(self, page: Page) -> str | None:
        response = page.exchange.response
        link = response.header("link") if response else None
        return next_cursor(page.body, self.paged.page_param, link)

    def first(self, size: int) -> Page:
        return self.fetch(1 if self.paged.style == "page" else None, size)


def _observe(
    paged: PagedOperation, page: Page, title: str, issue: str | None, what: str
) -> Observation:
    return Observation(
        check=catalogue.PAGINATION,
        outcome=Outcome.FAILED if issue else Outcome.PASSED,
        title=title if issue else "",
        message=f"{what}: {issue}" if issue else "",
        operation=paged.operation,
        exchange=page.exchange,
        subject=PRIMARY,
    )


def _size_issue(page: Page, size: int, number: int | None) -> str | None:
    assert page.items is not None
    if len(page.items) > size:
        return f"asked for {size} items per page, got {len(page.items)}"
    stated_size = stated_number(page.body, PAGE_SIZE)
    if stated_size is not None and stated_size != size:
        return f"asked for {size} items per page, the page says its size is {stated_size}"
    stated_page = stated_number(page.body, PAGE_NUMBER)
    if number is not None and stated_page is not None and stated_page != number:
        return f"asked for page {number}, the page says it is page {stated_page}"
    return None


def _totals_issue(page: Page, size: int) -> str | None:
    assert page.items is not None
    total = stated_number(page.body, TOTAL_ITEMS)
    if total is None:
        return None
    expected = min(total, size)
    if len(page.items) != expected:
        held = len(page.items)
        return f"the collection has {total} items, yet the first page of {size} holds {held}"
    pages = stated_number(page.body, TOTAL_PAGES)
    wanted = math.ceil(total / size)
    if pages is not None and pages != wanted and not (total == 0 and pages == 1):
        return f"{total} items in pages of {size} make {wanted} pages, the page says {pages}"
    return None


@dataclass(slots=True)
class Walk:
    first: Page
    size: int
    seen: list[str]
    last: Page
    complete: bool  # reached the end within MAX_PAGES
    pages: int
    problem: str | None = None


def _walk(pager: Pager, first: Page, size: int) -> Walk:
    assert first.items is not None
    seen = [identity(item) for item in first.items]
    page, number = first, 1
    total_pages = stated_number(first.body, TOTAL_PAGES)
    while number < MAX_PAGES:
        assert page.items is not None
        if pager.paged.style == "page":
            if len(page.items) < size or (total_pages is not None and number >= total_pages):
                return Walk(first, size, seen, page, True, number)
            number += 1
            page = pager.fetch(number, size)
        else:
            cursor = pager.cursor_of(page)
            if cursor is None:
                return Walk(first, size, seen, page, True, number)
            number += 1
            page = pager.fetch(cursor, size)
        if page.items is None:
            return Walk(first, size, seen, page, False, number, f"page {number}: {page.problem}")
        if not page.items:
            return Walk(first, size, seen, page, True, number)
        seen += [identity(item) for item in page.items]
    return Walk(first, size, seen, page, False, number)


LOST_OR_REPEATED = "Items lost or repeated across pages"
TOTALS_DISAGREE = "Totals disagree with the items"


def _walk_issue(walk: Walk, pager: Pager) -> tuple[str, str] | None:
    """(title, issue) of what walking the pages showed wrong, if anything."""
    duplicates = sorted({key for key in walk.seen if walk.seen.count(key) > 1})
    if duplicates:
        return LOST_OR_REPEATED, (
            f"walking the pages met {len(duplicates)} item(s) twice, e.g. {duplicates[0][:80]}"
        )
    if not walk.complete:
        return None  # no end within the bound: nothing can be said about lost items
    total = stated_number(walk.first.body, TOTAL_ITEMS)
    if total is not None and len(walk.seen) != total:
        return TOTALS_DISAGREE, (
            f"the pages together hold {len(walk.seen)} items, the collection says {total}"
        )
    max_size = pager.paged.max_size
    if max_size is not None and len(walk.seen) < max_size:
        whole = pager.first(max_size)
        if whole.items is not None:
            lost = [key for key in map(identity, whole.items) if key not in walk.seen]
            if lost:
                return LOST_OR_REPEATED, (
                    f"{len(lost)} item(s) of one page of {max_size} never appear when walking "
                    f"pages, e.g. {lost[0][:80]}"
                )
    return None


def _beyond(pager: Pager, walk: Walk) -> tuple[int | str, str] | None:
    """What to ask for as a page past the last, and how to name it; None if unknown."""
    paged = pager.paged
    if paged.style == "cursor":
        return UNKNOWN_CURSOR, "an unknown cursor"
    last = walk.pages if walk.complete else stated_number(walk.first.body, TOTAL_PAGES)
    if last is None:
        return None
    beyond = last + 1
    if paged.max_page is not None and beyond > paged.max_page:
        return None  # the spec allows no page number past the last
    return beyond, f"page {beyond} (past the last)"


def _out_of_range(pager: Pager, walk: Walk) -> tuple[Page, str | None] | None:
    target = _beyond(pager, walk)
    if target is None:
        return None
    beyond, what = target
    paged = pager.paged
    page = pager.fetch(beyond, walk.size)
    response = page.exchange.response
    if response is None:
        return page, None
    if page.items is not None:
        issue = f"{what} answered {len(page.items)} item(s)" if page.items else None
        return page, issue
    status = str(response.status)
    if response.status >= 500:
        return page, f"{what} answered {status}"
    declared = status in paged.declared or f"{status[0]}XX" in paged.declared
    if 400 <= response.status < 500 and declared:
        return page, None
    return page, f"{what} answered {status}, which the spec does not declare for this operation"


def _fill(
    ctx: ActiveContext,
    paged: PagedOperation,
    count: int,
    made: list[tuple[OperationInfo, Exchange]],
) -> bool:
    """Create ``count`` items in an empty collection, where the spec declares how (a POST on
    the same path answering 201): an empty collection shows nothing about paging. True when
    every one was created; ``made`` gets each creation, to be removed afterwards."""
    creation = next(
        (
            op
            for op in ctx.operations
            if op.method == "POST"
            and op.path == paged.operation.path
            and "201" in op.declared_statuses
        ),
        None,
    )
    if creation is None or paged.operation.method != "GET":
        return False
    rng = random.Random(f"{ctx.seed}:{catalogue.PAGINATION}")
    for _ in range(count):
        if ctx.stopped:
            return False
        request = creation_request(ctx, creation, rng)
        answer = ctx.http.send(
            request.method,
            ctx.url(request.target()),
            headers={**request.headers, **ctx.credentials(PRIMARY)},
            body=request.body,
        )
        if answer.response is None or answer.response.status != 201:
            return False
        made.append((creation, answer))
    return True


def _remove(ctx: ActiveContext, made: list[tuple[OperationInfo, Exchange]]) -> None:
    """Delete what ``_fill`` created, where the spec declares a DELETE for it: what the
    pagination check added must not change what later checks find (a subscription more
    receives every notification)."""
    follower = Follower(ctx)
    for creation, exchange in made:
        resource = follower.locate(creation, exchange)
        if resource is not None and follower.delete_of(resource) is not None:
            ctx.http.send("DELETE", resource.url, headers=ctx.credentials(PRIMARY))


def _first_page(
    ctx: ActiveContext,
    paged: PagedOperation,
    pager: Pager,
    size: int,
    made: list[tuple[OperationInfo, Exchange]],
) -> Generator[Observation, None, Page | None]:
    """The first page of ``size`` items, filled with created resources if the collection was
    empty; None (with what was observed) when there is none to judge."""
    label = paged.operation.label
    first = pager.first(size)
    response = first.exchange.response
    if first.items is None and response is not None and response.status in (401, 403):
        # The run's subject may not read this collection: nothing to page through, and the
        # refusal itself is the security checks' concern.
        yield Observation(
            check=catalogue.PAGINATION,
            outcome=Outcome.NOT_APPLICABLE,
            message=f"{label}: the run's credentials get {response.status}; paging not judged.",
            operation=paged.operation,
            exchange=first.exchange,
            subject=PRIMARY,
        )
        return None
    if first.items is None:
        yield Observation(
            check=catalogue.PAGINATION,
            outcome=Outcome.ERROR,
            title="First page not available",
            message=f"{label}: asked for the first page of {size}, but {first.problem}.",
            operation=paged.operation,
            exchange=first.exchange,
            subject=PRIMARY,
        )
        return None
    if not first.items and _fill(ctx, paged, 2 * size + 1, made):
        first = pager.first(size)
        if first.items is None:
            return None  # it answered once; a second refusal is for the checks of every response
    return first


def check_operation(
    ctx: ActiveContext,
    paged: PagedOperation,
    made: list[tuple[OperationInfo, Exchange]] | None = None,
) -> Iterator[Observation]:
    label = paged.operation.label
    if paged.problem is not None:
        yield Observation(
            check=catalogue.PAGINATION,
            outcome=Outcome.ERROR,
            title="No valid request to page with",
            message=f"{label} pages, but {paged.problem}.",
            operation=paged.operation,
        )
        return
    pager = Pager(ctx, paged)
    size = max(paged.min_size, SMALL_PAGE)
    if paged.max_size is not None:
        size = min(size, paged.max_size)
    first = yield from _first_page(ctx, paged, pager, size, [] if made is None else made)
    if first is None:
        return
    assert first.items is not None
    number = 1 if paged.style == "page" else None
    yield _observe(paged, first, "Page size not respected", _size_issue(first, size, number), label)
    yield _observe(paged, first, TOTALS_DISAGREE, _totals_issue(first, size), label)
    again = pager.first(size)
    order_issue = None
    if again.items is not None and [identity(i) for i in again.items] != [
        identity(i) for i in first.items
    ]:
        order_issue = "the same request twice gave different items or a different order"
    yield _observe(paged, again, "Order not stable", order_issue, label)
    if ctx.stopped:
        return
    walk = _walk(pager, *_walk_start(pager, first, size))
    if walk.problem is not None:
        yield Observation(
            check=catalogue.PAGINATION,
            outcome=Outcome.FAILED,
            title="A following page is not available",
            message=f"{label}: walking pages of {walk.size}, {walk.problem}.",
            operation=paged.operation,
            exchange=walk.last.exchange,
            subject=PRIMARY,
        )
        return
    found = _walk_issue(walk, pager)
    title, issue = found if found is not None else ("", None)
    yield _observe(paged, walk.last, title, issue, label)
    if ctx.stopped:
        return
    judged = _out_of_range(pager, walk)
    if judged is not None:
        page, issue = judged
        yield _observe(paged, page, "Out-of-range page not handled as declared", issue, label)


def _walk_start(pager: Pager, first: Page, size: int) -> tuple[Page, int]:
    """The first page of the walk: pages of ``size``, or larger ones if that takes too many."""
    total = stated_number(first.body, TOTAL_ITEMS)
    if total is None or math.ceil(total / size) < MAX_PAGES:
        return first, size
    larger = math.ceil(total / (MAX_PAGES - 1))
    if pager.paged.max_size is not None:
        larger = min(larger, pager.paged.max_size)
    start = pager.first(larger)
    return (start, larger) if start.items is not None else (first, size)


@active_check(catalogue.PAGINATION, per_operation=True)
def pagination(ctx: ActiveContext) -> Iterator[Observation]:
    for paged in paged_operations(ctx.document, ctx.operations):
        if ctx.stopped:
            return
        made: list[tuple[OperationInfo, Exchange]] = []
        try:
            yield from check_operation(ctx, paged, made)
        finally:
            _remove(ctx, made)
