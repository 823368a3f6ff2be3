"""``gdi-conformance publish --register URL --token TOKEN REPORT_DIR...``: send the certificates
and reports a run or ``certify`` wrote to a conformance register.

Each REPORT_DIR holds certificate.json and report.json, or sub-folders that do (as ``certify``
writes them). Exit 0: every certificate published (or already there); 1: the register refused
one (the message says why; it stored nothing of it); 2: could not run (a folder without a
certificate, an unreachable register, a wrong token).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import httpx

from conformance.exitcodes import ExitCode
from conformance.register.uploads import Upload, UploadError, find_uploads

PROG = "gdi-conformance publish"
TOKEN_VARIABLE = "GDI_REGISTER_TOKEN"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="publish certificates and reports to a conformance register",
        description=(
            "Upload each certificate.json with its report.json to a register, which verifies "
            "it against the keys it trusts. Exit 0: all published, 1: one refused, 2: could "
            "not run."
        ),
    )
    parser.add_argument("folders", nargs="+", type=Path, metavar="REPORT_DIR")
    parser.add_argument("--register", required=True, metavar="URL", help="the register's address")
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        default=None,
        help=f"a vendor (or admin) token; default: the environment variable {TOKEN_VARIABLE}",
    )
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S", help="default: 60")
    parser.set_defaults(func=main)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return response.reason_phrase


def _send(client: httpx.Client, url: str, upload: Upload) -> tuple[int, str]:
    body = {"certificate": upload.certificate.decode("utf-8"), "report": upload.report}
    response = client.post(url, json=body)
    if response.status_code in (200, 201):
        data = response.json()
        what = "published" if data.get("created") else "already published"
        page = url.rsplit("/api/", 1)[0] + "/certificates/" + str(data.get("certificate"))
        return response.status_code, f"{upload.folder}: {what}: {page}"
    return (
        response.status_code,
        f"{upload.folder}: refused ({response.status_code}): {_detail(response)}",
    )


def main(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get(TOKEN_VARIABLE)
    if not token:
        print(f"{PROG}: give --token or set {TOKEN_VARIABLE}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    try:
        uploads = [upload for folder in args.folders for upload in find_uploads(folder)]
    except (UploadError, UnicodeDecodeError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    url = args.register.rstrip("/") + "/api/v1/publications"
    headers = {"Authorization": f"Bearer {token}"}
    refused = False
    with httpx.Client(headers=headers, timeout=args.timeout) as client:
        for upload in uploads:
            try:
                status, message = _send(client, url, upload)
            except httpx.HTTPError as exc:
                print(
                    f"{PROG}: cannot reach the register at {args.register} ({exc})", file=sys.stderr
                )
                return ExitCode.COULD_NOT_RUN
            if status == 401:
                print(
                    f"{PROG}: the register does not accept this token; nothing was published",
                    file=sys.stderr,
                )
                return ExitCode.COULD_NOT_RUN
            print(message, file=sys.stdout if status in (200, 201) else sys.stderr)
            refused = refused or status not in (200, 201)
    return ExitCode.NOT_CONFORMANT if refused else ExitCode.CONFORMANT
