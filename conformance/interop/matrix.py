"""Every combination of several implementations per block, and the matrix of what worked.

The configuration (YAML) lists implementations per block::

    identity:
      - name: reference
        reference: true              # the caller starts the reference implementation
      - name: acme-idp
        base_url: https://idp.acme.example/identity/v1
    registries:
      - {name: reference, reference: true}
    messaging:
      - {name: reference, reference: true}
      - {name: berichtenbox-x, base_url: https://berichten.example/messaging/v1}

A reference registries or messaging entry may name its own client at the identity providers,
with which it introspects opaque access tokens (RFC 7662, private_key_jwt; the key file relative
to the configuration): ``introspection: {client_id: messaging-rs, key: keys/messaging-rs.pem}``.

An entry may name the implementation's vendor file instead of its base URL (``config:``, relative
to the matrix file; see ``conformance.spec.vendor``)::

    identity:
      - {name: acme-idp, config: acme/gdi-conformance.yaml}

The block's base URL (for identity: the issuer) comes from that file; for an identity entry so
do the test clients, the test citizens and how they log in, for every combination it is part of.

``run_matrix`` plays the scenarios against every combination (identity x registries x
messaging), writes one report per combination through ``write_report`` and returns the
``Matrix``: per combination and scenario the outcome and, when it failed, the step and the
block (and so the implementation) at fault. ``matrix_json`` and ``matrix_html`` render it.
How a reference implementation is started is the caller's affair (``Resolve``): this layer
never imports an implementation.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from conformance.interop.report import interop_report
from conformance.interop.runner import Combination, Implementation, InteropSettings, play
from conformance.interop.scenarios import SCENARIOS
from conformance.interop.steps import BLOCKS, Scenario
from conformance.results import Outcome, RunReport
from conformance.spec.vendor import VendorConfig, VendorConfigError, load_vendor_config

MATRIX_JSON = "matrix.json"
MATRIX_HTML = "matrix.html"
MATRIX_FORMAT = "gdi-conformance interop matrix 1.0"
_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")


class MatrixConfigError(Exception):
    """The matrix configuration is unusable; the message says what and where."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One implementation of a block as the configuration lists it."""

    block: str
    name: str
    base_url: str | None = None
    reference: bool = False
    introspection_client_id: str | None = None  # reference resource servers: own client
    introspection_key: Path | None = None  # its private key (PEM)
    # The implementation's vendor file (``config:``): its base URL, and for identity its test
    # clients, citizens and login.
    vendor: VendorConfig | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    entries: dict[str, tuple[Entry, ...]]
    source: str

    def of(self, block: str) -> tuple[Entry, ...]:
        return self.entries[block]


def _introspection(raw: Any, place: str, folder: Path) -> tuple[str, Path]:
    if not isinstance(raw, dict) or set(raw) != {"client_id", "key"}:
        raise MatrixConfigError(f"{place}.introspection: give client_id and key (a PEM file)")
    client_id, key = raw["client_id"], raw["key"]
    if not isinstance(client_id, str) or not client_id or not isinstance(key, str) or not key:
        raise MatrixConfigError(f"{place}.introspection: client_id and key must be text")
    path = (folder / key).resolve()
    if not path.is_file():
        raise MatrixConfigError(f"{place}.introspection: no key file {key!r}")
    return client_id, path


def _vendor(block: str, raw: Any, place: str, folder: Path) -> tuple[VendorConfig, str]:
    """The vendor file an entry names, and the block's base URL in it."""
    if not isinstance(raw, str) or not raw:
        raise MatrixConfigError(f"{place}.config: the path of a vendor file (gdi-conformance.yaml)")
    path = folder / raw
    if not path.is_file():
        raise MatrixConfigError(f"{place}.config: no vendor file {raw!r} (relative to the matrix)")
    try:
        vendor = load_vendor_config(path)
    except VendorConfigError as exc:
        raise MatrixConfigError(f"{place}.config: {exc}") from exc
    settings = vendor.block(block)
    if settings is None or not settings.base_url:
        what = "issuer" if block == "identity" else "base_url"
        raise MatrixConfigError(f"{place}.config: {raw} gives no {block}.{what}")
    return vendor, settings.base_url


