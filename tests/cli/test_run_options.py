"""One table of run options: ``run``, ``certify`` and the pytest plugin are built from it, and
a run's options survive the way to a shard process and back."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import certify as certify_command
from conformance.cli import run as run_command
from conformance.cli.run_config import build_run_config, spec_of, target_of
from conformance.cli.run_options import (
    BY_NAME,
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_REQUEST_TIMEOUT,
    PYTEST_PREFIX,
    RUN_OPTIONS,
    RunOptions,
    pytest_dest,
    to_argv,
)
from conformance.engine import config as engine_config
from conformance.engine.config import RunConfig
from conformance.paths import specs_root
from conformance.pytest_plugin.options import add_options

# Options the run command has beyond the table (not run options: how the command organises
# its processes and output).
RUN_ONLY = {"help", "workers", "shard", "report_dir", "signing_key"}
CERTIFY_ONLY = {
    "help",
    "reference",
    "report_dir",
    "signing_key",
    "lang",
    "vendor",
    "product",
    "product_version",
    "waivers",
}
PYTEST_ONLY = {"gdi_report_dir"}


def command_parser(module: object, name: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers())  # type: ignore[attr-defined]
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    found: argparse.ArgumentParser = subparsers.choices[name]
    return found


def argparse_options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {action.dest: action for action in parser._actions}


class _Recorder:
    """Where ``add_options`` adds its options: their flags and settings, as pytest gets them."""

    def __init__(self) -> None:
        self.options: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {}

    def getgroup(self, name: str, description: str = "") -> _Recorder:
        return self

    def addoption(self, *names: str, **kwargs: Any) -> None:
        dest = kwargs.get("dest") or names[0].lstrip("-").replace("-", "_")
        self.options[dest] = (names, kwargs)


def pytest_options(pytestconfig: pytest.Config) -> dict[str, tuple[list[str], object]]:
    """dest -> (flags, default) of every option the plugin adds; the default as pytest holds
    it (none of them is given to this session)."""
    recorder = _Recorder()
    add_options(recorder)  # type: ignore[arg-type]
    return {
        dest: (list(names), pytestconfig.getoption(dest))
        for dest, (names, _) in recorder.options.items()
    }


def test_run_certify_and_pytest_have_every_option_of_the_table_with_its_default(
    pytestconfig: pytest.Config,
) -> None:
    run = argparse_options(command_parser(run_command, "run"))
    certify = argparse_options(command_parser(certify_command, "certify"))
    plugin = pytest_options(pytestconfig)
    for option in RUN_OPTIONS:
        default = [] if option.repeatable else option.default
        assert run[option.name].default == default, option.flag
        assert run[option.name].option_strings == [f"--{option.flag}"]
        assert run[option.name].type is option.type
        flags, plugin_default = plugin.pop(pytest_dest(option.name))
        assert flags == [f"--{PYTEST_PREFIX}{option.flag}"]
        assert plugin_default == default, option.flag
        if option.certify:
            assert certify[option.name].default == default, option.flag
            assert certify[option.name].type is option.type
        else:
            assert option.name not in certify
    assert set(run) - {option.name for option in RUN_OPTIONS} == RUN_ONLY
    assert set(certify) - {option.name for option in RUN_OPTIONS} == CERTIFY_ONLY
    assert set(plugin) == PYTEST_ONLY


def test_run_options_has_a_field_for_every_option_of_the_table() -> None:
    assert {item.name for item in dataclasses.fields(RunOptions)} == set(BY_NAME)


def test_the_defaults_are_the_engines() -> None:
    assert DEFAULT_MAX_EXAMPLES == engine_config.DEFAULT_MAX_EXAMPLES
    assert DEFAULT_REQUEST_TIMEOUT == engine_config.DEFAULT_REQUEST_TIMEOUT
    assert BY_NAME["threads"].default == 1


def test_no_seed_is_a_random_one_drawn_once() -> None:
    seeds = {RunOptions.of().seed for _ in range(5)}
    assert len(seeds) > 1
    assert RunOptions.of(seed=7).seed == 7


def _run_config(argv: list[str]) -> RunConfig:
    args = command_parser(run_command, "run").parse_args(argv)
    options = RunOptions.from_namespace(args)
    base_url, subjects = target_of(options, None)
    profile, spec = spec_of(options)
    return build_run_config(
        options, spec=spec, profile=profile, base_url=base_url, subjects=subjects, vendor=None
    )


def _fields(source: object) -> dict[str, object]:
    return {
        item.name: getattr(source, item.name)
        for item in dataclasses.fields(source)  # type: ignore[arg-type]
        if not item.name.startswith("_")
    }


def _comparable(config: RunConfig) -> dict[str, object]:
    """The config's values; the subjects (credential sources) and spec by what they hold."""
    values = {name: getattr(config, name) for name in RunConfig.__dataclass_fields__}
    subjects = values.pop("subjects")
    values["subjects"] = {
        name: (type(source).__name__, _fields(source))
        for name, source in subjects.items()  # type: ignore[attr-defined]
    }
    spec = values.pop("spec")
    values["spec"] = spec.bundled  # type: ignore[attr-defined]
    return values


def test_a_run_config_survives_the_way_to_a_shard_and_back(tmp_path: Path) -> None:
    spec = specs_root() / "registries" / "v1" / "openapi.yaml"
    key = tmp_path / "org.pem"
    key.write_text("not read before the run", encoding="utf-8")
    argv = [
        "--spec", str(spec), "--base-url", "http://127.0.0.1:9/registries/v1",
        "--seed", "11", "--max-examples", "3", "--max-time", "2.5", "--threads", "2",
        "--request-timeout", "4", "--identity", "http://127.0.0.1:9/identity/v1",
        "--client", "gemeente-utrecht", "--key", str(key), "--scope", "registries:read",
        "--scope", "registries:declare", "--secondary-header", "Authorization: Bearer b",
        "--login-driver", "test-login",
    ]  # fmt: skip
    first = _run_config(argv)
    again = _run_config(to_argv(RunOptions.from_namespace(
        command_parser(run_command, "run").parse_args(argv)
    )))  # fmt: skip
    assert _comparable(again) == _comparable(first)
    assert (first.seed, first.max_examples, first.threads, first.max_time) == (11, 3, 2, 2.5)
