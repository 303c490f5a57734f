"""Read a form of a page as a browser would submit it: each field's values (a text input's
value, a select's selected option or else its first, the ticked checkboxes), so that a test can
compare what a refused form shows again with what the user sent."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, testid: str) -> None:
        super().__init__(convert_charrefs=True)
        self.testid = testid
        self.inside = False
        self.found = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.values: dict[str, list[str]] = {}
        self.first_option: dict[str, str] = {}
        self.checkables: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("data-testid") == self.testid:
            self.inside = self.found = True
        name = a.get("name")
        if not self.inside or (tag != "option" and not name):
            return
        if tag == "input" and name:
            kind = a.get("type") or "text"
            if kind in ("checkbox", "radio"):
                self.checkables.add(name)
                if "checked" in a:
                    self.values.setdefault(name, []).append(a.get("value") or "on")
            elif kind not in ("submit", "button", "file"):
                self.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.values.setdefault(name, []).append("")
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select is not None:
            self.first_option.setdefault(self.select, a.get("value") or "")
            if "selected" in a:
                self.values.setdefault(self.select, []).append(a.get("value") or "")

    def handle_data(self, data: str) -> None:
        if self.inside and self.textarea is not None:
            self.values[self.textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_values(html: str, testid: str) -> dict[str, list[str]]:
    """The values the form ``data-testid=testid`` would submit, by field name (a checkbox left
    unticked is absent, as in a browser's submission)."""
    reader = _FormReader(testid)
    reader.feed(html)
    assert reader.found, f"no form {testid!r} on the page"
    values = dict(reader.values)
    for name, first in reader.first_option.items():
        values.setdefault(name, [first])
    return values
