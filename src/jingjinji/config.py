"""Runtime settings, read from the environment (prefix ``JJJ_``).

The embedded default is a SQLite file under ``./var``; set ``JJJ_DATABASE_URL`` to a
``postgresql+psycopg://`` URL to run on PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _var_dir() -> Path:
    return Path(os.environ.get("JJJ_VAR_DIR", "var")).resolve()


def _secret_key(var_dir: Path) -> str:
    """Use ``JJJ_SECRET_KEY`` or a key generated once and kept in ``var/secret_key``."""
    explicit = os.environ.get("JJJ_SECRET_KEY")
    if explicit:
        return explicit
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    var_dir: Path
    # Cookies are marked Secure when the platform is served over HTTPS (behind a proxy).
    secure_cookies: bool = False
    session_hours: int = 12
    # Working days an owner has to decide on a conditional access request.
    decision_deadline_working_days: int = 10
    # Extra non-working dates (ISO) besides weekends, e.g. public holidays.
    holidays: frozenset[str] = field(default_factory=frozenset)
    default_language: str = "zh_CN"
    run_worker_in_process: bool = False
    # Database connections per server process (docs/operations.md: sizing). The admission
    # control admits no more requests at a time than the pool has connections.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    # Seconds a request waits for a pool connection before it is refused (503, Retry-After).
    db_pool_timeout: float = 10.0
    # Requests at work at once per process (default: the pool's connections); how long one
    # waits for a slot, and how many may wait, before it is refused with 503 and Retry-After.
    max_concurrent_requests: int | None = None
    admission_wait_seconds: float = 15.0
    admission_max_waiting: int = 1000


def load_settings() -> Settings:
    var_dir = _var_dir()
    url = os.environ.get("JJJ_DATABASE_URL") or f"sqlite:///{var_dir / 'jingjinji.db'}"
    holidays = frozenset(
        d.strip() for d in os.environ.get("JJJ_HOLIDAYS", "").split(",") if d.strip()
    )
    return Settings(
        database_url=url,
        secret_key=_secret_key(var_dir),
        var_dir=var_dir,
        secure_cookies=os.environ.get("JJJ_SECURE_COOKIES", "0") == "1",
        session_hours=int(os.environ.get("JJJ_SESSION_HOURS", "12")),
        decision_deadline_working_days=int(os.environ.get("JJJ_DECISION_DEADLINE_DAYS", "10")),
        holidays=holidays,
        default_language=os.environ.get("JJJ_DEFAULT_LANGUAGE", "zh_CN"),
        run_worker_in_process=os.environ.get("JJJ_INPROCESS_WORKER", "0") == "1",
        db_pool_size=_positive_int("JJJ_DB_POOL_SIZE", 10),
        db_max_overflow=_positive_int("JJJ_DB_MAX_OVERFLOW", 10, minimum=0),
        db_pool_timeout=float(os.environ.get("JJJ_DB_POOL_TIMEOUT", "10")),
        max_concurrent_requests=(
            _positive_int("JJJ_MAX_CONCURRENT_REQUESTS", 1)
            if os.environ.get("JJJ_MAX_CONCURRENT_REQUESTS")
            else None
        ),
        admission_wait_seconds=float(os.environ.get("JJJ_ADMISSION_WAIT_SECONDS", "15")),
        admission_max_waiting=_positive_int("JJJ_ADMISSION_MAX_WAITING", 1000, minimum=0),
    )


def _positive_int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise SystemExit(f"{name}={raw!r} must be at least {minimum}")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
