"""The register's badges: the latest verdict and score of a product for a block, and whether
it is self-assessed, expired or outdated, in the style of the run's own badge."""

from __future__ import annotations

from html import escape
from typing import Any

from conformance.reports.badge import COLOURS, HEIGHT, LABEL_COLOUR, PADDING, text_width
from conformance.reports.certification import CertificationVerdict

STALE_COLOUR = "#757575"


def badge(block: str, entry: dict[str, Any]) -> str:
    verdict = CertificationVerdict(entry["verdict"])
    label = f"GDI {block}"
    value = f"{verdict.label} · {entry['score']}"
    if entry["assessment"] == "self-assessed":
        value += " · self-assessed"
    colour = COLOURS[verdict]
    if entry["standing"] != "valid":
        value += f" · {entry['standing']}"
        colour = STALE_COLOUR
    left = round(text_width(label) + 2 * PADDING)
    right = round(text_width(value) + 2 * PADDING)
    total = left + right
    title = escape(f"{label}: {value}")
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" \
role="img" aria-label="{title}">
  <title>{title}</title>
  <rect width="{left}" height="{HEIGHT}" rx="3" fill="{LABEL_COLOUR}"/>
  <rect x="{left}" width="{right}" height="{HEIGHT}" rx="3" fill="{colour}"/>
  <g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" \
font-size="11">
    <text x="{left / 2:.1f}" y="14">{escape(label)}</text>
    <text x="{left + right / 2:.1f}" y="14">{escape(value)}</text>
  </g>
</svg>
"""
