"""The narrative progress report: built from data, rendered as Markdown, HTML or PDF.

``build_report`` gathers the figures (progress rows, commitments) and writes the narrative;
``render_markdown`` / ``render_html`` / ``render_pdf`` turn it into a document. Charts are SVG
written by :mod:`jingjinji.progress.svgchart` (files next to the Markdown, inline in HTML/PDF).
The web page ``/progress/report`` shows the same ``Report`` with ECharts.
"""

from __future__ import annotations

import base64
import datetime as dt
import gettext
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup
from sqlalchemy.orm import Session

from jingjinji import i18n
from jingjinji.db import utcnow
from jingjinji.progress import kernels, service, svgchart
from jingjinji.progress.labels import (
    STATUS_COLORS,
    area_label,
    fmt,
    fmt_pct,
    fmt_signed,
    fmt_time,
    label,
    status_label,
    tr,
    unit_label,
)
from jingjinji.progress.schemas import AREAS, COMMITMENT_STATUSES, CommitmentOut, ProgressRow
from jingjinji.regions import service as regions
from jingjinji.web import environment

FORMATS = ("md", "html", "pdf")
LANGUAGES: tuple[str, ...] = tuple(sorted(i18n.LANGUAGES))


@dataclass
class Chart:
    title: str
    labels: list[str]
    values: list[float]
    colors: list[str]
    unit: str

    def svg(self) -> str:
        return svgchart.bar_chart(
            self.labels, self.values, colors=self.colors, title=self.title, unit=self.unit
        )


@dataclass
class AreaSection:
    area: str
    label: str
    narrative: list[str]
    rows: list[ProgressRow]
    chart: Chart
    commitments: list[CommitmentOut]
    status_counts: dict[str, int]


@dataclass
class Report:
    year: int
    lang: str
    jurisdiction_code: str | None
    jurisdiction_name: str
    title: str
    intro: list[str]
    areas: list[AreaSection]
    totals: dict[str, int]
    commitment_totals: dict[str, int]
    generated_at: dt.datetime
    jurisdiction_names: dict[str, str] = field(default_factory=dict)

    def name_of(self, code: str) -> str:
        return self.jurisdiction_names.get(code, code)


def _counts_phrase(lang: str, counts: dict[str, int]) -> str:
    parts = [f"{n} {status_label(lang, s)}" for s, n in counts.items() if n]
    sep = "，" if lang == "zh_CN" else ", "
    return sep.join(parts)


def _row_name(lang: str, row: ProgressRow) -> str:
    return row.name_zh if lang == "zh_CN" else row.name_en


def _mover(lang: str, row: ProgressRow, names: dict[str, str]) -> str:
    return tr(lang, "{name} ({place}): {value} {unit} in {period}, {change} on {previous}").format(
        name=_row_name(lang, row),
        place=names.get(row.jurisdiction_code, row.jurisdiction_code),
        value=fmt(row.latest_value),
        unit=row.unit,
        period=row.latest_period,
        change=fmt_pct(row.change_previous_pct),
        previous=row.previous_period,
    )


def _narrative(
    lang: str,
    year: int,
    rows: list[ProgressRow],
    commitments: list[CommitmentOut],
    names: dict[str, str],
) -> list[str]:
    out: list[str] = []
    if rows:
        counts = kernels.status_counts([r.status for r in rows])
        out.append(
            tr(lang, "{n} indicator series have values up to {year}: {counts}.").format(
                n=len(rows), year=year, counts=_counts_phrase(lang, counts)
            )
        )
        single = sum(1 for r in rows if r.values == 1)
        if single:
            out.append(
                tr(
                    lang, "{n} of them have a single value so far, so no trend can be measured yet."
                ).format(n=single)
            )
        movers = [r for r in rows if r.change_previous_pct is not None]
        movers.sort(key=lambda r: kernels.improvement(r.direction, r.change_previous_pct or 0.0))
        if movers:
            best = movers[-1]
            out.append(tr(lang, "Most improved: {mover}.").format(mover=_mover(lang, best, names)))
            worst = movers[0]
            if (
                worst is not best
                and kernels.improvement(worst.direction, worst.change_previous_pct or 0) < 0
            ):
                out.append(
                    tr(lang, "Weakest movement: {mover}.").format(mover=_mover(lang, worst, names))
                )
    else:
        out.append(tr(lang, "No indicator of this area has values up to {year}.").format(year=year))
    if commitments:
        ccounts = {s: sum(1 for c in commitments if c.status == s) for s in COMMITMENT_STATUSES}
        out.append(
            tr(lang, "{n} commitments belong to this area: {counts}.").format(
                n=len(commitments), counts=_counts_phrase(lang, ccounts)
            )
        )
    return out


