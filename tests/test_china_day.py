"""The platform's day is China's: run date-sensitive tests at 20:30 UTC, when it is already the
next day in Beijing (libfaketime moves the clock of a child pytest; SQLite only, because the
PostgreSQL server keeps its own clock).

A status change dated "today" in Beijing was refused as "in the future" there between 16:00 and
24:00 UTC, and grant periods were read on the machine's date, until both read
``timezone.china_today``; these runs failed then.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import require_or_skip

ROOT = Path(__file__).resolve().parents[1]

#: Tests whose dates are "today" as the platform counts it.
DATE_SENSITIVE = [
    "tests/progress/test_pages.py::test_status_form_on_the_commitment_page",
    "tests/progress/test_commitments.py",
    "tests/catalog/test_requests.py",
]


def test_date_sensitive_tests_pass_in_the_chinese_evening(tmp_path: Path) -> None:
    faketime = shutil.which("faketime")
    if faketime is None:
        require_or_skip("faketime", "install Debian's faketime package (make test does)")
        return
    evening = dt.datetime.now(dt.UTC).date().isoformat() + " 20:30:00"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [faketime, "-f", f"@{evening}", sys.executable, "-m", "pytest", "-q", "-x",
         "-p", "no:cacheprovider", "-n", "0", "-k", "sqlite",
         "--basetemp", str(tmp_path / "run"), *DATE_SENSITIVE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout, result.stdout[-2000:]
