"""Charts as inline SVG, generated on the server (no JS chart library).

Every text is escaped; sizes are fixed so the page lays out before the SVG
loads. Colours come from a small fixed palette (print-friendly)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#1f5fa8", "#d9822b", "#3a9a5b", "#b8403a", "#7a5cc2", "#8c6d46", "#c255a1", "#5f6b7a")


def _empty(width: int, height: int, text: str) -> str:
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" class="chart-empty">{escape(text)}</text></svg>'
    )


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[int], *, empty: str = "—", width: int = 420, height: int = 240
) -> str:
    """Vertical bars, one per label, value printed above each bar."""
    if not labels or not any(values):
        return _empty(width, height, empty)
    top, bottom, left, right = 24, 44, 36, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = max(values) or 1
    slot = plot_w / len(labels)
    bar_w = max(6.0, slot * 0.6)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><title>{escape(title)}</title>'
    ]
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" class="axis"/>')
    for i, (label, v) in enumerate(zip(labels, values)):
        h = plot_h * v / vmax
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h - h
        color = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
            f"<title>{escape(label)}: {v}</title></rect>"
        )
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="val">{v}</text>')
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="lbl">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: dict[str, Sequence[int]],
    *,
    empty: str = "—",
    width: int = 640,
    height: int = 280,
) -> str:
    """One bar per category, stacked by series (e.g. days × departments), with a legend."""
    totals = [sum(s[i] for s in series.values()) for i in range(len(categories))]
    if not categories or not any(totals):
        return _empty(width, height, empty)
    legend_h = 18 * ((len(series) + 2) // 3)
    top, bottom, left, right = 20, 40 + legend_h, 36, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = max(totals) or 1
    slot = plot_w / len(categories)
    bar_w = max(4.0, min(48.0, slot * 0.7))
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><title>{escape(title)}</title>'
    ]
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" class="axis"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="lbl">{vmax}</text>')
    names = list(series)
    step = max(1, len(categories) // 10)
    for i, cat in enumerate(categories):
        x = left + i * slot + (slot - bar_w) / 2
        y: float = top + plot_h
        for j, name in enumerate(names):
            v = series[name][i]
            if not v:
                continue
            h = plot_h * v / vmax
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(cat)} · {escape(name)}: {v}</title></rect>'
            )
        if i % step == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" class="lbl">'
                f"{escape(cat[5:] if len(cat) == 10 else cat)}</text>"
            )
    ly = top + plot_h + 32
    for j, name in enumerate(names):
        lx = left + (j % 3) * (plot_w / 3)
        yy = ly + (j // 3) * 18
        parts.append(f'<rect x="{lx:.1f}" y="{yy - 10}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>')
        parts.append(f'<text x="{lx + 14:.1f}" y="{yy}" class="lbl">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
