"""Benchmark: how long loading a large spec takes (parse, bundle, hash), and positions after it.

Generates one spec with ``--operations`` operations (default 600: about 3 MB of YAML), written
three ways: one YAML file, one JSON file, and YAML with every schema in its own file (so bundling
has work to do). For each it times load_spec, the first locate() (JSON composes its node tree
lazily, on that first call), 1000 further locate() calls and validate_openapi.

    python benchmarks/spec_loading.py --operations 600 --repeat 3

This is a measurement, not a test; it prints the best of ``--repeat`` runs in CPU seconds of
this process (wall time on a shared machine mostly measures the neighbours).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from conformance.spec import load_spec, validate_openapi


def build(operations: int) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The spec (schemas referenced locally) and the schemas themselves."""
    schemas: dict[str, dict[str, Any]] = {
        "Problem": {
            "type": "object",
            "properties": {"status": {"type": "integer"}, "title": {"type": "string"}},
        }
    }
    paths: dict[str, Any] = {}
    for i in range(operations):
        name = f"Resource{i}"
        schemas[name] = {
            "type": "object",
            "description": f"Resource number {i}, described at some length. " * 3,
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "name": {"type": "string", "maxLength": 200, "example": f"name {i}"},
                "status": {"type": "string", "enum": ["active", "inactive", "archived"]},
                "createdAt": {"type": "string", "format": "date-time"},
                "parent": {"$ref": f"#/components/schemas/{name}"},
                **{f"field{j}": {"type": "string", "description": "x" * 60} for j in range(12)},
            },
        }
        paths[f"/resources-{i}/{{id}}"] = {
            "get": {
                "operationId": f"getResource{i}",
                "summary": f"Read resource {i}",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "headers": {"API-Version": {"schema": {"type": "string"}}},
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                        },
                    },
                    "404": {
                        "description": "Not found",
                        "content": {
                            "application/problem+json": {
                                "schema": {"$ref": "#/components/schemas/Problem"}
                            }
                        },
                    },
                },
            }
        }
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Benchmark", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }
    return spec, schemas


def write_variants(folder: Path, operations: int) -> dict[str, Path]:
    spec, schemas = build(operations)
    variants = {"yaml": folder / "openapi.yaml", "json": folder / "openapi.json"}
    variants["yaml"].write_text(yaml.safe_dump(spec, sort_keys=False))
    variants["json"].write_text(json.dumps(spec, indent=2))
    # Multi-file: components.schemas.X -> schemas/X.yaml, whose local refs become file refs.
    split = json.loads(json.dumps(spec))
    (folder / "schemas").mkdir()
    for name, schema in schemas.items():
        text = json.dumps(schema).replace('"#/components/schemas/', '"./')
        text = text.replace(f'"./{name}"', f'"./{name}.yaml"')
        (folder / "schemas" / f"{name}.yaml").write_text(yaml.safe_dump(json.loads(text)))
        split["components"]["schemas"][name] = {"$ref": f"schemas/{name}.yaml"}
    variants["multi-file"] = folder / "split.yaml"
    variants["multi-file"].write_text(yaml.safe_dump(split, sort_keys=False))
    return variants


def best(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return min(times)


def _first_locate(path: Path, pointer: tuple[str, ...]) -> float:
    spec = load_spec(path)
    started = time.process_time()
    spec.locate(pointer)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        variants = write_variants(Path(tmp), args.operations)
        print(f"{args.operations} operations")
        print(
            f"{'variant':<11} {'size':>8} {'load':>8} {'1st locate':>11} {'1000 locate':>12} "
            f"{'validate':>9}"
        )
        step = max(1, args.operations // 1000)
        pointers = [
            ("paths", f"/resources-{i}/{{id}}", "get", "responses", "200", "description")
            for i in range(0, args.operations, step)
        ][:1000]
        for name, path in variants.items():
            files = [path, *(Path(tmp) / "schemas").iterdir()] if name == "multi-file" else [path]
            size = sum(file.stat().st_size for file in files)
            load = best(args.repeat, lambda path=path: load_spec(path))

            first = min(_first_locate(path, pointers[-1]) for _ in range(args.repeat))
            spec = load_spec(path)
            spec.locate(pointers[0])
            many = best(args.repeat, lambda spec=spec: [spec.locate(p) for p in pointers])
            validate = best(1, lambda spec=spec: validate_openapi(spec))
            print(
                f"{name:<11} {size / 1e6:>6.1f}MB {load:>7.2f}s {first:>10.2f}s "
                f"{many:>11.3f}s {validate:>8.2f}s"
            )


if __name__ == "__main__":
    main()
