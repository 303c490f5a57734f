"""A tiny SVG writer for horizontal bar charts (used by the md/html/pdf reports).

Pure Python, no dependencies: bars may be negative (they grow left from the zero line), each
bar has its own colour, labels are escaped and shortened to fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"


def _short(text: str, limit: int) -> str:
    # CJK characters are about twice as wide as Latin ones.
    width = 0.0
    out: list[str] = []
    for ch in text:
        width += 2 if ord(ch) > 0x2E80 else 1
        if width > limit:
            return "".join(out).rstrip() + "…"
        out.append(ch)
    return text


def _nice(value: float) -> str:
    if value == int(value) and abs(value) < 1e12:
        return f"{int(value):,}"
    return f"{value:,.1f}"


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    title: str = "",
    unit: str = "",
    width: int = 680,
) -> str:
    """An SVG document (string) with one horizontal bar per label."""
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    row_h, top, bottom, label_w, pad = 24, 34 if title else 12, 26, 250, 70
    height = top + bottom + row_h * max(1, len(values))
    lo = min([0.0, *values])
    hi = max([0.0, *values])
    span = (hi - lo) or 1.0
    # room for the value text left of negative bars, so it never covers a category label
    left = label_w + (pad if lo < 0 else 0)
    plot_w = width - left - pad

    def x(v: float) -> float:
        return left + (v - lo) / span * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="12" role="img">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if title:
        parts.append(
            f'<text x="8" y="20" font-size="14" font-weight="bold" fill="#1d2733">'
            f"{escape(title)}</text>"
        )
    zero = x(0.0)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row_h
        color = (colors[i] if colors and i < len(colors) else None) or "#1f5fa8"
        x0, x1 = sorted((zero, x(value)))
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" fill="#1d2733">'
            f"{escape(_short(label, 38))}</text>"
        )
        parts.append(
            f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{row_h - 8}" fill="{escape(color)}"/>'
        )
        anchor, tx = ("start", x1 + 4) if value >= 0 else ("end", x0 - 4)
        parts.append(
            f'<text x="{tx:.1f}" y="{y + 16}" text-anchor="{anchor}" fill="#5b6775">'
            f"{escape(_nice(value) + (' ' + unit if unit else ''))}</text>"
        )
    axis_y = top + row_h * max(1, len(values))
    parts.append(
        f'<line x1="{zero:.1f}" y1="{top}" x2="{zero:.1f}" y2="{axis_y}" '
        'stroke="#5b6775" stroke-width="1"/>'
    )
    parts.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" '
        'stroke="#d9dee5" stroke-width="1"/>'
    )
    for v in (lo, hi):
        if v != 0:
            parts.append(
                f'<text x="{x(v):.1f}" y="{axis_y + 16}" text-anchor="middle" '
                f'fill="#5b6775">{escape(_nice(v))}</text>'
            )
    parts.append(
        f'<text x="{zero:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#5b6775">0</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
