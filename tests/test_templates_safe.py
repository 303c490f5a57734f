"""No template bypasses escaping or runs inline code.

Jinja escapes every ``{{ value }}`` in HTML; ``|safe`` and ``Markup(...)`` turn that off, so a
stored string would become markup (stored XSS). Scripts are static files: the Content-Security-
Policy (``script-src 'self'``) blocks inline ``<script>`` code, inline event handlers and
``javascript:`` URLs, so a template using one is broken under the policy as well as a hazard.
Page data reaches scripts through ``<script type="application/json">`` blocks written with Jinja's
``tojson`` (which escapes ``<``, ``>``, ``&`` and ``'``) or through data-* attributes.

The check reads every template under ``src/jingjinji`` and every Python module (for
``Markup(``); an exception is allowed only when listed in ``ALLOWED`` with the reason it is safe.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "jingjinji"

# Jinja's own syntax, blanked before looking at the HTML (an expression like
# ``f(x, on=y)`` is not an attribute).
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
RULES: dict[str, re.Pattern[str]] = {
    "|safe turns escaping off": re.compile(r"\|\s*safe\b"),
    "Markup(...) turns escaping off": re.compile(r"\bMarkup\("),
    "inline <script> (the CSP blocks it; use a static file and a JSON data block)": re.compile(
        r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=[\"']application/(?:ld\+)?json[\"'])[^>]*>",
        re.I,
    ),
    "inline event handler (the CSP blocks it; listen in a static script)": re.compile(
        r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.I
    ),
    "javascript URL (the CSP blocks it)": re.compile(r"javascript\s*:", re.I),
    "hx-on (htmx evaluates it as code; the CSP forbids eval)": re.compile(r"\bhx-on\b", re.I),
}
# Rules checked on the HTML with Jinja's syntax blanked out; the others on the raw text.
HTML_RULES = {
    "inline <script> (the CSP blocks it; use a static file and a JSON data block)",
    "inline event handler (the CSP blocks it; listen in a static script)",
}

# (path under src/jingjinji, rule) -> why it is safe. Reviewed cases only.
ALLOWED: dict[tuple[str, str], str] = {
    (
        "progress/report.py",
        "Markup(...) turns escaping off",
    ): "the report document's SVG charts are built by progress/svgchart.py, which escapes every "
    "text it writes (titles, labels, values) and takes colours from a constant table",
}


def findings(name: str, text: str) -> list[str]:
    """Every rule ``text`` breaks, as ``name:line: rule: the offending text``."""
    html = JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    found = []
    for rule, pattern in RULES.items():
        if name.endswith(".py") and rule != "Markup(...) turns escaping off":
            continue
        for match in pattern.finditer(html if rule in HTML_RULES else text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name}:{line}: {rule}: {match.group(0)[:80]!r}")
    return found


def _sources() -> list[Path]:
    return sorted([*SRC.rglob("*.html"), *SRC.rglob("*.py")])


def test_templates_neither_bypass_escaping_nor_run_inline_code() -> None:
    problems = []
    used = set()
    for path in _sources():
        name = path.relative_to(SRC).as_posix()
        for problem in findings(name, path.read_text(encoding="utf-8")):
            rule = problem.split(": ", 2)[1]
            if (name, rule) in ALLOWED:
                used.add((name, rule))
                continue
            problems.append(problem)
    assert problems == [], "\n".join(problems)
    assert used == set(ALLOWED), f"allowed exceptions no longer needed: {set(ALLOWED) - used}"


def test_the_check_sees_templates() -> None:
    templates = [p for p in _sources() if p.suffix == ".html"]
    assert len(templates) >= 30, templates
    assert any(p.name == "base.html" for p in templates)


BAD = {
    "safe filter": "<td>{{ d.title|safe }}</td>",
    "safe filter with spaces": "<td>{{ tojson(chart) | safe }}</td>",
    "Markup": "{{ Markup(d.description) }}",
    "inline script": "<script>var x = {{ value|tojson }};</script>",
    "inline script with a type": '<script type="text/javascript">go()</script>',
    "inline module": '<script type="module">go()</script>',
    "onclick": '<button class="x" onclick="go()">Go</button>',
    "onchange on a line of its own": '<select name="year"\n        onchange="this.form.submit()">',
    "onload in single quotes": "<img src=x onerror='go()'>",
    "javascript URL": '<a href="javascript:go()">go</a>',
    "hx-on": '<button hx-on:click="go()">go</button>',
}
GOOD = {
    "static script": "<script src=\"{{ static_url('app/app.js') }}\" defer></script>",
    "JSON data block": '<script type="application/json" id="d">{{ value|tojson }}</script>',
    # a dataset page's DCAT-AP description for harvesters: data, never run
    "JSON-LD data block": '<script type="application/ld+json" id="d">{{ value|tojson }}</script>',
    "data attribute": '<div data-source="/api/v1/air/latest" data-unit="{{ unit }}"></div>',
    "a Jinja keyword argument": "{{ f(x, on=y) }}<p>{% set z = g(a, onto=b) %}</p>",
    "text about events": "<p>Data on air quality</p>",
}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_the_check_fails_on_a_bad_template(text: str) -> None:
    assert findings("bad.html", text), text


@pytest.mark.parametrize("text", GOOD.values(), ids=GOOD.keys())
def test_the_check_accepts_safe_templates(text: str) -> None:
    assert findings("good.html", text) == []


def test_the_check_fails_on_markup_in_python() -> None:
    assert findings("views.py", "x = Markup(row.title)\n") == [
        "views.py:1: Markup(...) turns escaping off: 'Markup('"
    ]
