"""The HJ 212 gateway: TCP from the data loggers into JetStream (docs/sources.md, "Gateway").

``serve(...)`` runs one on the caller's event loop, ``start_in_thread(...)`` on a thread of its
own (the demo), ``jjj sources gateway`` as a program."""

from jingjinji.sources.gateway.counters import Counters
from jingjinji.sources.gateway.directory import DirectoryLoader, LoggerDirectory, database_loader
from jingjinji.sources.gateway.runner import GatewayThread, run_until_signalled, start_in_thread
from jingjinji.sources.gateway.server import Gateway, GatewayConfig, reply_for, serve

__all__ = [
    "Counters",
    "DirectoryLoader",
    "Gateway",
    "GatewayConfig",
    "GatewayThread",
    "LoggerDirectory",
    "database_loader",
    "reply_for",
    "run_until_signalled",
    "serve",
    "start_in_thread",
]
