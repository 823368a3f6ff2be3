"""``gdi-conformance register serve``: run a conformance register.

    gdi-conformance register serve [--database URL] [--data-dir DIR] [--host H] [--port P]
        [--admin-token-file FILE] [--trust-key PEM]... [--publish REPORT_DIR]...

SQLite under DIR by default; PostgreSQL with a ``postgresql://`` URL (several instances may
share one database). The schema is migrated on start. Prints ``register <url>`` once it accepts
requests; SIGINT/SIGTERM stop it (exit 0). Exit 2: it could not start.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from conformance.exitcodes import ExitCode

PROG = "gdi-conformance register serve"
ADMIN_TOKEN_VARIABLE = "GDI_REGISTER_ADMIN_TOKEN"
DATABASE_VARIABLE = "GDI_REGISTER_DATABASE"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "register",
        help="run a conformance register (certificates and reports over time, on the web)",
        description="The conformance register: see 'register serve --help'.",
    )
    actions = parser.add_subparsers(dest="register_command", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="run the register's web service",
        description=(
            "Serve the register: pages for people, a JSON API (OpenAPI at /api/v1/openapi.json) "
            "for machines. Prints 'register <url>' when ready."
        ),
    )
    serve.add_argument(
        "--database",
        metavar="URL",
        default=os.environ.get(DATABASE_VARIABLE),
        help=f"postgresql://... or sqlite:///...; default: ${DATABASE_VARIABLE}, else SQLite "
        "in --data-dir",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=Path("register-data"),
        metavar="DIR",
        help="where the SQLite database lives (default: ./register-data)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8090, help="port (0: a free one); default 8090")
    serve.add_argument(
        "--admin-token-file",
        type=Path,
        metavar="FILE",
        help=f"a file holding the admin token (or set ${ADMIN_TOKEN_VARIABLE})",
    )
    serve.add_argument(
        "--trust-key",
        type=Path,
        action="append",
        default=[],
        metavar="PEM",
        help="trust this public key as a certifying authority (repeatable)",
    )
    serve.add_argument(
        "--publish",
        type=Path,
        action="append",
        default=[],
        metavar="REPORT_DIR",
        help="publish the certificates in this folder on start, e.g. reports/ (repeatable)",
    )
    serve.add_argument(
        "--validity-days",
        type=int,
        default=365,
        metavar="N",
        help="a certificate expires N days after it was issued (default: 365)",
    )
    serve.add_argument(
        "--max-upload-mb",
        type=int,
        default=16,
        metavar="N",
        help="largest publication accepted, in MiB (default: 16)",
    )
    serve.set_defaults(func=serve_main)


def _admin_token(args: argparse.Namespace) -> str | None:
    if args.admin_token_file is not None:
        try:
            token: str = args.admin_token_file.read_text(encoding="utf-8")
            return token.strip()
        except OSError as exc:
            raise SystemExit(f"{args.admin_token_file}: cannot read ({exc.strerror})") from None
    return os.environ.get(ADMIN_TOKEN_VARIABLE) or None


def _prepare(args: argparse.Namespace) -> Any:
    """Open and migrate the database, bootstrap the admin token, trusted keys, publications."""
    from conformance.register import access
    from conformance.register.app import Settings, create_app
    from conformance.register.database import database_url, open_database
    from conformance.register.errors import Refused
    from conformance.register.publication import publish
    from conformance.register.uploads import find_uploads

    if args.validity_days < 1 or args.max_upload_mb < 1:
        raise SystemExit("--validity-days and --max-upload-mb must be at least 1")
    token = _admin_token(args)
    engine = open_database(database_url(args.database, args.data_dir))
    if token:
        try:
            access.ensure_admin_token(engine, token)
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
    for path in args.trust_key:
        try:
            pem = path.read_text(encoding="ascii")
            with engine.begin() as connection:
                key = access.add_key(
                    connection, pem, label=path.name, kind=access.AUTHORITY_KEY, vendor=None
                )
        except (OSError, UnicodeDecodeError) as exc:
            raise SystemExit(f"{path}: cannot read the key ({exc})") from None
        except Refused as exc:
            raise SystemExit(f"{path}: {exc.detail}") from None
        print(f"trusted key {key['fingerprint']} ({path.name})", flush=True)
    admin = access.Caller(role=access.ADMIN)
    for folder in args.publish:
        for upload in find_uploads(folder):
            try:
                done = publish(engine, upload.certificate, upload.report, admin)
                print(f"{upload.folder}: {'published' if done.created else 'already published'}")
            except Refused as exc:
                print(f"{upload.folder}: refused: {exc.detail}", file=sys.stderr)
    settings = Settings(
        validity_days=args.validity_days, max_upload_bytes=args.max_upload_mb * 1024 * 1024
    )
    return create_app(engine, settings)


def serve_main(args: argparse.Namespace) -> int:
    import uvicorn

    from conformance.register.database import DatabaseError
    from conformance.register.uploads import UploadError

    try:
        app = _prepare(args)
    except (DatabaseError, UploadError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    except SystemExit as exc:
        print(f"{PROG}: {exc.code}", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    except Exception as exc:  # e.g. the database refuses the connection
        print(
            f"{PROG}: cannot open the database: {exc.__class__.__name__}: {exc}".splitlines()[0],
            file=sys.stderr,
        )
        return ExitCode.COULD_NOT_RUN
    try:
        sock = socket.create_server((args.host, args.port), reuse_port=False)
    except OSError as exc:
        print(f"{PROG}: cannot listen on {args.host}:{args.port} ({exc.strerror})", file=sys.stderr)
        return ExitCode.COULD_NOT_RUN
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False)
    server = uvicorn.Server(config)
    print(f"register http://{host}:{port}", flush=True)
    # uvicorn stops on SIGINT/SIGTERM, then raises the signal again under the handlers it found:
    # with these, that second delivery is a no-op and the stop is a clean exit 0.
    main_thread = threading.current_thread() is threading.main_thread()
    signals = (signal.SIGINT, signal.SIGTERM) if main_thread else ()
    previous = {sig: signal.signal(sig, _ignore) for sig in signals}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return ExitCode.CONFORMANT


def _ignore(signum: int, frame: FrameType | None) -> None:
    pass
