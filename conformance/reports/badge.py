"""An SVG badge (verdict and score) in the familiar two-part style, for READMEs and portals.

Text widths are estimated from per-character advance widths of Verdana 11px (the font such
badges use), so the badge needs no font at render time and no external service.
"""

from __future__ import annotations

from html import escape

from conformance.reports.certification import Certification, CertificationVerdict

BADGE_FILE = "badge.svg"
COLOURS = {
    CertificationVerdict.CERTIFIED: "#2e7d32",
    CertificationVerdict.CERTIFIED_WITH_REMARKS: "#8a6d00",
    CertificationVerdict.NOT_CERTIFIED: "#c62828",
    CertificationVerdict.INCOMPLETE: "#616161",
}
LABEL_COLOUR = "#37474f"
_NARROW = set("fijlrtI.,:;!|'() ")
_WIDE = set("mwMW@%")
HEIGHT = 20
PADDING = 6


def text_width(text: str) -> float:
    """Advance width in px of ``text`` in Verdana 11px (an estimate within a few percent)."""
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 3.9
        elif char in _WIDE:
            width += 10.5
        elif char.isupper() or char.isdigit():
            width += 7.6
        else:
            width += 6.8
    return width


def badge_svg(block: str, certification: Certification) -> str:
    label = f"GDI {block}"
    value = f"{certification.verdict.label} · {certification.score}"
    left = round(text_width(label) + 2 * PADDING)
    right = round(text_width(value) + 2 * PADDING)
    total = left + right
    colour = COLOURS[certification.verdict]
    title = escape(f"{label}: {certification.verdict.label}, score {certification.score}/100")
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" \
role="img" aria-label="{title}">
  <title>{title}</title>
  <linearGradient id="shine" x2="0" y2="100%">
    <stop offset="0" stop-color="#fff" stop-opacity=".12"/>
    <stop offset="1" stop-opacity=".12"/>
  </linearGradient>
  <clipPath id="round"><rect width="{total}" height="{HEIGHT}" rx="3" fill="#fff"/></clipPath>
  <g clip-path="url(#round)">
    <rect width="{left}" height="{HEIGHT}" fill="{LABEL_COLOUR}"/>
    <rect x="{left}" width="{right}" height="{HEIGHT}" fill="{colour}"/>
    <rect width="{total}" height="{HEIGHT}" fill="url(#shine)"/>
  </g>
  <g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" \
font-size="11">
    <text x="{left / 2:.1f}" y="14">{escape(label)}</text>
    <text x="{left + right / 2:.1f}" y="14">{escape(value)}</text>
  </g>
</svg>
"""
