"""The register's pages, rendered on the server with Jinja2: one stylesheet, no scripts, no
external assets. Each page's language is chosen by ``i18n.choose``; every link keeps it."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import Engine
from starlette.responses import HTMLResponse, Response

from conformance.register import i18n, queries
from conformance.register.badges import badge
from conformance.register.errors import Refused

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
OVERVIEW_PAGE = 100  # cells per overview page
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SHA256 = r"^[0-9a-f]{64}$"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.register", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["adr_link"] = queries.adr_link
    env.filters["day"] = lambda iso: iso[:10]
    env.filters["sparkline"] = sparkline
    return env


@cache
def stylesheet() -> bytes:
    return resources.files("conformance.register").joinpath("static/register.css").read_bytes()


def sparkline(history: list[dict[str, Any]]) -> dict[str, Any]:
    """Points of a small line of scores (0-100) for an inline SVG, oldest first."""
    width, height = 96, 20
    step = width / max(len(history) - 1, 1)
    points = " ".join(
        f"{index * step:.1f},{height - 2 - item['score'] * (height - 4) / 100:.1f}"
        for index, item in enumerate(history)
    )
    last = history[-1]
    return {
        "points": points,
        "width": width,
        "height": height,
        "x": (len(history) - 1) * step,
        "y": height - 2 - last["score"] * (height - 4) / 100,
        "verdict": last["verdict"],
    }


def language(request: Request) -> tuple[str, bool]:
    explicit = request.query_params.get("lang")
    return i18n.choose(explicit, request.headers.get("accept-language")), explicit in i18n.LANGUAGES


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    lang, _ = language(request)
    words = i18n.words(lang)

    def url(path: str, **query: Any) -> str:
        params = {key: value for key, value in query.items() if value}
        params["lang"] = lang
        return path + "?" + urlencode(params)

    def switch(to: str) -> str:
        params = dict(request.query_params)
        params["lang"] = to
        return request.url.path + "?" + urlencode(params)

    def say(key: str, **values: Any) -> str:
        text = words.get(key, key)
        return text.format(**values) if values else text

    html = (
        environment()
        .get_template(template)
        .render(t=say, lang=lang, url=url, switch=switch, languages=i18n.LANGUAGES, **context)
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Content-Security-Policy": PAGE_CSP,
            "Content-Language": lang,
            "Vary": "Accept-Language",
        },
    )


def error_page(request: Request, error: Refused) -> Response:
    return render(request, "error.html", status=error.status, error=error)


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _policy(request: Request) -> queries.Policy:
    return queries.Policy(validity_days=request.app.state.settings.validity_days)


Slug = Annotated[str, Path(pattern=SLUG, max_length=64)]
Optional = Annotated[str | None, Query(max_length=64)]


def pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    _add_overview_pages(router)
    _add_detail_pages(router)
    return router


def _add_overview_pages(router: APIRouter) -> None:
    """The stylesheet, the overview and a product's page."""

    @router.get("/static/register.css")
    def css() -> Response:
        return Response(stylesheet(), media_type="text/css")

    @router.get("/")
    def overview_page(
        request: Request,
        block: Optional = None,
        verdict: Optional = None,
        vendor: Optional = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> Response:
        with _engine(request).connect() as connection:
            data = queries.overview(
                connection,
                _policy(request),
                block=block or None,
                verdict=verdict or None,
                vendor=vendor or None,
                page=page,
                page_size=OVERVIEW_PAGE,
            )
        verdicts = ("certified", "certified-with-remarks", "not-certified", "incomplete")
        pages = max(1, -(-data["totalCells"] // OVERVIEW_PAGE))
        return render(
            request, "overview.html", data=data, verdicts=verdicts, page=page, pages=pages
        )

    @router.get("/products/{vendor}/{product}")
    def product_page(
        request: Request,
        vendor: Slug,
        product: Slug,
        first: Annotated[str | None, Query(alias="from", max_length=64)] = None,
        second: Annotated[str | None, Query(alias="to", max_length=64)] = None,
    ) -> Response:
        policy = _policy(request)
        with _engine(request).connect() as connection:
            data = queries.product(connection, policy, vendor, product)
            difference = None
            if first and second:
                difference = queries.diff(connection, policy, vendor, product, first, second)
        return render(request, "product.html", data=data, diff=difference)


def _add_detail_pages(router: APIRouter) -> None:
    """A requirement's and a certificate's page, and a product's badge."""

    @router.get("/requirements/{requirement_id}")
    def requirement_page(
        request: Request,
        requirement_id: Annotated[str, Path(pattern=r"^GDI-[A-Z]{3}-[0-9]{3}$", max_length=11)],
    ) -> Response:
        with _engine(request).connect() as connection:
            data = queries.requirement(connection, requirement_id)
        return render(request, "requirement.html", data=data)

    @router.get("/certificates/{certificate_id}")
    def certificate_page(
        request: Request, certificate_id: Annotated[str, Path(pattern=SHA256, max_length=64)]
    ) -> Response:
        with _engine(request).connect() as connection:
            data = queries.certificate(connection, _policy(request), certificate_id)
        return render(request, "certificate.html", data=data)

    @router.get("/badges/{vendor}/{product}/{block}.svg")
    def badge_svg(request: Request, vendor: Slug, product: Slug, block: Slug) -> Response:
        with _engine(request).connect() as connection:
            entry = queries.latest_for_badge(connection, _policy(request), vendor, product, block)
        return Response(badge(block, entry), media_type="image/svg+xml")
