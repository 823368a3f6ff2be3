"""Reading waiver files: a good file, and each broken one with its one clear message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conformance.reports.waivers import Waiver, WaiverError, load_waivers


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_waivers_with_and_without_operation(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
waivers:
  - requirement: GDI-MSG-012
    operation: sendMessage
    reason: >
      Retry schedule is being reworked;
      supplier ticket SUP-123.
    expires: 2026-03-31
  - requirement: GDI-MSG-001
    reason: Gateway strips the header until the upgrade.
    expires: "2026-01-15"
""",
    )
    assert load_waivers(path) == [
        Waiver(
            requirement="GDI-MSG-012",
            operation="sendMessage",
            reason="Retry schedule is being reworked; supplier ticket SUP-123.",
            expires=dt.date(2026, 3, 31),
        ),
        Waiver(
            requirement="GDI-MSG-001",
            reason="Gateway strips the header until the upgrade.",
            expires=dt.date(2026, 1, 15),
        ),
    ]


def test_empty_list_is_no_waivers(tmp_path: Path) -> None:
    assert load_waivers(write(tmp_path, "waivers: []\n")) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- GDI-MSG-001\n", "expected a mapping with one key, 'waivers'"),
        ("waivers: {a: 1}\n", "'waivers' must be a list"),
        ("waivers: [x]\n", "waivers[0] must be a mapping"),
        (
            "waivers:\n  - {requirement: GDI-MSG-001, reason: r}\n",
            "waivers[0].expires is missing",
        ),
        (
            "waivers:\n  - {requirement: GDI-MSG-001, reason: r, expires: soon}\n",
            "waivers[0].expires: 'soon' is not a date",
        ),
        (
            "waivers:\n  - {requirement: MSG-1, reason: r, expires: 2026-01-01}\n",
            "waivers[0].requirement 'MSG-1' is not like GDI-MSG-001",
        ),
        (
            "waivers:\n  - {requirement: GDI-MSG-001, expires: 2026-01-01}\n",
            "waivers[0].reason must be a non-empty text",
        ),
        (
            "waivers:\n  - {requirement: GDI-MSG-001, reason: r, expires: 2026-01-01, until: x}\n",
            "waivers[0]: unknown key(s) until",
        ),
        (
            "waivers:\n"
            "  - {requirement: GDI-MSG-001, reason: r, expires: 2026-01-01}\n"
            "  - {requirement: GDI-MSG-001, reason: s, expires: 2026-02-01}\n",
            "waivers[1]: GDI-MSG-001 is waived twice",
        ),
        ("waivers: [\n", "waivers.yaml:2:1"),
    ],
)
def test_broken_waiver_file_gives_one_located_message(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(WaiverError) as caught:
        load_waivers(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_file_is_a_waiver_error(tmp_path: Path) -> None:
    with pytest.raises(WaiverError, match="cannot read the waiver file"):
        load_waivers(tmp_path / "absent.yaml")
