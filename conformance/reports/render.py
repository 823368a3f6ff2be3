"""Write the reports of one run into a directory, every one from the same result model."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance.lint import DEFAULT_ADR_VERSION, lint_spec
from conformance.paths import specs_root
from conformance.reports.badge import BADGE_FILE, badge_svg
from conformance.reports.certificate import CERTIFICATE_FILE, build_payload, sign_certificate
from conformance.reports.certification import Certification
from conformance.reports.html import HTML_FILE, render_html
from conformance.reports.i18n import DEFAULT_LANGUAGE
from conformance.reports.junit import JUNIT_FILE, junit_xml
from conformance.reports.lint_sarif import render_sarif
from conformance.results import RunReport, write_report
from conformance.spec import LoadedSpec

SARIF_FILE = "lint.sarif"
FORMATS = ("json", "html", "junit", "badge", "sarif")
READABLE = 0o644


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Replace ``path`` in one step, so no reader ever sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(raw)
        os.chmod(temporary, READABLE)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _portable(file: str) -> str:
    """A catalogue file as ``specs/<block>/v<major>/<file>`` (its place in this repository),
    wherever the catalogue is installed, so dashboards can match it; other files as given."""
    try:
        inside = Path(file).resolve().relative_to(specs_root().resolve())
    except ValueError:
        return file
    return "specs/" + inside.as_posix()


def sarif_for(spec: LoadedSpec) -> str:
    """The static ADR findings of ``spec`` as SARIF (the lint layer's own writer)."""
    findings = [
        dataclasses.replace(finding, file=_portable(finding.file)) for finding in lint_spec(spec)
    ]
    return render_sarif(findings, adr_version=DEFAULT_ADR_VERSION)


def write_outputs(
    report: RunReport,
    certification: Certification,
    directory: Path,
    formats: Iterable[str] = ("json", "html", "junit", "badge"),
    *,
    spec: LoadedSpec | None = None,
    signed_by: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> dict[str, Path]:
    """Write the chosen formats; ``sarif`` needs the loaded ``spec``; ``signed_by``: the
    fingerprint of the key that signs the certificate, shown in the HTML report. Returns
    format -> path. ``language``: of the HTML report."""
    written: dict[str, Path] = {}
    for kind in formats:
        if kind == "json":
            written[kind] = write_report(report, directory)
        elif kind == "html":
            html = render_html(report, certification, signed_by=signed_by, language=language)
            written[kind] = write_atomic(directory / HTML_FILE, html)
        elif kind == "junit":
            written[kind] = write_atomic(directory / JUNIT_FILE, junit_xml(report, certification))
        elif kind == "badge":
            svg = badge_svg(report.profile.name, certification)
            written[kind] = write_atomic(directory / BADGE_FILE, svg)
        elif kind == "sarif":
            if spec is None:
                raise ValueError("SARIF needs the loaded spec")
            written[kind] = write_atomic(directory / SARIF_FILE, sarif_for(spec))
        else:
            raise ValueError(f"unknown report format {kind!r}")
    return written


def write_certificate(
    report: RunReport, certification: Certification, directory: Path, key: Ed25519PrivateKey
) -> Path:
    """Sign the verdict of ``report`` and write ``directory/certificate.json``.

    ``report`` must be the report as written (redacted): the certificate holds its digest.
    """
    payload = build_payload(report, certification)
    return write_atomic(directory / CERTIFICATE_FILE, sign_certificate(payload, key))
