"""``--config FILE``: the vendor file (``conformance.spec.vendor``) on the command line.

Every command that tests an implementation (run, certify, interop, token) reads it: given with
``--config``, else ``./gdi-conformance.yaml`` when there is one. From it come the base URL of a
block (for identity: the issuer) when ``--base-url`` is not given, the run's subjects (the
organisation test clients at the identity provider) when no credential option is given, the
test clients, test users and login of the identity checks, the block's restart command (the
durability checks' crash) and its waivers.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
from collections.abc import Callable

from conformance.cli.run_options import RunOptions
from conformance.client.credentials import PRIMARY, SECONDARY, IdentityClient, Subjects
from conformance.reports.waivers import Waiver, parse_waivers
from conformance.spec.vendor import (
    BlockConfig,
    VendorConfig,
    find_vendor_config,
    load_vendor_config,
)

RESTART_TIMEOUT = 120.0  # seconds a vendor's restart command may take


def read_vendor(args: argparse.Namespace | RunOptions) -> VendorConfig | None:
    """The vendor file the command uses (its --config, else ./gdi-conformance.yaml when
    present), validated; ``VendorConfigError`` says where not."""
    path = find_vendor_config(getattr(args, "config", None))
    return None if path is None else load_vendor_config(path)


def block_name(bb: str) -> str:
    return bb.partition("@")[0]


def block_of(vendor: VendorConfig | None, name: str) -> BlockConfig | None:
    return vendor.block(name) if vendor is not None else None


def identity_url(vendor: VendorConfig | None) -> str | None:
    block = block_of(vendor, "identity")
    return block.base_url if block is not None else None


def vendor_subjects(vendor: VendorConfig | None, block: str, issuer: str | None) -> Subjects:
    """The two organisation test clients as the run's primary and secondary subjects, with
    the scopes of ``block`` they are registered for (none for identity itself)."""
    identity = block_of(vendor, "identity")
    if identity is None or issuer is None:
        return Subjects()
    sources = {}
    for subject, role in ((PRIMARY, "organisation"), (SECONDARY, "second-organisation")):
        client = identity.client(role)
        if client is None:
            continue
        scopes = tuple(scope for scope in client.scopes if scope.startswith(f"{block}:"))
        sources[subject] = IdentityClient(issuer, client.client_id, client.key_path, scopes)
    if SECONDARY in sources and PRIMARY not in sources:
        return Subjects()
    return Subjects(sources)


def restart_hook(
    vendor: VendorConfig | None, block: str, timeout: float = RESTART_TIMEOUT
) -> Callable[[], None] | None:
    """The block's restart command (run without a shell) as the run's restart hook: it must
    crash the implementation and start it again; the checks then wait until it answers."""
    config = block_of(vendor, block)
    if config is None or not config.restart:
        return None
    argv = shlex.split(config.restart)

    def restart() -> None:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            said = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"{config.restart!r} exited with {done.returncode}: {said}")

    return restart


def vendor_waivers(vendor: VendorConfig | None, block: str) -> list[Waiver]:
    config = block_of(vendor, block)
    if vendor is None or config is None or not config.waivers:
        return []
    return parse_waivers({"waivers": list(config.waivers)}, f"{vendor.path}: {block}")
