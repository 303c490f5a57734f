"""Raising the problems a check collected as one 422, putting such a refusal on the record,
and parsing the query parameters of a read that the service, not the router, checks."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.inputs import MAX_CURSOR
from jingjinji.pagination import MAX_LIMIT, check_limit
from jingjinji.security import Actor

#: What a refusal's audit entry keeps of untrusted text (a field name, a value): so many
#: characters of each, so many problems of one refusal.
KEPT_CHARS = 64
KEPT_PROBLEMS = 10
#: How many problems of a query as sent one refusal names (a query may hold thousands).
QUERY_PROBLEMS = 20
#: A whole number as a query parameter is read (as FastAPI read an ``int`` parameter).
_WHOLE_NUMBER: TypeAdapter[int] = TypeAdapter(int)
#: The listings whose query ``check_listing_query`` checks.
Listing = Literal["datasets", "access_requests", "grants"]


def clipped(text: str, limit: int = KEPT_CHARS) -> str:
    """``text`` cut to ``limit`` characters (the cut marked with an ellipsis)."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def problems_of(error: InvalidInput) -> list[dict[str, str]]:
    """The fields an ``InvalidInput`` names and the rule each breaks, bounded for the record:
    ``[{"field": "query.limit", "rule": "must be between 1 and 1000"}]``."""
    return [
        {
            "field": clipped(".".join(str(part) for part in e.get("loc", []))),
            "rule": clipped(str(e.get("msg", "")), 4 * KEPT_CHARS),
        }
        for e in error.errors[:KEPT_PROBLEMS]
    ]


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


@contextmanager
def refused_on_record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: str | int | None,
    jurisdiction_code: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Iterator[None]:
    """An ``InvalidInput`` raised inside is a refusal on the record: ``audit.audited_refusal``
    (the caller's work rolled back, the attempt appended with ``outcome="refused"``), its
    detail naming the fields and rules broken (``problems``, bounded: ``problems_of``).

        with refused_on_record(session, actor=actor, action="catalog.records.write",
                               object_type="dataset", object_id=code):
            raise_if_any(errors, msg("..."))
    """
    try:
        yield
    except InvalidInput as exc:
        raise audit.audited_refusal(
            session,
            exc,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            jurisdiction_code=jurisdiction_code,
            detail={**(detail or {}), "problems": problems_of(exc)},
        ) from exc


def page_size(limit: int | str | None, *, default: int) -> int:
    """The page size a read asks for, checked (1 to ``MAX_LIMIT``): an ``int`` a caller passes,
    or the query's text as sent (``None``: not given, ``default``). Anything else is an
    ``InvalidInput`` naming ``query.limit``: called inside ``refused_on_record`` once the
    dataset is known to be readable, a limit that is no number (``?limit=abc``) is refused on
    the record as one out of range is (the routers take it as text for this)."""
    if limit is None:
        return default
    if isinstance(limit, str):
        try:
            limit = _WHOLE_NUMBER.validate_python(limit)
        except ValidationError as exc:
            raise InvalidInput(
                msg("limit must be between 1 and {max_limit}", max_limit=MAX_LIMIT),
                errors=[field_error(["query", "limit"], msg("a whole number is required"))],
            ) from exc
    return check_limit(limit)


def query_problems(query: Iterable[tuple[str, str | None]]) -> list[dict[str, Any]]:
    """What cannot be read in a query as sent (name and value pairs, repeated names each):
    a NUL character in a name or a value (PostgreSQL text cannot hold one), a ``cursor`` over
    ``MAX_CURSOR`` characters (it is read no further). At most ``QUERY_PROBLEMS``; a NUL in a
    name is named ``\\u0000``."""
    problems = []
    for name, value in query:
        if value is None:
            continue
        if "\x00" in name or "\x00" in value:
            loc: list[str | int] = ["query", name.replace("\x00", "\\u0000")]
            problems.append(field_error(loc, msg("contains a NUL character (U+0000)")))
        elif name == "cursor" and len(value) > MAX_CURSOR:
            problems.append(
                field_error(
                    ["query", "cursor"],
                    msg("at most {max_cursor} characters", max_cursor=MAX_CURSOR),
                )
            )
        if len(problems) == QUERY_PROBLEMS:
            break
    return problems


def check_query(query: Iterable[tuple[str, str | None]]) -> None:
    """An ``InvalidInput`` naming each ``query_problems`` (where and why) if there is any:
    called inside ``refused_on_record`` before anything of the query is parsed."""
    problems = query_problems(query)
    if problems:
        raise InvalidInput(
            msg(
                "the query cannot be read: {problems}",
                problems=functools.reduce(
                    lambda left, right: msg("{left}; {right}", left=left, right=right),
                    (
                        msg(
                            "{where}: {rule}",
                            where=".".join(str(part) for part in e["loc"]),
                            rule=e["msg"],
                        )
                        for e in problems[:3]
                    ),
                ),
            ),
            errors=problems,
        )


def check_listing_query(
    session: Session,
    *,
    actor: Actor | None,
    listing: Listing,
    query: Iterable[tuple[str, str]],
) -> None:
    """A catalog listing's query as sent, checked before it is parsed (``check_query``): a
    refusal is on the record as the listing's read (``catalog.dataset.list``,
    ``catalog.access_request.list``, ``catalog.grant.list``), anonymous or not."""
    if listing == "datasets":
        action = "catalog.dataset.list"
        object_type = "dataset"
    elif listing == "access_requests":
        action = "catalog.access_request.list"
        object_type = "access_request"
    else:
        action = "catalog.grant.list"
        object_type = "grant"
    with refused_on_record(
        session, actor=actor, action=action, object_type=object_type, object_id=None
    ):
        check_query(query)
