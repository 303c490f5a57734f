"""The files shipped in ``jingjinji/warnings/data``: criteria sets, response measures and the
table of city positions. A loaded file is identified by the digest of its content."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

DATA_PACKAGE = "jingjinji.warnings"


def data_text(*parts: str) -> str:
    node = resources.files(DATA_PACKAGE).joinpath("data")
    for part in parts:
        node = node.joinpath(part)
    return node.read_text("utf-8")


def data_files(folder: str) -> list[str]:
    node = resources.files(DATA_PACKAGE).joinpath("data").joinpath(folder)
    return sorted(p.name for p in node.iterdir() if p.name.endswith(".json"))


def content_digest(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data`` (key order and spacing do not count)."""
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
