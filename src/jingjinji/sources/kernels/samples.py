"""Where the shared real HJ 212 traffic is: 24 hourly files of 293 Hebei loggers on 2016-08-24
(``shared/data/hj212/hebei-2016-08-24/*.h212``, 190,449 packets, see its ATTRIBUTION.md), used by
the corpus tests, ``benchmarks/bench_sources_parser.py`` and as an example for
``jjj sources parse``. The files are optional: callers skip or say so when they are absent."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["HEBEI_RELATIVE", "hebei_recording"]

HEBEI_RELATIVE = Path("data/hj212/hebei-2016-08-24")
_PROJECT_ROOT = Path(__file__).resolve().parents[4]


def hebei_recording() -> list[Path]:
    """The Hebei files in time order, from ``$JJJ_SHARED_DIR`` or ``../shared`` next to the
    project (the working directory's or the source tree's); empty when none is there."""
    candidates: list[Path] = []
    explicit = os.environ.get("JJJ_SHARED_DIR")
    if explicit:
        candidates.append(Path(explicit) / HEBEI_RELATIVE)
    candidates += [
        Path.cwd().parent / "shared" / HEBEI_RELATIVE,
        _PROJECT_ROOT.parent / "shared" / HEBEI_RELATIVE,
    ]
    for candidate in candidates:
        files = sorted(candidate.glob("*.h212"))
        if files:
            return files
    return []
