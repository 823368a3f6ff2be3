"""Inline SVG charts for the HTML report (no script, no external assets: prints and works offline).

``response_time_chart`` draws one row per operation: a thin line from the fastest to the
slowest response, a bar from the median to the 95th percentile, and a mark at the median.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from html import escape

from conformance.results import ResponseTimeSample

WIDTH = 860
LABEL_WIDTH = 250
STATS_WIDTH = 190
ROW = 28
TOP = 34
BOTTOM = 30


@dataclass(frozen=True, slots=True)
class TimingStats:
    operation: str
    count: int
    fastest: float
    median: float
    p95: float
    slowest: float


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (the value a share of samples stay under)."""
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def timing_stats(samples: list[ResponseTimeSample]) -> list[TimingStats]:
    by_operation: dict[str, list[float]] = defaultdict(list)
    for sample in samples:
        by_operation[sample.operation].append(sample.ms)
    stats = []
    for operation, values in sorted(by_operation.items()):
        values.sort()
        stats.append(
            TimingStats(
                operation=operation,
                count=len(values),
                fastest=values[0],
                median=percentile(values, 0.5),
                p95=percentile(values, 0.95),
                slowest=values[-1],
            )
        )
    return stats


def _nice_step(limit: float) -> float:
    """A round tick distance giving four to eight ticks up to ``limit``."""
    raw = limit / 5
    magnitude: float = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def _ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _shorten(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def response_time_chart(samples: list[ResponseTimeSample]) -> str:
    """The chart as an ``<svg>`` element (empty string when there are no samples)."""
    stats = timing_stats(samples)
    if not stats:
        return ""
    top = max(item.slowest for item in stats)
    step = _nice_step(top if top > 0 else 1.0)
    limit = step * math.ceil((top or 1.0) / step)
    plot = WIDTH - LABEL_WIDTH - STATS_WIDTH
    height = TOP + ROW * len(stats) + BOTTOM

    def x(value: float) -> float:
        return LABEL_WIDTH + plot * value / limit

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-title chart-desc">',
        '<title id="chart-title">Response times per operation (milliseconds)</title>',
        '<desc id="chart-desc">For each operation: a line from the fastest to the slowest '
        "response, a bar from the median to the 95th percentile, a mark at the median.</desc>",
        f'<text x="{LABEL_WIDTH}" y="14" class="axis-title">milliseconds</text>',
        f'<text x="{WIDTH - STATS_WIDTH + 12}" y="14" class="axis-title">'
        "median · p95 · max (n)</text>",
    ]
    ticks = round(limit / step)
    bottom = TOP + ROW * len(stats)
    for index in range(ticks + 1):
        value = index * step
        position = x(value)
        parts.append(
            f'<line x1="{position:.1f}" y1="{TOP - 6}" x2="{position:.1f}" y2="{bottom}" '
            'class="grid"/>'
        )
        parts.append(
            f'<text x="{position:.1f}" y="{bottom + 16}" class="tick" text-anchor="middle">'
            f"{_ms(value)}</text>"
        )
    for row, item in enumerate(stats):
        middle = TOP + ROW * row + ROW / 2
        summary = (
            f"{item.operation}: median {_ms(item.median)} ms, "
            f"95th percentile {_ms(item.p95)} ms, fastest {_ms(item.fastest)} ms, "
            f"slowest {_ms(item.slowest)} ms, {item.count} responses"
        )
        bar_start, bar_end = x(item.median), max(x(item.p95), x(item.median) + 2)
        parts += [
            f"<g><title>{escape(summary)}</title>",
            f'<text x="{LABEL_WIDTH - 10}" y="{middle + 4:.1f}" class="label" text-anchor="end">'
            f"{escape(_shorten(item.operation))}</text>",
            f'<line x1="{x(item.fastest):.1f}" y1="{middle:.1f}" x2="{x(item.slowest):.1f}" '
            f'y2="{middle:.1f}" class="range"/>',
            f'<rect x="{bar_start:.1f}" y="{middle - 7:.1f}" width="{bar_end - bar_start:.1f}" '
            f'height="14" rx="2" class="bar"/>',
            f'<line x1="{bar_start:.1f}" y1="{middle - 9:.1f}" x2="{bar_start:.1f}" '
            f'y2="{middle + 9:.1f}" class="median"/>',
            f'<text x="{WIDTH - STATS_WIDTH + 12}" y="{middle + 4:.1f}" class="stats">'
            f"{_ms(item.median)} · {_ms(item.p95)} · {_ms(item.slowest)} ({item.count})</text>",
            "</g>",
        ]
    parts.append("</svg>")
    return "\n".join(parts)