def _entry(block: str, index: int, raw: Any, where: str, folder: Path) -> Entry:
    place = f"{where}: {block}[{index}]"
    if not isinstance(raw, dict):
        raise MatrixConfigError(
            f"{place}: expected a mapping with name and base_url, config or reference"
        )
    unknown = sorted(set(raw) - {"name", "base_url", "reference", "introspection", "config"})
    if unknown:
        raise MatrixConfigError(f"{place}: unknown key(s) {', '.join(unknown)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name or not set(name) <= _NAME_CHARACTERS:
        raise MatrixConfigError(f"{place}: name must be letters, digits, '.', '-' or '_'")
    reference = raw.get("reference", False)
    if not isinstance(reference, bool):
        raise MatrixConfigError(f"{place}: reference must be true or false")
    base_url = raw.get("base_url")
    given = [key for key in ("base_url", "config") if raw.get(key) is not None]
    if reference:
        given.append("reference: true")
    if len(given) > 1:
        raise MatrixConfigError(f"{place}: give one of base_url, config or reference: true")
    if "config" in raw:
        vendor, found = _vendor(block, raw["config"], place, folder)
        if "introspection" in raw:
            raise MatrixConfigError(
                f"{place}: introspection is for reference registries and messaging entries"
            )
        return Entry(block, name, found.rstrip("/"), vendor=vendor)
    if not reference:
        parts = urlsplit(base_url) if isinstance(base_url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise MatrixConfigError(f"{place}: base_url must be an http(s) URL")
    url = base_url.rstrip("/") if isinstance(base_url, str) else None
    if "introspection" not in raw:
        return Entry(block, name, url, reference)
    if not reference or block == "identity":
        raise MatrixConfigError(
            f"{place}: introspection is for reference registries and messaging entries"
        )
    client_id, key = _introspection(raw["introspection"], place, folder)
    return Entry(block, name, url, reference, client_id, key)


def parse_matrix_config(document: Any, where: str, folder: Path | None = None) -> MatrixConfig:
    """``folder``: where relative paths (introspection keys) start (default: the current one)."""
    folder = folder if folder is not None else Path()
    if not isinstance(document, dict):
        raise MatrixConfigError(f"{where}: expected a mapping with identity, registries, messaging")
    unknown = sorted(set(document) - set(BLOCKS))
    if unknown:
        raise MatrixConfigError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}")
    entries: dict[str, tuple[Entry, ...]] = {}
    for block in BLOCKS:
        listed = document.get(block)
        if not isinstance(listed, list) or not listed:
            raise MatrixConfigError(f"{where}: {block} must list at least one implementation")
        entries[block] = tuple(_entry(block, i, raw, where, folder) for i, raw in enumerate(listed))
        names = [entry.name for entry in entries[block]]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise MatrixConfigError(f"{where}: {block} names {', '.join(repeated)} twice")
    return MatrixConfig(entries, where)


def load_matrix_config(path: Path) -> MatrixConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MatrixConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise MatrixConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    return parse_matrix_config(document, str(path), path.resolve().parent)


# (entry, the identity implementation of the combination) -> the entry's base URL. Reference
# registries and messaging implementations trust one identity block, so the caller may start
# one per identity implementation.
Resolve = Callable[[Entry, Implementation | None], str]


def combinations(config: MatrixConfig, resolve: Resolve) -> Iterator[Combination]:
    for identity_entry in config.of("identity"):
        identity = Implementation("identity", identity_entry.name, resolve(identity_entry, None))
        for registries_entry, messaging_entry in itertools.product(
            config.of("registries"), config.of("messaging")
        ):
            yield Combination(
                identity,
                Implementation(
                    "registries", registries_entry.name, resolve(registries_entry, identity)
                ),
                Implementation(
                    "messaging", messaging_entry.name, resolve(messaging_entry, identity)
                ),
            )


@dataclass(frozen=True, slots=True)
class ScenarioCell:
    scenario: str
    outcome: str
    step: str | None = None  # the step that failed (or could not be carried out)
    block: str | None = None  # the block at fault
    implementation: str | None = None  # its implementation's name
    message: str | None = None


@dataclass(slots=True)
class Cell:
    combination: Combination
    outcome: str
    report: str  # the combination's report directory, relative to the matrix
    scenarios: list[ScenarioCell] = field(default_factory=list)


@dataclass(slots=True)
class Matrix:
    seed: int
    scenarios: list[str]
    cells: list[Cell] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        outcomes = {cell.outcome for cell in self.cells}
        for outcome in ("failed", "error", "skipped"):
            if outcome in outcomes:
                return outcome
        return "passed"


def cell_for(combination: Combination, report: RunReport, run: Any, directory: str) -> Cell:
    cell = Cell(combination, run.outcome.value, directory)
    for result in run.scenarios:
        stopped = result.stopped_at
        if stopped is None:
            cell.scenarios.append(ScenarioCell(result.scenario.name, result.outcome.value))
            continue
        blamed = stopped.blame if stopped.outcome is Outcome.FAILED else None
        cell.scenarios.append(
            ScenarioCell(
                result.scenario.name,
                result.outcome.value,
                step=stopped.step.id,
                block=blamed,
                implementation=combination.of(blamed).name if blamed else None,
                message=run.redactor.text(stopped.message),
            )
        )
    return cell


def run_matrix(
    config: MatrixConfig,
    settings: InteropSettings,
    resolve: Resolve,
    write_report: Callable[[RunReport, str], None],
    *,
    scenarios: list[Scenario] | None = None,
    on_cell: Callable[[Cell], None] | None = None,
    settings_for: Callable[[Entry], InteropSettings] | None = None,
) -> Matrix:
    """``settings_for``: the settings of the combinations with an identity entry (its vendor
    file's clients, citizens and login); default: ``settings`` for every combination."""
    chosen = scenarios if scenarios is not None else list(SCENARIOS.values())
    matrix = Matrix(settings.seed, [scenario.name for scenario in chosen])
    by_name = {entry.name: entry for entry in config.of("identity")}
    for combination in combinations(config, resolve):
        entry = by_name[combination.identity.name]
        played = settings_for(entry) if settings_for is not None else settings
        run = play(combination, replace(played, seed=settings.seed), chosen)
        report = interop_report(run)
        write_report(report, combination.slug)
        cell = cell_for(combination, report, run, combination.slug)
        matrix.cells.append(cell)
        if on_cell is not None:
            on_cell(cell)
    return matrix


def matrix_document(matrix: Matrix) -> dict[str, Any]:
    return {
        "format": MATRIX_FORMAT,
        "seed": matrix.seed,
        "scenarios": matrix.scenarios,
        "outcome": matrix.outcome,
        "summary": {
            "combinations": len(matrix.cells),
            **{
                outcome: sum(1 for cell in matrix.cells if cell.outcome == outcome)
                for outcome in ("passed", "failed", "error")
            },
        },
        "combinations": [
            {
                **{
                    block: {
                        "name": cell.combination.of(block).name,
                        "base_url": cell.combination.of(block).base_url,
                    }
                    for block in BLOCKS
                },
                "outcome": cell.outcome,
                "report": f"{cell.report}/report.json",
                "scenarios": [
                    {
                        "scenario": item.scenario,
                        "outcome": item.outcome,
                        "failed_step": item.step,
                        "block_at_fault": item.block,
                        "implementation_at_fault": item.implementation,
                        "message": item.message,
                    }
                    for item in cell.scenarios
                ],
            }
            for cell in matrix.cells
        ],
    }


def matrix_json(matrix: Matrix) -> str:
    return json.dumps(matrix_document(matrix), indent=2, ensure_ascii=False) + "\n"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.4rem .6rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}.passed{background:#e3f4e3}.failed{background:#fbe0e0}
.error,.skipped{background:#fff3cd}.why{font-size:.85rem;color:#444;max-width:32rem}
"""


def matrix_html(matrix: Matrix) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(block)}</th>" for block in BLOCKS)
    head += "".join(f"<th>{esc(name)}</th>" for name in matrix.scenarios) + "<th>report</th>"
    rows = []
    for cell in matrix.cells:
        columns = "".join(f"<td>{esc(cell.combination.of(block).name)}</td>" for block in BLOCKS)
        for item in cell.scenarios:
            text = esc(item.outcome)
            if item.step:
                fault = ""
                if item.block:
                    who = esc(item.implementation or "")
                    fault = f"; at fault: <strong>{esc(item.block)}</strong> ({who})"
                text += f" at step <code>{esc(item.step)}</code>{fault}"
                text += f'<div class="why">{esc(item.message or "")}</div>'
            columns += f'<td class="{esc(item.outcome)}">{text}</td>'
        link = f"{cell.report}/report.html"
        columns += f'<td><a href="{esc(link)}">report</a></td>'
        rows.append(f'<tr class="{esc(cell.outcome)}">{columns}</tr>')
    blamed: dict[tuple[str, str], int] = {}
    for cell in matrix.cells:
        for item in cell.scenarios:
            if item.block and item.implementation:
                key = (item.block, item.implementation)
                blamed[key] = blamed.get(key, 0) + 1
    blame_rows = "".join(
        f"<tr><td>{esc(block)}</td><td>{esc(name)}</td><td>{count}</td></tr>"
        for (block, name), count in sorted(blamed.items())
    )
    summary = matrix_document(matrix)["summary"]
    if blame_rows:
        blame = (
            "<table><thead><tr><th>block</th><th>implementation</th>"
            f"<th>failed scenarios</th></tr></thead><tbody>{blame_rows}</tbody></table>"
        )
    else:
        blame = "<p>None: every scenario passed.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(matrix.outcome)}: GDI life-event interoperability matrix</title>
<style>{_STYLE}</style></head><body>
<h1>GDI life-event interoperability</h1>
<p>Scenarios {esc(", ".join(matrix.scenarios))} against every combination of the listed
implementations (seed {matrix.seed}): {summary["combinations"]} combinations,
{summary["passed"]} passed, {summary["failed"]} failed, {summary["error"]} could not be
carried out completely. A failing scenario names the step that failed and the block at fault.</p>
<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
<h2>Implementations at fault</h2>
{blame}
</body></html>
"""
