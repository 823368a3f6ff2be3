"""Field selection: keep only the parts of a person that the query's ``fields`` name.

A path names a field (``naam.voornamen``) or a whole group (``naam``); inside a list (``ouders``,
``kinderen``, ``verblijfplaatsHistorie``) a path applies to every item. Which paths exist is
the spec's business (its ``FieldPath`` enum), checked before a query gets here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# A selection tree: True selects a whole subtree, a dict selects some of its members.
Selection = dict[str, "Selection | bool"]


def selection(paths: Iterable[str]) -> Selection:
    tree: Selection = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        for index, part in enumerate(parts):
            if node.get(part) is True:
                break  # a whole group is already selected
            if index == len(parts) - 1:
                node[part] = True
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return tree


def project(value: Any, tree: Selection | bool) -> Any:
    """``value`` with only the selected members; None when nothing selected is present."""
    if tree is True:
        return value
    assert isinstance(tree, dict)
    if isinstance(value, list):
        # Every item stays, so the list keeps its length even when an item lacks the fields.
        return [project(item, tree) or {} for item in value]
    if not isinstance(value, Mapping):
        return None
    result: dict[str, Any] = {}
    for key, subtree in tree.items():
        if key not in value or value[key] is None:
            continue
        selected = project(value[key], subtree)
        # A list stays (possibly empty: "no children" is information); an empty group goes.
        if selected is None or (isinstance(selected, dict) and not selected):
            continue
        result[key] = selected
    return result or None


def select(person: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """The person with only the fields named in ``paths``."""
    return project(person, selection(paths)) or {}


def groups_needed(paths: Iterable[str]) -> frozenset[str]:
    """The top-level groups a selection touches, so a query loads only what it returns."""
    return frozenset(path.split(".", 1)[0] for path in paths)
