"""Answering ``POST /personen``: pick the persons a query matches, one page of them, and show
each with only the selected fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from building_blocks.common import Database
from building_blocks.registries import store
from building_blocks.registries.fields import groups_needed, select

DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Paging:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def _criteria(query: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """SQL condition and parameters for a validated query (its ``type`` is known)."""
    kind = query["type"]
    if kind == "RaadpleegMetBurgerservicenummer":
        numbers = sorted(set(query["burgerservicenummer"]))
        marks = ", ".join("?" for _ in numbers)
        return f"p.bsn IN ({marks})", numbers
    if kind == "ZoekMetGeslachtsnaamEnGeboortedatum":
        where = ["p.geslachtsnaam_key = ?", "p.geboortedatum = ?"]
        params: list[Any] = [store.key(query["geslachtsnaam"]), query["geboortedatum"]]
        if "voornamen" in query:
            where.append("p.voornamen_key = ?")
            params.append(store.key(query["voornamen"]))
        if "voorvoegsel" in query:
            where.append("p.voorvoegsel_key = ?")
            params.append(store.key(query["voorvoegsel"]))
        if "geslacht" in query:
            where.append("p.geslacht = ?")
            params.append(query["geslacht"])
        return " AND ".join(where), params
    if kind == "ZoekMetPostcodeEnHuisnummer":
        where = ["a.datum_einde IS NULL", "a.postcode = ?", "a.huisnummer = ?"]
        params = [query["postcode"], query["huisnummer"]]
        if "huisletter" in query:
            where.append("lower(a.huisletter) = lower(?)")
            params.append(query["huisletter"])
        if "huisnummertoevoeging" in query:
            where.append("lower(a.huisnummertoevoeging) = lower(?)")
            params.append(query["huisnummertoevoeging"])
        condition = " AND ".join(where)
        return f"EXISTS (SELECT 1 FROM address a WHERE a.bsn = p.bsn AND {condition})", params
    raise ValueError(f"unknown query type {kind!r}")


def _link(base_url: str, page: int, page_size: int) -> dict[str, str]:
    return {"href": f"{base_url}/personen?{urlencode({'page': page, 'pageSize': page_size})}"}


def answer(db: Database, query: Mapping[str, Any], paging: Paging, base_url: str) -> dict[str, Any]:
    where, params = _criteria(query)
    found = store.page_of(db, where, params, page=paging.page, page_size=paging.page_size)
    fields = query["fields"]
    groups = groups_needed(fields)
    personen = []
    for bsn in found.bsns:
        person = store.load_person(db, bsn, groups)
        if person is not None:  # a person is never removed, but do not trust that blindly
            personen.append(select(person, fields))
    total_pages = -(-found.total // paging.page_size)
    links = {
        "self": _link(base_url, paging.page, paging.page_size),
        "first": _link(base_url, 1, paging.page_size),
        "last": _link(base_url, max(total_pages, 1), paging.page_size),
    }
    if paging.page > 1:
        links["prev"] = _link(base_url, min(paging.page - 1, max(total_pages, 1)), paging.page_size)
    if paging.page < total_pages:
        links["next"] = _link(base_url, paging.page + 1, paging.page_size)
    return {
        "type": query["type"],
        "personen": personen,
        "page": {
            "number": paging.page,
            "size": paging.page_size,
            "totalElements": found.total,
            "totalPages": total_pages,
        },
        "_links": links,
    }
