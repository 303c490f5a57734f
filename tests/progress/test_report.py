"""The narrative report in md/html/pdf, through the service, the API and `jjj progress`."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.cli import app as cli_app
from jingjinji.progress import report, svgchart
from tests.conftest import People


def pdf_pages(data: bytes) -> int:
    """Count page objects, looking into compressed object streams too (no PDF library)."""
    texts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            texts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", t)) for t in texts)


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    from jingjinji.config import get_settings

    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_SECRET_KEY", "x")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_svg_bar_chart_handles_negative_values_and_escapes() -> None:
    svg = svgchart.bar_chart(
        ["a <b>", "PM2.5 浓度", "c"],
        [10.0, -29.6, 0.0],
        colors=["#111111", "#222222", "#333333"],
        title="T & t",
        unit="%",
    )
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "a &lt;b&gt;" in svg and "T &amp; t" in svg and "PM2.5 浓度" in svg
    assert svg.count("<rect") == 4  # background + 3 bars
    assert "-29.6 %" in svg
    with pytest.raises(ValueError):
        svgchart.bar_chart(["a"], [1.0, 2.0])


def test_report_narrative_from_demo_data(
    session_factory: sessionmaker[Session],
    demo: People,
) -> None:
    with session_factory() as session:
        built = report.build_report(session, year=2021, lang="en")
    assert built.title == "Coordinated development progress report 2021"
    ecology = next(s for s in built.areas if s.area == "ecology")
    text = " ".join(ecology.narrative)
    # the carbon trading volume rose most (+74.4 %); PM2.5 fell 29.6 % (an improvement)
    assert "Most improved: Annual carbon trading volume" in text
    assert "+74.4 %" in text
    pm = next(r for r in ecology.rows if r.indicator_code == "bh_pm25")
    assert (pm.latest_value, pm.previous_value, pm.status) == (38, 54, "substantial")
    assert ecology.chart.unit == "%" and "PM2.5" in " ".join(ecology.chart.labels)
    planning = next(s for s in built.areas if s.area == "planning")
    assert "No indicator of this area has values up to 2021." in planning.narrative
    assert len(planning.commitments) == 2
    with session_factory() as session:
        zh = report.build_report(session, year=2021, lang="zh_CN")
    assert zh.title == "2021年协同发展进展报告"
    assert any("改善最明显" in p for s in zh.areas for p in s.narrative)
    with session_factory() as session:
        early = report.build_report(session, year=2019, jurisdiction="120116", lang="en")
    assert {r.latest_period for s in early.areas for r in s.rows} == {"2019"}


def test_markdown_html_pdf_files(
    session_factory: sessionmaker[Session],
    demo: People,
    tmp_path: Path,
) -> None:
    with session_factory() as session:
        built = report.build_report(session, year=2021, jurisdiction="120000", lang="zh_CN")
    md = report.write_report(built, fmt_name="md", output=tmp_path / "r.md")
    text = md[0].read_text("utf-8")
    assert text.startswith("# 2021年协同发展进展报告")
    charts = [p for p in md[1:] if p.suffix == ".svg"]
    assert charts and all(p.exists() and p.read_text().startswith("<svg") for p in charts)
    assert "(r_charts/ecology.svg)" in text
    # units in Chinese in the Chinese report (issue 15, defect 10: it said "million t")
    assert "| 50.47 | 百万吨 |" in text
    html = report.write_report(built, fmt_name="html", output=tmp_path / "r.html")[0]
    page = html.read_text("utf-8")
    assert page.count("<svg") == len(built.areas) and "Noto Sans CJK SC" in page
    pdf = report.write_report(built, fmt_name="pdf", output=tmp_path / "r.pdf")[0]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert pdf_pages(data) > 1


def test_report_api_formats(client: TestClient, demo: People) -> None:
    md = client.get("/api/v1/progress/report", params={"year": 2021})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "## Ecology and environment" in md.text
    assert md.text.count("](data:image/svg+xml;base64,") == 10
    pdf = client.get("/api/v1/progress/report", params={"year": 2021, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF") and pdf_pages(pdf.content) > 1
    html = client.get(
        "/api/v1/progress/report", params={"year": 2021, "format": "html", "lang": "zh_CN"}
    )
    assert "生态环境" in html.text
    cases: list[dict[str, str | int]] = [
        {"year": 2021, "format": "docx"},
        {"year": "x"},
        {},
        {"year": 2021, "jurisdiction": "999999"},
    ]
    for params in cases:
        assert client.get("/api/v1/progress/report", params=params).status_code == 422, params


def test_cli_report_md_html_pdf(cli_db: CliRunner, demo: People, tmp_path: Path) -> None:
    for fmt in ("md", "html", "pdf"):
        out = tmp_path / f"report.{fmt}"
        result = cli_db.invoke(
            cli_app,
            [
                "progress",
                "report",
                "--year",
                "2021",
                "--jurisdiction",
                "120000",
                "--format",
                fmt,
                "-o",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        assert out.exists() and f"wrote {out}" in result.output.replace("\n", "")
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "report_charts" / "ports.svg").exists()
    bad = cli_db.invoke(
        cli_app,
        ["progress", "report", "--year", "2021", "--format", "doc", "-o", str(tmp_path / "x")],
    )
    assert bad.exit_code == 2
    unknown = cli_db.invoke(
        cli_app,
        [
            "progress",
            "report",
            "--year",
            "2021",
            "--jurisdiction",
            "999999",
            "-o",
            str(tmp_path / "y.md"),
        ],
    )
    assert unknown.exit_code == 2 and "999999" in unknown.output


def test_cli_validate(cli_db: CliRunner, demo: People, tmp_path: Path) -> None:
    ok = cli_db.invoke(cli_app, ["progress", "validate"])
    assert ok.exit_code == 0, ok.output
    assert "0 violation(s)" in ok.output
    strict = tmp_path / "rules.json"
    strict.write_text(
        '{"rules": [{"id": "tiny", "kind": "range", "severity": "error", '
        '"indicators": ["bh_pm25"], "max": 40}]}'
    )
    bad = cli_db.invoke(cli_app, ["progress", "validate", "--rules", str(strict), "--json"])
    assert bad.exit_code == 1
    assert '"indicator_code": "bh_pm25"' in bad.output and '"period": "2019"' in bad.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"rules": [{"id": "x", "kind": "nope"}]}')
    assert cli_db.invoke(cli_app, ["progress", "validate", "--rules", str(broken)]).exit_code == 2
    summary = cli_db.invoke(cli_app, ["progress", "summary", "--year", "2021", "--area", "ecology"])
    assert summary.exit_code == 0 and "bh_pm25" in summary.output
