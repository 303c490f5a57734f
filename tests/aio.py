"""Run a coroutine to completion from a sync test, whatever the test's thread is doing.

A browser test's Playwright (sync API) keeps an event loop running in the main thread of its
xdist worker for the whole session, so ``asyncio.run`` there fails ("cannot be called from a
running event loop"). A fresh thread has no loop: the coroutine gets its own there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())`` in a thread of its own; the coroutine is made there too."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-loop") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