def _chart(
    lang: str, area: str, rows: list[ProgressRow], commitments: list[CommitmentOut]
) -> Chart:
    changed = [r for r in rows if r.change_previous_pct is not None]
    if changed:
        return Chart(
            title=tr(lang, "{area}: change on the previous value (%)").format(
                area=area_label(lang, area)
            ),
            labels=[_row_name(lang, r) for r in changed],
            values=[round(r.change_previous_pct or 0.0, 1) for r in changed],
            colors=[STATUS_COLORS.get(r.status, "#1f5fa8") for r in changed],
            unit="%",
        )
    if rows:
        counts = kernels.status_counts([r.status for r in rows])
        return Chart(
            title=tr(lang, "{area}: indicator series by status").format(
                area=area_label(lang, area)
            ),
            labels=[status_label(lang, s) for s in counts],
            values=[float(n) for n in counts.values()],
            colors=[STATUS_COLORS[s] for s in counts],
            unit="",
        )
    ccounts = {s: sum(1 for c in commitments if c.status == s) for s in COMMITMENT_STATUSES}
    return Chart(
        title=tr(lang, "{area}: commitments by status").format(area=area_label(lang, area)),
        labels=[status_label(lang, s) for s in ccounts],
        values=[float(n) for n in ccounts.values()],
        colors=[STATUS_COLORS[s] for s in ccounts],
        unit="",
    )


def build_report(
    session: Session, *, year: int, jurisdiction: str | None = None, lang: str = "en"
) -> Report:
    """Gather the data and write the narrative for ``year`` (values up to that year)."""
    lang = "zh_CN" if lang.lower().startswith("zh") else "en"
    if not kernels.YEAR_MIN <= year <= kernels.YEAR_MAX:
        raise service.invalid(
            ["query", "year"], f"year must be between {kernels.YEAR_MIN} and {kernels.YEAR_MAX}"
        )
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
    names: dict[str, str] = {}
    for j in regions.list_jurisdictions(session):
        names[j.code] = regions.name(j, lang)
    place = (
        names.get(jurisdiction, jurisdiction)
        if jurisdiction
        else tr(lang, "Beijing-Tianjin-Hebei region")
    )
    rows = [
        r.model_copy(update={"unit": unit_label(lang, r.unit)})
        for r in service.progress_rows(session, year=year, jurisdiction=jurisdiction)
    ]
    commitments = [
        service.commitment_out(session, c)
        for c in service.list_commitments(session, jurisdiction=jurisdiction)
    ]
    areas: list[AreaSection] = []
    for area in AREAS:
        a_rows = [r for r in rows if r.area == area]
        a_comms = [c for c in commitments if c.area == area]
        if not a_rows and not a_comms:
            continue
        areas.append(
            AreaSection(
                area=area,
                label=area_label(lang, area),
                narrative=_narrative(lang, year, a_rows, a_comms, names),
                rows=a_rows,
                chart=_chart(lang, area, a_rows, a_comms),
                commitments=a_comms,
                status_counts=kernels.status_counts([r.status for r in a_rows]),
            )
        )
    totals = kernels.status_counts([r.status for r in rows])
    ctotals = {s: sum(1 for c in commitments if c.status == s) for s in COMMITMENT_STATUSES}
    intro = [
        tr(
            lang,
            "This report tracks coordinated development in {place} up to {year}: "
            "{n} indicator series in {areas} areas and {m} commitments of the "
            "cooperation agreements.",
        ).format(place=place, year=year, n=len(rows), areas=len(areas), m=len(commitments)),
        tr(lang, "Indicator status overall: {counts}. Commitments: {ccounts}.").format(
            counts=_counts_phrase(lang, totals) or "–", ccounts=_counts_phrase(lang, ctotals) or "–"
        ),
        tr(
            lang,
            "A status compares the pace achieved with the pace a target requires; without "
            "a target it follows the trend of the values (see the method notes at the "
            "end).",
        ),
    ]
    title = tr(lang, "Coordinated development progress report {year}").format(year=year)
    return Report(
        year=year,
        lang=lang,
        jurisdiction_code=jurisdiction,
        jurisdiction_name=place,
        title=title,
        intro=intro,
        areas=areas,
        totals=totals,
        commitment_totals=ctotals,
        generated_at=utcnow(),
        jurisdiction_names=names,
    )


def method_notes(lang: str) -> list[str]:
    return [
        tr(
            lang,
            "With a target: the compound annual growth rate achieved since the base value is "
            "divided by the rate the target requires; 0.75 or more is substantial, 0.40 or "
            "more moderate, 0 or more limited, below 0 deterioration. Zero or negative "
            "values use linear progress instead.",
        ),
        tr(
            lang,
            "Without a target: the direction-aware annual growth rate of the series; 2 % a "
            "year or more is substantial, 0.5 % or more moderate, 0 or more limited, "
            "below 0 deterioration. A single value gives no data for a trend.",
        ),
    ]


