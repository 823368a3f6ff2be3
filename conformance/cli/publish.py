"""``gdi-conformance publish --register URL --token TOKEN REPORT_DIR...``: send the certificates
and reports a run or ``certify`` wrote to a conformance register.

Each REPORT_DIR holds certificate.json and report.json, or sub-folders that do (as ``certify``
writes them). Exit 0: every certificate published (or already there); 1: the register refused
one (the message says why; it stored nothing of it); 2: could not run (a folder without a
certificate, an unreachable register, a wrong token).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from http import HTTPStatus
from pathlib import Path
from typing import Any

from conformance.exitcodes import ExitCode
from conformance.httplimits import HttpClient, ReceivedResponse
from conformance.register.uploads import Upload, UploadError, find_uploads

PROG = "gdi-conformance publish"
TOKEN_VARIABLE = "GDI_REGISTER_TOKEN"
# The register answers a few hundred bytes; a larger answer is not the register's.
REGISTER_ANSWER_BYTES = 1024 * 1024


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


def _json(answer: ReceivedResponse) -> Any:
    try:
        return json.loads(answer.body)
    except ValueError:
        return None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)


def _detail(answer: ReceivedResponse) -> str:
    body = _json(answer)
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    if body is None:
        return answer.body[:300].decode("utf-8", "replace") or _reason(answer.status)
    return _reason(answer.status)


class _NoAnswer(Exception):
    """No answer of the register to read (the message says why)."""


def _send(http: HttpClient, url: str, headers: dict[str, str], upload: Upload) -> tuple[int, str]:
    body = {"certificate": upload.certificate.decode("utf-8"), "report": upload.report}
    exchange = http.send(
        "POST",
        url,
        headers={**headers, "Content-Type": "application/json"},
        body=json.dumps(body).encode("utf-8"),
    )
    answer = exchange.response
    if answer is None:
        what = "cannot read the answer of" if exchange.answered else "cannot reach"
        raise _NoAnswer(f"{what} the register at {url} ({exchange.error})")
    if answer.status in (200, 201):
        data = _json(answer)
        data = data if isinstance(data, dict) else {}
        what = "published" if data.get("created") else "already published"
        page = url.rsplit("/api/", 1)[0] + "/certificates/" + str(data.get("certificate"))
        return answer.status, f"{upload.folder}: {what}: {page}"
    return answer.status, f"{upload.folder}: refused ({answer.status}): {_detail(answer)}"


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
    with HttpClient(timeout=args.timeout, max_response_bytes=REGISTER_ANSWER_BYTES) as http:
        for upload in uploads:
            try:
                status, message = _send(http, url, headers, upload)
            except _NoAnswer as exc:
                print(f"{PROG}: {exc}", file=sys.stderr)
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
