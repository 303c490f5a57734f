"""Refusals of input that name the field at fault (``loc``), shared by every topic."""

from __future__ import annotations

from jingjinji.errors import InvalidInput, field_error
from jingjinji.progress.schemas import AREAS, COMMITMENT_STATUSES


def invalid(loc: list[str | int], msg: str) -> InvalidInput:
    return InvalidInput(msg, errors=[field_error(loc, msg)])


def check_area(area: str, loc: list[str | int]) -> None:
    if area not in AREAS:
        raise invalid(loc, f"unknown area {area!r}; one of {', '.join(AREAS)}")


def check_commitment_status(status: str, loc: list[str | int]) -> None:
    if status not in COMMITMENT_STATUSES:
        raise invalid(loc, f"unknown status {status!r}; one of {', '.join(COMMITMENT_STATUSES)}")
