"""Issue 15, defect 10: `jjj progress report` speaks the platform's default language unless
``--lang en|zh-CN`` says otherwise, opens with a cover page and a table of contents, gives
units in Chinese in the Chinese report and shows its progress on stderr."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.cli import app as cli_app
from jingjinji.progress import report
from tests.conftest import People


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    from jingjinji.config import get_settings

    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_SECRET_KEY", "x")
    monkeypatch.delenv("JJJ_DEFAULT_LANGUAGE", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _run(runner: CliRunner, out: Path, *extra: str) -> str:
    args = ["progress", "report", "--year", "2021", "--format", "html", "-o", str(out), *extra]
    result = runner.invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert "Rendering" in result.stderr or "渲染" in result.stderr, result.stderr
    return out.read_text(encoding="utf-8")


def test_cli_report_defaults_to_the_platform_language(
    cli_db: CliRunner, demo: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jingjinji.config import get_settings

    default = _run(cli_db, tmp_path / "default.html")
    assert '<html lang="zh-CN">' in default and "2021年协同发展进展报告" in default
    english = _run(cli_db, tmp_path / "en.html", "--lang", "en")
    assert '<html lang="en">' in english
    chinese = _run(cli_db, tmp_path / "zh.html", "--lang", "zh-CN")
    assert '<html lang="zh-CN">' in chinese
    monkeypatch.setenv("JJJ_DEFAULT_LANGUAGE", "en")
    get_settings.cache_clear()
    assert '<html lang="en">' in _run(cli_db, tmp_path / "platform-en.html")
    bad = cli_db.invoke(
        cli_app,
        ["progress", "report", "--year", "2021", "--lang", "fr", "-o", str(tmp_path / "x.md")],
    )
    assert bad.exit_code == 2 and "--lang" in bad.output


def test_cover_page_table_of_contents_and_chinese_units(
    session_factory: sessionmaker[Session], demo: People
) -> None:
    with session_factory() as session:
        zh = report.build_report(session, year=2021, lang="zh_CN")
        en = report.build_report(session, year=2021, lang="en")
    zh_html, en_html = report.render_html(zh), report.render_html(en)
    for html, built in ((zh_html, zh), (en_html, en)):
        cover = html.split('<section class="cover"', 1)[1].split("</section>", 1)[0]
        assert built.title in cover and built.jurisdiction_name in cover
        toc = html.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
        links = re.findall(r'href="#(area-[a-z_]+)"', toc)
        assert links == [f"area-{s.area}" for s in built.areas]
        assert all(f'id="{link}"' in html for link in links)
        assert html.index('<section class="cover"') < html.index('<nav class="toc"')
    # units: the Chinese report names them in Chinese, the English one keeps them
    zh_units = {r.unit for s in zh.areas for r in s.rows}
    assert {"公里", "十亿元"} <= zh_units and not {"km", "billion yuan"} & zh_units
    assert "km" in {r.unit for s in en.areas for r in s.rows}
    assert ">km<" not in zh_html and ">公里<" in zh_html
    markdown, _charts = report.render_markdown(zh)
    assert "| 公里 |" in markdown
    pdf = report.render_pdf(zh)
    assert pdf.startswith(b"%PDF")
