"""``gdi-conformance token``: print an access token from an identity building block.

Organisations get a client_credentials token; with ``--citizen BSN`` the authorization code
flow with PKCE runs through the login driver (``--login-driver``, else the vendor file's, else
the identity block's test login; a 302, 303 or 307 back to the client all count). The client
always authenticates with private_key_jwt, signed with ``--key`` (or the vendor file's key for
that client). Only the token goes to stdout, so
``TOKEN=$(gdi-conformance token ...)`` works; messages go to stderr.

Exit codes: 0 a token was printed; 1 the identity block refused to issue one; 2 bad arguments,
an unreadable key or an unreachable identity block.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.cli.run_options import add_option
from conformance.cli.vendor_file import read_vendor
from conformance.client.identifiers import is_valid_bsn
from conformance.client.login import LoginDriverError, driver_for
from conformance.client.oauth import (
    OAuthClientError,
    fetch_client_credentials,
    load_private_key,
)
from conformance.client.oauth_code import fetch_citizen_tokens
from conformance.exitcodes import ExitCode
from conformance.spec.vendor import VendorConfigError

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
            "authorization code flow with PKCE through the login driver (the vendor file's, "
            "--login-driver, else the identity block's test login). The vendor file "
            "(--config) can give the issuer, the client's key and redirect URI."
        ),
    )
    parser.add_argument(
        "--identity",
        metavar="URL",
        help="the issuer, or a GDI identity block's base URL (…/identity/v1); default: the "
        "vendor file's issuer",
    )
    parser.add_argument(
        "--client",
        required=True,
        metavar="CLIENT_ID",
        help="the client id (or its vendor-file role)",
    )
    parser.add_argument(
        "--key",
        type=Path,
        metavar="KEYFILE",
        help="the client's PEM private key (default: the vendor file's)",
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
    add_option(parser, "login-driver")
    add_option(parser, "config")
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
        vendor = read_vendor(args)
        driver = driver_for(args.login_driver, vendor) if args.citizen is not None else None
    except (VendorConfigError, LoginDriverError) as exc:
        return _fail(str(exc), ExitCode.COULD_NOT_RUN)
    identity = vendor.block("identity") if vendor is not None else None
    client = None
    if identity is not None:
        client = identity.client(args.client) or next(
            (item for item in identity.clients if item.client_id == args.client), None
        )
    client_id = client.client_id if client is not None else args.client
    issuer = args.identity or (identity.base_url if identity is not None else None)
    key_path = args.key or (client.key_path if client is not None else None)
    if issuer is None or key_path is None:
        return _fail(
            "give --identity URL and --key KEYFILE, or a vendor file (--config) with the issuer "
            "and the client's key",
            ExitCode.COULD_NOT_RUN,
        )
    try:
        key = load_private_key(key_path)
    except OAuthClientError as exc:
        return _fail(f"--key: {exc}", ExitCode.COULD_NOT_RUN)
    redirect_uri = args.redirect_uri or (
        client.redirect_uris[0] if client is not None and client.redirect_uris else None
    )
    citizen = next(
        (item for item in (identity.citizens if identity else ()) if item.bsn == args.citizen),
        None,
    )
    try:
        if args.citizen is None:
            response = fetch_client_credentials(issuer, client_id, key, scopes)
        else:
            response = fetch_citizen_tokens(
                issuer,
                client_id,
                key,
                bsn=args.citizen,
                scopes=scopes or ["openid"],
                redirect_uri=redirect_uri,
                driver=driver,
                fields=dict(citizen.fields) if citizen is not None else None,
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
