"""Messages kept in the database (an EDIFACT submission's per-message reasons) with their
template and values, so that a page shows them in the reader's language long after the job
that made them."""

from __future__ import annotations

from typing import Any

from jingjinji.i18n import Msg


def freeze_message(message: object) -> Any:
    """A message as JSON that keeps its template and values (a ``Msg``), so that a page shows
    a stored reason in the reader's language."""
    if isinstance(message, Msg):
        params = {k: freeze_message(v) for k, v in message.params.items()}
        return {"template": message.template, "params": params}
    if isinstance(message, list | tuple):
        return [freeze_message(v) for v in message]
    if message is None or isinstance(message, int | float | bool):
        return message
    return str(message)


def thaw_message(stored: Any) -> Any:
    """The ``Msg`` (or plain value) ``freeze_message`` stored."""
    if isinstance(stored, dict) and "template" in stored:
        params = {k: thaw_message(v) for k, v in (stored.get("params") or {}).items()}
        return Msg(str(stored["template"]), **params)
    if isinstance(stored, list):
        return [thaw_message(v) for v in stored]
    return stored
