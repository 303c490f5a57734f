"""Raising the problems a check collected as one 422."""

from __future__ import annotations

import functools
from typing import Any

from jingjinji.errors import InvalidInput
from jingjinji.i18n import msg


def raise_if_any(errors: list[dict[str, Any]], summary: str) -> None:
    """Raise InvalidInput naming every problem (the first three in its detail), if any."""
    if errors:
        raise InvalidInput(
            msg(
                "{summary}: {problems}",
                summary=summary,
                # the first three reasons as one message, each translated on a page
                problems=functools.reduce(
                    lambda left, right: msg("{left}; {right}", left=left, right=right),
                    (e["msg"] for e in errors[:3]),
                ),
            ),
            errors=errors,
        )
