"""``run --workers N`` hands every option of ``run`` on to its shards, or says why not.

The shards are ``run`` processes of their own: an option left out of the forwarded set would
make them test something else than the command asked for (another spec, no credentials).
"""

from __future__ import annotations

import argparse

from conformance.cli import run as run_command
from conformance.cli.run_processes import _LIST_OPTIONS, _VALUE_OPTIONS, shard_arguments

# Options each shard gets its own value of, or that only the parent uses.
NOT_FORWARDED = {
    "help": "argparse's own",
    "seed": "forwarded first, resolved once so every shard uses the same",
    "workers": "each shard runs --workers 1",
    "shard": "each shard gets its own i/N",
    "report_dir": "each shard writes into a folder of its own; the parent merges",
    "signing_key": "only the merged verdict is signed",
}


def run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    run_command.register(parser.add_subparsers())
    return parser


def test_every_run_option_is_forwarded_or_named_as_not() -> None:
    subparsers = next(
        action for action in run_parser()._actions if isinstance(action, argparse._SubParsersAction)
    )
    dests = {action.dest for action in subparsers.choices["run"]._actions}
    forwarded = {dest for dest, _ in _VALUE_OPTIONS + _LIST_OPTIONS}
    assert dests - forwarded - set(NOT_FORWARDED) == set()
    assert forwarded - dests == set()


def test_a_spec_with_a_ref_root_reaches_the_shards() -> None:
    args = run_parser().parse_args(
        ["run", "--spec", "api.yaml", "--ref-root", "shared", "--base-url", "http://x"]
    )
    argv = shard_arguments(args, seed=5)
    assert argv[:2] == ["--seed", "5"]
    assert argv[argv.index("--ref-root") + 1] == "shared"
    assert argv[argv.index("--spec") + 1] == "api.yaml"
