"""`jjj sources ...`: the HJ 212 gateway, the loader, replay and the operators' tools.

Heavy modules (SQLAlchemy, nats, the services) are imported inside the commands that use them:
`jjj --help` must not pay for them (tests/test_cli.py). Each topic module adds its commands to
``app``."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Key pollution sources: HJ 212 gateway, loader, replay, packet parser.",
    no_args_is_help=True,
)

from jingjinji.sources.cli import gateway as _gateway  # noqa: E402,F401
from jingjinji.sources.cli import indicators as _indicators  # noqa: E402,F401
from jingjinji.sources.cli import loader as _loader  # noqa: E402,F401
from jingjinji.sources.cli import parse as _parse  # noqa: E402,F401
