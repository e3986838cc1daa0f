"""Server-side charts as inline SVG: no JavaScript, no external resource (works offline).

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` naming the table that
follows it, which is the accessible alternative holding the same numbers. Every text that
comes from data is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Colour-blind-safe palette (Okabe–Ito), dark enough on white for bars and lines.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 4", "2 3", "8 3 2 3")
WIDTH = 540
FONT = 'font-family="Roboto, Arial, sans-serif" font-size="12"'


def _nice_max(value: float) -> int:
    """A round upper bound for an axis (1, 2, 5, 10, 20, 50, ...)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor:
                return step * factor
        step *= 10


def _svg(chart_id: str, title: str, table_title: str, height: int, content: list[str]) -> str:
    desc = _("Les valeurs exactes figurent dans le tableau « %(table)s » qui suit.") % {
        "table": table_title
    }
    return (
        f'<svg class="monitoring-chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}>'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>' + "".join(content) + "</svg>"
    )


def _legend(names: Sequence[str], y: int, *, lines: bool = False) -> tuple[list[str], int]:
    """The legend's SVG parts, wrapped to the chart's width, and the height it takes."""
    parts, x, row_height = [], 10, 18
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        swatch = 30 if lines else 18
        needed = swatch + 7 * len(str(name)) + 14
        if x > 10 and x + needed > WIDTH:
            x, y = 10, y + row_height
        if lines:
            dash = DASHES[index % len(DASHES)]
            parts.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{colour}" '
                f'stroke-width="3" stroke-dasharray="{dash}"/>'
            )
        else:
            parts.append(f'<rect x="{x}" y="{y - 11}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + swatch}" y="{y}">{escape(name)}</text>')
        x += needed
    return parts, y


def bar_chart(
    *,
    chart_id: str,
    title: str,
    table_title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    value_format=str,
) -> SafeString:
    """Horizontal bars, one per label; several series are stacked (with a legend).
    ``value_format`` renders the numbers written next to the bars."""
    label_width, right = 180, 40
    bar_area = WIDTH - label_width - right
    row_height, top = 26, 10
    totals = [sum(values[i] for _name, values in series) for i in range(len(labels))]
    scale_max = _nice_max(max(totals, default=0))
    stacked = len(series) > 1
    axis_y = top + row_height * max(len(labels), 1)
    legend, legend_bottom = _legend([name for name, _v in series], axis_y + 42)
    height = (legend_bottom + 10) if stacked else axis_y + 24
    content = []
    if not labels:
        content.append(f'<text x="10" y="30">{escape(_("Aucune donnée."))}</text>')
    for i, label in enumerate(labels):
        y = top + i * row_height
        text = str(label) if len(str(label)) <= 28 else str(label)[:27] + "…"
        content.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end">{escape(text)}</text>'
        )
        x = float(label_width)
        for index, (name, values) in enumerate(series):
            value = values[i]
            if value <= 0:
                continue
            width = bar_area * value / scale_max
            colour = PALETTE[index % len(PALETTE)]
            content.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.1f}" height="{row_height - 8}" '
                f'fill="{colour}"><title>{escape(label)} · {escape(name)} : '
                f"{escape(value_format(value))}</title></rect>"
            )
            x += width
        content.append(
            f'<text x="{x + 6:.1f}" y="{y + 17}">{escape(value_format(totals[i]))}</text>'
        )
    content.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{axis_y}" stroke="#555"/>'
    )
    content.append(
        f'<line x1="{label_width}" y1="{axis_y}" x2="{label_width + bar_area}" y2="{axis_y}" '
        'stroke="#555"/>'
    )
    for tick in sorted({0, scale_max // 2, scale_max}):
        x = label_width + bar_area * tick / scale_max
        content.append(f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle">{tick}</text>')
    if stacked:
        content += legend
    return mark_safe(_svg(chart_id, title, table_title, height, content))  # noqa: S308 — escaped


def line_chart(
    *,
    chart_id: str,
    title: str,
    table_title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
) -> SafeString:
    """One line per series over the x labels (e.g. months), with markers and a legend."""
    left, right, top, plot_height = 40, 16, 16, 180
    plot_width = WIDTH - left - right
    scale_max = _nice_max(max((max(values, default=0) for _n, values in series), default=0))
    count = max(len(x_labels), 1)
    step = plot_width / max(count - 1, 1)
    bottom = top + plot_height

    def point(i: int, value: int) -> tuple[float, float]:
        return left + i * step, bottom - plot_height * value / scale_max

    content = []
    quarters = scale_max % 4 == 0
    ticks = [scale_max * q // 4 for q in range(5)] if quarters else [0, scale_max // 2, scale_max]
    for value in sorted(set(ticks)):
        fraction = value / scale_max
        y = bottom - plot_height * fraction
        content.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        content.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
    for i, label in enumerate(x_labels):
        x = left + i * step
        content.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    for index, (name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        dash = DASHES[index % len(DASHES)]
        points = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(values))
        )
        content.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-dasharray="{dash}"/>'
        )
        for i, value in enumerate(values):
            x, y = point(i, value)
            content.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(x_labels[i])} · {escape(name)} : {value}</title></circle>"
            )
    legend, legend_bottom = _legend([name for name, _v in series], bottom + 42, lines=True)
    content += legend
    return mark_safe(_svg(chart_id, title, table_title, legend_bottom + 10, content))  # noqa: S308 — escaped
