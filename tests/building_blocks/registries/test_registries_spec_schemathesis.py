"""The registries spec's links as Schemathesis reads them: a state-machine transition for each."""

from __future__ import annotations

import schemathesis
import yaml

from conformance.paths import specs_root

SPEC = specs_root() / "registries" / "v1" / "openapi.yaml"


def test_schemathesis_builds_a_transition_from_every_link() -> None:
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    machine = schemathesis.openapi.from_path(str(SPEC)).as_state_machine()
    transitions = [name for name in dir(machine) if "__POST_" in name or "__GET_" in name]
    declared = [
        name
        for item in document["paths"].values()  # type: ignore[attr-defined]
        for operation in item.values()
        for response in operation["responses"].values()
        for name in response.get("links", {})
    ]
    assert len(declared) == 6
    for link in declared:
        assert any(f"_{link}__" in name for name in transitions), link
