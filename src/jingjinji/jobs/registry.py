"""Imports every module that registers job handlers, so a worker knows every job kind.

First each domain's ``service`` and, where it keeps them apart, ``jobs_handlers``; then the
modules named in ``JJJ_EXTRA_JOB_MODULES`` (comma-separated dotted names), so that an embedder,
or a test starting real ``jjj worker`` processes, adds job kinds without touching the domains.
"""

from __future__ import annotations

import functools
import importlib
import os

from jingjinji import domains

EXTRA_MODULES_ENV = "JJJ_EXTRA_JOB_MODULES"


@functools.cache
def load_handlers() -> None:
    """Import them all (once per process)."""
    domains.import_all("service")
    domains.import_all("jobs_handlers")
    for name in os.environ.get(EXTRA_MODULES_ENV, "").split(","):
        if name.strip():
            importlib.import_module(name.strip())
