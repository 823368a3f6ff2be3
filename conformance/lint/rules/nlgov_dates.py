"""The official date and time rules (ADR 2.2, /core/date-time/*)."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.lint.context import LintContext
from conformance.lint.registry import Hit, rule
from conformance.lint.versions import SINCE_2_2
from conformance.lint.walk import DATE_NAME


def _formats(ctx: LintContext) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """given $..properties[*].format: the format of every property that has a string one."""
    for pointer, prop in ctx.index.properties:
        if type(prop) is dict and type(prop.get("format")) is str:
            yield (*pointer, "format"), prop["format"]


@rule(
    "nlgov:date-time-ensure-timezone",
    adr="/core/date-time/timezone",
    severity="error",
    versions=SINCE_2_2,
    description="No date-time-local format: date-times carry a timezone.",
)
def date_time_ensure_timezone(ctx: LintContext) -> Iterator[Hit]:
    for pointer, fmt in _formats(ctx):
        if fmt == "date-time-local":
            yield Hit(pointer, "Use date-time format which includes a timezone")


@rule(
    "nlgov:time-without-timezone",
    adr="/core/date-time/timezone",
    severity="error",
    versions=SINCE_2_2,
    description="No time format (with a timezone): times of day use time-local.",
)
def time_without_timezone(ctx: LintContext) -> Iterator[Hit]:
    for pointer, fmt in _formats(ctx):
        if fmt == "time":
            yield Hit(pointer, "Use time-local format without a timezone")


def _is_date_name(key: object) -> bool:
    return type(key) is str and (key in ("date", "datum") or DATE_NAME.search(key) is not None)


@rule(
    "nlgov:specify-format-for-date-and-time",
    adr="/core/date-time/date-omit-time-portion",
    severity="error",
    versions=SINCE_2_2,
    description="Date-named properties (date, datum, ...Date, ..._datum) set a format.",
)
def specify_format_for_date_and_time(ctx: LintContext) -> Iterator[Hit]:
    # schema anyOf: [required format] or [allOf is an array whose object items all have format]
    for pointer, prop in ctx.index.properties:
        if not _is_date_name(pointer[-1]) or type(prop) is not dict or "format" in prop:
            continue
        parts = ctx.resolve(prop.get("allOf"))
        if type(parts) is list and all(
            type(part) is not dict or "format" in part for part in map(ctx.resolve, parts)
        ):
            continue
        yield Hit(pointer, "Any date field must set 'format' to 'date'")


@rule(
    "nlgov:use-date-instead-of-datetime",
    adr="/core/date-time/date-omit-time-portion",
    severity="error",
    versions=SINCE_2_2,
    description="Date-named properties do not use format date-time (anywhere below them).",
)
def use_date_instead_of_datetime(ctx: LintContext) -> Iterator[Hit]:
    # given $..properties[date,datum]..format and $..properties[?(date name)]..format
    for pointer, fmt in ctx.index.date_formats:
        if fmt == "date-time":
            yield Hit(pointer, "Field represents a date and therefore must set 'format' to 'date'")
