"""``run --help`` and ``certify --help``: options in groups, and examples at the end."""

from __future__ import annotations

import pytest

from conformance.cli import main


@pytest.mark.parametrize(
    ("command", "groups"),
    [
        ("run", ["what to test:", "credentials:", "budget and reproduction:", "output:"]),
        (
            "certify",
            [
                "what to certify:",
                "the product under test:",
                "credentials (with --bb and --base-url",
                "budget and reproduction:",
                "reports and signing:",
            ],
        ),
    ],
)
def test_help_groups_options_and_ends_with_examples(
    command: str, groups: list[str], capsys, monkeypatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    positions = [out.index(group) for group in groups]
    assert positions == sorted(positions), "the groups in their order"
    examples = out.index("\nexamples:\n")
    assert examples > positions[-1]
    lines = out[examples:].strip().splitlines()[1:]
    assert lines and all(
        line.startswith("  gdi-conformance " + command) or line.startswith("      ")
        for line in lines
    )
    # The examples are printed as written: a command is never re-wrapped mid-option.
    assert all(len(line) <= 100 for line in lines)
    # Every option is still there, in a group rather than in one long list.
    options_section = out[out.index("options:") : positions[0]]
    assert "--base-url" not in options_section and "--seed" not in options_section
    for option in ("--base-url", "--seed", "--max-examples", "--report-dir", "--signing-key"):
        assert option in out


def test_certify_help_offers_the_report_language(capsys) -> None:
    assert main(["certify", "--help"]) == 0
    assert "--lang {en,nl}" in capsys.readouterr().out