# ---------------------------------------------------------------- rendering


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(
    report: Report, *, chart_dir: Path | None = None, chart_prefix: str = ""
) -> tuple[str, dict[str, str]]:
    """Markdown text and its charts (name -> SVG text).

    With ``chart_dir`` the SVG files are written there and linked relative to the report;
    without, they are embedded as ``data:`` URIs (a single self-contained file)."""
    lang = report.lang
    charts: dict[str, str] = {}
    lines = [
        f"# {report.title}",
        "",
        f"*{report.jurisdiction_name} · "
        f"{tr(lang, 'generated')} {fmt_time(report.generated_at)} "
        f"{tr(lang, 'China Standard Time (UTC+8)')}*",
        "",
        f"## {tr(lang, 'Contents')}",
        "",
        *(f"- {section.label}" for section in report.areas),
        "",
    ]
    lines += [p + "\n" for p in report.intro]
    for section in report.areas:
        lines += [f"## {section.label}", ""]
        lines += [p + "\n" for p in section.narrative]
        name = f"{chart_prefix}{section.area}.svg"
        charts[name] = section.chart.svg()
        link = (
            f"{chart_dir.name}/{name}"
            if chart_dir is not None
            else "data:image/svg+xml;base64,"
            + base64.b64encode(charts[name].encode("utf-8")).decode("ascii")
        )
        lines += [f"![{_md_escape(section.chart.title)}]({link})", ""]
        if section.rows:
            lines += [
                "| "
                + " | ".join(
                    [
                        tr(lang, "Indicator"),
                        tr(lang, "Jurisdiction"),
                        tr(lang, "Period"),
                        tr(lang, "Value"),
                        tr(lang, "Unit"),
                        tr(lang, "Change on previous"),
                        tr(lang, "Change on base"),
                        tr(lang, "Target"),
                        tr(lang, "Status"),
                    ]
                )
                + " |",
                "|" + "---|" * 9,
            ]
            for r in section.rows:
                target = (
                    f"{fmt(r.target_value)} ({r.target_year})"
                    if r.target_value is not None
                    else "–"
                )
                lines.append(
                    "| "
                    + " | ".join(
                        _md_escape(x)
                        for x in [
                            _row_name(lang, r),
                            report.name_of(r.jurisdiction_code),
                            r.latest_period or "–",
                            fmt(r.latest_value),
                            r.unit,
                            change_text(
                                r.change_previous_abs, r.change_previous_pct, r.previous_period
                            ),
                            change_text(r.change_base_abs, r.change_base_pct, r.base_period),
                            target,
                            status_label(lang, r.status),
                        ]
                    )
                    + " |"
                )
            lines.append("")
        if section.commitments:
            lines += [f"### {tr(lang, 'Commitments')}", ""]
            for c in section.commitments:
                text = c.text_zh if lang == "zh_CN" else c.text_en
                lines.append(
                    f"- **{status_label(lang, c.status)}** · {c.code} · "
                    f"{report.name_of(c.lead_jurisdiction_code)}: {_md_escape(text)}"
                )
            lines.append("")
    lines += [f"## {tr(lang, 'Method')}", ""] + [p + "\n" for p in method_notes(lang)]
    if chart_dir is not None:
        chart_dir.mkdir(parents=True, exist_ok=True)
        for name, svg in charts.items():
            (chart_dir / name).write_text(svg, encoding="utf-8")
    return "\n".join(lines), charts


def change_text(absolute: float | None, percent: float | None, since: str | None) -> str:
    if absolute is None:
        return "–"
    pct = f", {fmt_pct(percent)}" if percent is not None else ""
    return f"{fmt_signed(absolute)}{pct} ({since})"


def render_html(report: Report) -> str:
    """A standalone HTML document (inline SVG charts, print CSS for the PDF)."""
    translations = _translations(report.lang)
    template = environment().get_template("progress/report_document.html")
    return template.render(
        report=report,
        lang=report.lang,
        fmt=fmt,
        fmt_pct=fmt_pct,
        change_text=change_text,
        status_label=lambda s: status_label(report.lang, s),
        label=lambda kind, key: label(report.lang, kind, key),
        row_name=lambda r: _row_name(report.lang, r),
        svg=lambda s: Markup(s.chart.svg()),
        method_notes=method_notes(report.lang),
        generated=fmt_time(report.generated_at),
        _=translations.gettext,
        gettext=translations.gettext,
        ngettext=translations.ngettext,
    )


def _translations(lang: str) -> gettext.NullTranslations:
    return i18n.translations(lang)


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(report)).write_pdf()
    return pdf


def write_report(report: Report, *, fmt_name: str, output: Path) -> list[Path]:
    """Write the report to ``output`` (and its charts for Markdown); returns the files."""
    if fmt_name not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt_name == "md":
        chart_dir = output.parent / f"{output.stem}_charts"
        text, charts = render_markdown(report, chart_dir=chart_dir)
        output.write_text(text, encoding="utf-8")
        return [output, *[chart_dir / n for n in charts]]
    if fmt_name == "html":
        output.write_text(render_html(report), encoding="utf-8")
        return [output]
    output.write_bytes(render_pdf(report))
    return [output]
