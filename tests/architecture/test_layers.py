"""The layering of ARCHITECTURE.md, enforced: its table is parsed and every import checked.

Every ``import``/``from ... import`` anywhere in a module counts, lazy ones inside functions
included, so a layer cannot reach upward by importing late.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The root package only carries the version: importing it is importing a leaf.
LEAVES = {
    "conformance.adr_http",
    "conformance.exitcodes",
    "conformance.paths",
    "conformance.__version__",
}
# A row of the table: | `conformance.x`, `conformance.y` | `spec`, `lint`, ... (free text) |
ROW = re.compile(r"^\| (?P<packages>`[^|]+`) \| (?P<allowed>[^|]+) \|$")


def layer_table() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for line in (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if not match:
            continue
        packages = re.findall(r"`([\w.]+)`", match["packages"])
        allowed_text = match["allowed"]
        allowed = set(LEAVES)
        if "everything above" in allowed_text:
            allowed |= {f"conformance.{name}" for name in _all_layers()}
            allowed |= {f"conformance.{path.stem}" for path in (ROOT / "conformance").glob("*.py")}
        for name in re.findall(r"`([\w.]+)`", allowed_text):
            allowed.add(name if "." in name or name == "building_blocks" else f"conformance.{name}")
        for package in packages:
            table[package] = allowed | {package}
    return table


def _all_layers() -> list[str]:
    return sorted(
        path.name
        for path in (ROOT / "conformance").iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    )


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _owner(module: str, table: dict[str, set[str]]) -> str | None:
    """The table entry a module belongs to (the longest matching package)."""
    candidates = [p for p in table if module == p or module.startswith(p + ".")]
    return max(candidates, key=len) if candidates else None


def _allowed(imported: str, allowed: set[str]) -> bool:
    return any(imported == a or imported.startswith(a + ".") for a in allowed)


def violations() -> list[str]:
    table = layer_table()
    found: list[str] = []
    for top in ("conformance", "building_blocks"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            module = ".".join(relative.with_suffix("").parts)
            owner = _owner(module, table)
            if owner is None:
                continue
            for imported in sorted(imported_modules(path)):
                if not imported.startswith(("conformance", "building_blocks")):
                    continue
                if imported == "conformance" or _allowed(imported, table[owner]):
                    continue
                found.append(f"{relative}: {owner} imports {imported}")
    return found


FUZZING = {"schemathesis", "hypothesis"}
# Packages whose modules may not name Schemathesis or Hypothesis in any import.
NO_FUZZING = ("building_blocks", "conformance/interop", "conformance/client")


def test_reference_blocks_and_life_events_import_no_fuzzing_engine() -> None:
    """What a reference block or a life event sends must not depend on Schemathesis/Hypothesis."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for top in NO_FUZZING
        for path in sorted((ROOT / top).rglob("*.py"))
        for name in sorted(imported_modules(path))
        if name.split(".")[0] in FUZZING
    ]
    assert offenders == []


def _loaded_by(modules: list[str]) -> set[str]:
    """The top-level packages and ``conformance.*`` layers a fresh interpreter holds after
    importing ``modules``: what they pull in through every import, indirect ones included."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = done.stdout.split()
    return {name.split(".")[0] for name in loaded} | {
        ".".join(name.split(".")[:2]) for name in loaded if name.startswith("conformance.")
    }


def _package_modules(package: str) -> list[str]:
    root = ROOT / Path(*package.split("."))
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in root.rglob("*.py")
    )


@pytest.mark.slow  # a fresh interpreter, started as a process
def test_the_client_layer_loads_no_fuzzing_engine_and_no_engine() -> None:
    loaded = _loaded_by(_package_modules("conformance.client"))
    assert loaded & (FUZZING | {"conformance.engine", "conformance.interop"}) == set()


@pytest.mark.slow  # a fresh interpreter, started as a process
def test_life_events_and_reference_blocks_load_no_fuzzing_engine() -> None:
    """Not even indirectly: the engine modules interop uses must not pull Schemathesis in."""
    modules = _package_modules("conformance.interop") + _package_modules("building_blocks")
    assert _loaded_by(modules) & FUZZING == set()


@pytest.mark.slow  # a fresh interpreter, started as a process
def test_the_pytest_plugin_loads_of_the_engine_only_its_seed_policy() -> None:
    """Every pytest run loads the plugin (an entry point), and with it the run options table:
    the seed policy it draws from must not bring the engine or Schemathesis along."""
    code = "import sys, conformance.pytest_plugin\nprint('\\n'.join(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(done.stdout.split())
    engine = {name for name in loaded if name.startswith("conformance.engine")}
    assert engine == {
        "conformance.engine",
        "conformance.engine.fuzzing",
        "conformance.engine.fuzzing.seed",
    }
    assert {name.split(".")[0] for name in loaded} & FUZZING == set()


def test_the_reference_blocks_tests_lean_on_no_engine() -> None:
    """The blocks' tests reach them as a client does (``conformance.client``); only the tests
    that run Schemathesis against a block (``*_schemathesis*``) use Schemathesis and its hooks.
    Hypothesis stays allowed in test modules, as the property-testing library it is."""
    offenders = []
    for path in sorted((ROOT / "tests" / "building_blocks").rglob("*.py")):
        if "schemathesis" in path.name:
            continue
        banned = {"schemathesis", "conformance.engine"}
        if not path.name.startswith("test_"):
            banned.add("hypothesis")  # support modules and conftest: plain clients only
        offenders += [
            f"{path.relative_to(ROOT)} imports {name}"
            for name in sorted(imported_modules(path))
            if any(name == ban or name.startswith(ban + ".") for ban in banned)
        ]
    assert offenders == []


def test_the_table_names_every_layer() -> None:
    table = layer_table()
    for layer in _all_layers():
        assert f"conformance.{layer}" in table, f"ARCHITECTURE.md has no row for {layer}"
    assert "building_blocks" in table


def test_no_layer_imports_one_it_may_not() -> None:
    assert violations() == []


@pytest.mark.parametrize("leaf", sorted(LEAVES - {"conformance.__version__"}))
def test_a_leaf_imports_nothing_of_ours(leaf: str) -> None:
    path = ROOT / Path(*leaf.split(".")).with_suffix(".py")
    ours = {
        name
        for name in imported_modules(path)
        if name.split(".")[0] in {"conformance", "building_blocks"}
    }
    assert ours == set()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import conformance.engine.running.runner\n", {"conformance.engine.running.runner"}),
        (
            "def later():\n    from conformance.reports import html\n",
            {"conformance.reports", "conformance.reports.html"},
        ),
        ("from . import sibling\n", set()),
    ],
)
def test_imports_are_found_wherever_they_are_written(
    tmp_path: Path, source: str, expected: set[str]
) -> None:
    module = tmp_path / "module.py"
    module.write_text(source, encoding="utf-8")
    assert imported_modules(module) == expected
