"""``run --workers N`` hands every option of ``run`` on to its shards, or says why not.

The shards are ``run`` processes of their own: an option left out of the forwarded set would
make them test something else than the command asked for (another spec, no credentials). The
forwarded set is the table of run options (``conformance.cli.run_options``), serialised by
``to_argv``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from conformance.cli import main as cli_main
from conformance.cli import run as run_command
from conformance.cli.run_options import RUN_OPTIONS, RunOptions
from conformance.cli.run_processes import shard_arguments

# Options of run that are not run options: each shard gets its own value, or only the parent
# uses them.
NOT_FORWARDED = {
    "help": "argparse's own",
    "workers": "each shard is one process",
    "shard": "each shard gets its own i/N",
    "report_dir": "each shard writes into a folder of its own; the parent merges",
    "signing_key": "only the merged verdict is signed",
}


def run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    run_command.register(parser.add_subparsers())
    return parser


def run_subparser() -> argparse.ArgumentParser:
    subparsers = next(
        action for action in run_parser()._actions if isinstance(action, argparse._SubParsersAction)
    )
    parser: argparse.ArgumentParser = subparsers.choices["run"]
    return parser


def test_every_run_option_is_forwarded_or_named_as_not() -> None:
    dests = {action.dest for action in run_subparser()._actions}
    forwarded = {option.name for option in RUN_OPTIONS}
    assert dests - forwarded - set(NOT_FORWARDED) == set()
    assert forwarded - dests == set()


def test_a_spec_with_a_ref_root_and_the_seed_reach_the_shards() -> None:
    args = run_parser().parse_args(
        ["run", "--spec", "api.yaml", "--ref-root", "shared", "--base-url", "http://x"]
    )
    argv = shard_arguments(RunOptions.from_namespace(args))
    assert "--ref-root=shared" in argv
    assert "--spec=api.yaml" in argv
    assert any(item.startswith("--seed=") for item in argv)  # drawn once, for every shard


def test_a_value_that_begins_with_a_dash_stays_a_value() -> None:
    options = RunOptions.of(spec=Path("api.yaml"), base_url="http://x", token_command="-v token")
    parsed = run_subparser().parse_args(shard_arguments(options))
    assert RunOptions.from_namespace(parsed) == options


def test_a_shard_with_several_workers_is_refused_with_the_option_it_wants(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["run", "--spec", "api.yaml", "--base-url", "http://127.0.0.1:9/x/v1"]
    assert cli_main([*argv, "--shard", "1/2", "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "--workers 2 runs 2 shard processes" in err and "--threads N" in err
