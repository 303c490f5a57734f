"""The help texts: which area a page belongs to, and each area's text as a safe tree.

A text is Markdown (CommonMark with tables) parsed by markdown-it-py with raw HTML off; the
parse is turned into :class:`Node` values of a fixed set of elements (headings, paragraphs,
lists, tables, emphasis, code, links to this site or to http(s) addresses). The template writes
them with autoescaping, so neither a stray ``<script>`` in a text nor a ``javascript:`` link can
reach a page.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from jingjinji.i18n import DEFAULT_LANGUAGE, normalise

CONTENT_DIR = Path(__file__).parent / "content"


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; it is translated where shown."""
    return message


# The areas in the order of the index, with their titles (English source strings).
AREAS: dict[str, str] = {
    "catalog": N_("Data catalog and access requests"),
    "air": N_("Air quality"),
    "warnings": N_("Heavy-pollution warnings"),
    "progress": N_("Coordinated-development progress"),
    "credit": N_("Social credit"),
    "water": N_("Cross-border rivers"),
    "sources": N_("Key pollution sources"),
    "ports": N_("Ports and logistics"),
    "audit": N_("Audit trail"),
    "accounts": N_("Accounts and security"),
    "notifications": N_("Inbox and notifications"),
    "api": N_("API and command line"),
}
TOUR = "tour"
TOUR_TITLE = N_("A tour of the demo")

# The first segment of a page's path -> its area. A page whose segment is not here links to
# the help index (tests/help/test_help.py lists the pages allowed to).
AREA_OF_SEGMENT: dict[str, str] = {
    "region": "catalog",
    "catalog": "catalog",
    "access-requests": "catalog",
    "sharing-report": "catalog",
    "air": "air",
    "warnings": "warnings",
    "progress": "progress",
    "credit": "credit",
    "water": "water",
    "sources": "sources",
    "ports": "ports",
    "audit": "audit",
    "account": "accounts",
    "login": "accounts",
    "notifications": "notifications",
    "api": "api",
}


def area_of_path(path: str) -> str | None:
    """The help area of the page at ``path`` (``/air/cities/110000`` -> ``air``), if any."""
    segment = path.lstrip("/").split("/", 1)[0]
    return AREA_OF_SEGMENT.get(segment)


def help_url(path: str) -> str:
    """The header's help link for the page at ``path``: its area's page, else the index."""
    area = area_of_path(path)
    return f"/help/{area}" if area else "/help"


def topics() -> tuple[str, ...]:
    """Every help page by name: the areas and the tour."""
    return (*AREAS, TOUR)


def title_of(topic: str) -> str:
    return TOUR_TITLE if topic == TOUR else AREAS[topic]


@dataclasses.dataclass(frozen=True)
class Node:
    """One element of a rendered text: ``tag`` from a fixed set, or plain ``text``."""

    tag: str | None = None
    text: str | None = None
    href: str | None = None
    children: tuple[Node, ...] = ()


# markdown-it node type -> the element written (None: its children only).
ELEMENTS: dict[str, str | None] = {
    "root": None,
    "paragraph": "p",
    "bullet_list": "ul",
    "ordered_list": "ol",
    "list_item": "li",
    "blockquote": "blockquote",
    "em": "em",
    "strong": "strong",
    "code_inline": "code",
    "code_block": "pre",
    "fence": "pre",
    "hr": "hr",
    "hardbreak": "br",
    "table": "table",
    "thead": "thead",
    "tbody": "tbody",
    "tr": "tr",
    "th": "th",
    "td": "td",
    "link": "a",
}
HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4"}  # the page's own title is the h1
SAFE_SCHEMES = ("http://", "https://", "/", "#")


class UnknownTopic(LookupError):
    """No help page of that name."""


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _convert(node: SyntaxTreeNode) -> Node:
    kind = node.type
    if kind == "text":
        return Node(text=node.content)
    if kind == "softbreak":
        return Node(text="\n")
    if kind == "code_inline":
        return Node(tag="code", children=(Node(text=node.content),))
    if kind in {"code_block", "fence"}:
        inner = Node(tag="code", children=(Node(text=node.content),))
        return Node(tag="pre", children=(inner,))
    if kind == "heading":
        tag = HEADINGS.get(node.tag, "h5")
    elif kind in ELEMENTS:
        tag = ELEMENTS[kind]  # type: ignore[assignment]
    else:  # anything else (an image, say) is shown as its text only
        tag = None
    children = tuple(_convert(c) for c in node.children)
    if kind == "inline" or (kind == "paragraph" and node.hidden):  # a tight list's items
        return Node(children=children)
    if kind == "link":
        href = str(node.attrs.get("href", ""))
        if not href.startswith(SAFE_SCHEMES) or href.startswith("//"):
            return Node(children=children)
        return Node(tag="a", href=href, children=children)
    return Node(tag=tag, children=children)


def render(text: str) -> Node:
    """``text`` (Markdown) as a tree of allowed elements; raw HTML stays text."""
    return _convert(SyntaxTreeNode(_parser().parse(text)))


def source_path(topic: str, lang: str) -> Path:
    return CONTENT_DIR / normalise(lang) / f"{topic}.md"


@lru_cache(maxsize=64)
def page(topic: str, lang: str) -> Node:
    """The help text of ``topic`` in ``lang`` (the default language's when it has none)."""
    if topic not in topics():
        raise UnknownTopic(topic)
    path = source_path(topic, lang)
    if not path.exists():
        path = source_path(topic, DEFAULT_LANGUAGE)
    return render(path.read_text(encoding="utf-8"))
