"""``gdi-conformance token``: print an access token from an identity building block.

Organisations get a client_credentials token; with ``--citizen BSN`` the authorization code
flow with PKCE runs through the identity block's test login (no browser). The client always
authenticates with private_key_jwt, signed with ``--key``. Only the token goes to stdout, so
``TOKEN=$(gdi-conformance token ...)`` works; messages go to stderr.

Exit codes: 0 a token was printed; 1 the identity block refused to issue one; 2 bad arguments,
an unreadable key or an unreachable identity block.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.engine.identifiers import is_valid_bsn
from conformance.engine.oauth_client import (
    OAuthClientError,
    fetch_citizen_tokens,
    fetch_client_credentials,
    load_private_key,
)
from conformance.exitcodes import ExitCode

PROG = "gdi-conformance token"
# Why a citizen's login failed, by the identity block's RFC 6749 error, and what to do about it.
CITIZEN_HINTS = {
    "login_required": (
        "the identity block logs no citizen in without a login method; a reference block "
        "needs its test login: start it with 'gdi-conformance serve identity "
        "--enable-test-login' (or 'serve all --enable-test-login'), for test use only"
    ),
    "access_denied": "the identity block would not log in {bsn}: is it one of its test persons?",
    "unauthorized_client": "client {client!r} may not use the authorization code flow",
    "invalid_scope": "client {client!r} may not ask for one of the scopes (--scope)",
    "invalid_request": (
        "the identity block refused the request; is --redirect-uri the one registered "
        "for {client!r}?"
    ),
    "invalid_client": "the identity block did not accept client {client!r} with this --key",
    "invalid_grant": "the authorization code was refused when exchanged for the tokens",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "token",
        help="print an access token from an identity building block",
        description=(
            "Obtain an access token with private_key_jwt client authentication and print it. "
            "Without --citizen: client_credentials (organisations). With --citizen BSN: the "
            "authorization code flow with PKCE through the identity block's test login."
        ),
    )
    parser.add_argument(
        "--identity",
        required=True,
        metavar="URL",
        help="the identity block's base URL (…/identity/v1) or its issuer (…/oidc)",
    )
    parser.add_argument("--client", required=True, metavar="CLIENT_ID", help="the client id")
    parser.add_argument(
        "--key", required=True, type=Path, metavar="KEYFILE", help="the client's PEM private key"
    )
    parser.add_argument(
        "--scope",
        action="append",
        default=[],
        metavar="S",
        help="a scope to ask for (repeatable, or space-separated); default: the client's "
        "registered scopes, or 'openid' for a citizen",
    )
    parser.add_argument(
        "--citizen", metavar="BSN", help="log in this (synthetic) citizen with the test login"
    )
    parser.add_argument(
        "--redirect-uri",
        metavar="URI",
        help="the client's registered redirect URI (default: from the seed registrations)",
    )
    parser.add_argument(
        "--id-token", action="store_true", help="print the ID token instead (citizens only)"
    )
    parser.set_defaults(func=run)


def _fail(message: str, code: ExitCode) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    scopes = [scope for value in args.scope for scope in value.split()]
    if args.citizen is not None and not is_valid_bsn(args.citizen):
        return _fail(
            "--citizen must be a BSN: nine digits passing the 11-proef", ExitCode.COULD_NOT_RUN
        )
    if args.id_token and args.citizen is None:
        return _fail(
            "--id-token needs --citizen (only citizens get ID tokens)", ExitCode.COULD_NOT_RUN
        )
    try:
        key = load_private_key(args.key)
    except OAuthClientError as exc:
        return _fail(f"--key: {exc}", ExitCode.COULD_NOT_RUN)
    try:
        if args.citizen is None:
            response = fetch_client_credentials(args.identity, args.client, key, scopes)
        else:
            response = fetch_citizen_tokens(
                args.identity,
                args.client,
                key,
                bsn=args.citizen,
                scopes=scopes or ["openid"],
                redirect_uri=args.redirect_uri,
            )
    except OAuthClientError as exc:
        # The server said no (an OAuth error) versus we could not even ask.
        refused = exc.error is not None or exc.status in (400, 401, 403)
        message = str(exc)
        if args.citizen is not None and exc.error in CITIZEN_HINTS:
            message += ": " + CITIZEN_HINTS[exc.error].format(bsn=args.citizen, client=args.client)
        return _fail(message, ExitCode.NOT_CONFORMANT if refused else ExitCode.COULD_NOT_RUN)
    if args.id_token:
        if response.id_token is None:
            return _fail("no ID token was issued (ask for scope openid)", ExitCode.NOT_CONFORMANT)
        print(response.id_token)
    else:
        print(response.access_token)
    return ExitCode.CONFORMANT
