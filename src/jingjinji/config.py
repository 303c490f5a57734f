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
    # The platform is served over HTTPS (behind a proxy): cookies are Secure (and the CSRF
    # nonce cookie __Host-), responses carry HSTS. Only a local plain-http run turns it off
    # (JJJ_INSECURE_HTTP=1; ``jjj demo`` on a loopback host does it itself; ``jjj serve`` on
    # loopback keeps it, as it usually sits behind a TLS proxy there).
    secure_cookies: bool = True
    session_hours: int = 12
    # Working days an owner has to decide on a conditional access request.
    decision_deadline_working_days: int = 10
    # The longest access period a conditional access request may ask for, in days (both ends
    # counted; 1096: three years).
    access_period_max_days: int = 1096
    # Extra non-working dates (ISO) besides weekends, e.g. public holidays.
    holidays: frozenset[str] = field(default_factory=frozenset)
    # Extra working dates (ISO) besides the official calendar, e.g. adjusted working weekends.
    workdays: frozenset[str] = field(default_factory=frozenset)
    # Working days a source agency has to answer an objection to a credit record.
    credit_objection_working_days: int = 10
    # Working days within which a licence or penalty decision must be made public (credit).
    credit_publication_working_days: int = 7
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
    # Security headers: seconds of Strict-Transport-Security, sent while secure_cookies says
    # the platform is served over HTTPS (0: none).
    hsts_max_age: int = 31_536_000
    # Request limits (jingjinji.limits): the largest body, in bytes, per class of route.
    body_limit_air_upload: int = 64 * 1024 * 1024
    body_limit_air_batch: int = 16 * 1024 * 1024
    body_limit_progress_upload: int = 5 * 1024 * 1024 + 64 * 1024
    body_limit_json: int = 10 * 1024 * 1024
    body_limit_form: int = 1024 * 1024
    body_limit_default: int = 1024 * 1024
    # Database roles (docs/operations.md): migrations run as the owner of the schema
    # (JJJ_OWNER_DATABASE_URL, else JJJ_DATABASE_URL); the application connects as a role that
    # owns nothing (JJJ_APP_ROLE), whose grants `jjj db upgrade` re-applies after migrating.
    owner_database_url: str | None = None
    app_role: str | None = None
    # Authentication (docs/security.md): failed logins per account / per client address within
    # login_window_minutes; from login_delay_after failures each further attempt waits 2^k
    # seconds (at most login_delay_cap_seconds), from login_lockout_after it is locked for
    # login_lockout_minutes. TOTP can be made mandatory for office administrators (they enrol
    # at their next login).
    login_window_minutes: int = 15
    login_delay_after: int = 3
    login_delay_cap_seconds: int = 60
    login_lockout_after: int = 10
    login_lockout_minutes: int = 15
    login_address_delay_after: int = 10
    login_address_lockout_after: int = 30
    totp_required_for_office_admins: bool = False
    # Webhook receivers (docs/security.md: outbound requests): hosts or CIDR networks allowed
    # although they are loopback or private (JJJ_WEBHOOK_ALLOWED_HOSTS, comma-separated).
    webhook_allowed_hosts: tuple[str, ...] = ()
    # The ports demo's own callback receiver (POST /api/v1/ports/demo-receiver) answers only
    # where this is on (JJJ_PORTS_DEMO_RECEIVER=1, which `jjj demo` sets); elsewhere it is a 404.
    ports_demo_receiver: bool = False
    # Audit checkpoints (docs/operations.md: audit keys and witnesses): sign the chain head every
    # N entries and at least every M minutes while entries come in; the Ed25519 keys live in
    # audit_key_dir (default var/audit-keys) or JJJ_AUDIT_SIGNING_KEY (hex raw private key);
    # each checkpoint is pushed to every witness URL.
    audit_checkpoint_every: int = 100
    audit_checkpoint_minutes: float = 10.0
    audit_key_dir: Path | None = None
    audit_signing_key: str | None = None
    audit_witnesses: tuple[str, ...] = ()
    # The public credit window (docs/credit.md): searches per client address per minute.
    credit_public_searches_per_minute: int = 30
    # Water incidents (docs/water.md): hours within which the neighbours must be notified and
    # must acknowledge (the 2011 rules: 4 hours for the less serious levels, 2 for the serious),
    # the jump that opens an incident (a value above this multiple of the section's recent
    # median), how a value below detection counts in statistics (half | zero | limit: OPEN),
    # and whether exactly 60 % I-III with exactly 40 % inferior V is "heavily polluted" (OPEN).
    water_notice_hours_general: int = 4
    water_notice_hours_serious: int = 2
    water_jump_multiple: float = 3.0
    # Samples older than this when they arrive are history: they open no incident.
    water_incident_window_days: int = 30
    # Transport orders (docs/ports.md): a container staying longer than this at a terminal
    # (between its DISC/GTIN and its LOAD/GTOT) raises one notice to the order's parties.
    ports_dwell_hours: int = 72
    water_below_detection: str = "half"
    water_status_edge_inclusive: bool = True
    # Pollution sources (docs/sources.md). NATS with JetStream carries the HJ 212 packets from
    # the gateway to the loader: its URL, the stream's name and its subject prefix (subjects are
    # <prefix>.<province>.<cn>.<mn>; a test uses its own stream and prefix).
    nats_url: str = "nats://127.0.0.1:4222"
    sources_stream: str = "JJJ_SOURCES"
    sources_subject_prefix: str = "jjj.sources"
    sources_gateway_port: int = 9212
    # A source this close to another jurisdiction's border (km) involves it in its cases.
    sources_border_km: float = 10.0
    # A logger silent for more than this many of its real-time intervals is offline.
    sources_silent_intervals: int = 3
    # Real-time and minute data older than this many days may be dropped (by partition).
    sources_retention_days: int = 180
    # Messages the loader takes from the stream per batch (one transaction, one audit entry).
    sources_loader_batch: int = 2000
    # E-mail notifications (docs/notifications.md): the SMTP server (no host: no e-mail is
    # sent, the inbox still fills), STARTTLS, the login (from the environment only), the sender
    # and the address the links in an e-mail start with.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "jingjinji@localhost"
    smtp_timeout: float = 10.0
    public_url: str = "http://localhost:8000"


def load_settings() -> Settings:
    var_dir = _var_dir()
    url = os.environ.get("JJJ_DATABASE_URL") or f"sqlite:///{var_dir / 'jingjinji.db'}"
    holidays = frozenset(
        d.strip() for d in os.environ.get("JJJ_HOLIDAYS", "").split(",") if d.strip()
    )
    workdays = frozenset(
        d.strip() for d in os.environ.get("JJJ_WORKDAYS", "").split(",") if d.strip()
    )
    return Settings(
        database_url=url,
        secret_key=_secret_key(var_dir),
        var_dir=var_dir,
        secure_cookies=_secure_cookies(),
        session_hours=int(os.environ.get("JJJ_SESSION_HOURS", "12")),
        decision_deadline_working_days=int(os.environ.get("JJJ_DECISION_DEADLINE_DAYS", "10")),
        access_period_max_days=_positive_int("JJJ_ACCESS_PERIOD_MAX_DAYS", 1096),
        holidays=holidays,
        workdays=workdays,
        credit_objection_working_days=_positive_int("JJJ_CREDIT_OBJECTION_WORKING_DAYS", 10),
        credit_publication_working_days=_positive_int("JJJ_CREDIT_PUBLICATION_WORKING_DAYS", 7),
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
        # Security headers
        hsts_max_age=_positive_int("JJJ_HSTS_MAX_AGE", 31_536_000, minimum=0),
        # Request limits
        body_limit_air_upload=_positive_int("JJJ_BODY_LIMIT_AIR_UPLOAD", 64 * 1024 * 1024),
        body_limit_air_batch=_positive_int("JJJ_BODY_LIMIT_AIR_BATCH", 16 * 1024 * 1024),
        body_limit_progress_upload=_positive_int(
            "JJJ_BODY_LIMIT_PROGRESS_UPLOAD", 5 * 1024 * 1024 + 64 * 1024
        ),
        body_limit_json=_positive_int("JJJ_BODY_LIMIT_JSON", 10 * 1024 * 1024),
        body_limit_form=_positive_int("JJJ_BODY_LIMIT_FORM", 1024 * 1024),
        body_limit_default=_positive_int("JJJ_BODY_LIMIT_DEFAULT", 1024 * 1024),
        # Database roles
        owner_database_url=os.environ.get("JJJ_OWNER_DATABASE_URL") or None,
        app_role=os.environ.get("JJJ_APP_ROLE") or None,
        # Authentication
        login_window_minutes=_positive_int("JJJ_LOGIN_WINDOW_MINUTES", 15),
        login_delay_after=_positive_int("JJJ_LOGIN_DELAY_AFTER", 3),
        login_delay_cap_seconds=_positive_int("JJJ_LOGIN_DELAY_CAP_SECONDS", 60),
        login_lockout_after=_positive_int("JJJ_LOGIN_LOCKOUT_AFTER", 10),
        login_lockout_minutes=_positive_int("JJJ_LOGIN_LOCKOUT_MINUTES", 15),
        login_address_delay_after=_positive_int("JJJ_LOGIN_ADDRESS_DELAY_AFTER", 10),
        login_address_lockout_after=_positive_int("JJJ_LOGIN_ADDRESS_LOCKOUT_AFTER", 30),
        totp_required_for_office_admins=os.environ.get("JJJ_TOTP_REQUIRED_FOR_OFFICE", "0") == "1",
        # Webhook receivers
        webhook_allowed_hosts=tuple(
            h.strip()
            for h in os.environ.get("JJJ_WEBHOOK_ALLOWED_HOSTS", "").split(",")
            if h.strip()
        ),
        ports_demo_receiver=os.environ.get("JJJ_PORTS_DEMO_RECEIVER", "0") == "1",
        # Audit checkpoints
        audit_checkpoint_every=_positive_int("JJJ_AUDIT_CHECKPOINT_EVERY", 100),
        audit_checkpoint_minutes=float(os.environ.get("JJJ_AUDIT_CHECKPOINT_MINUTES", "10")),
        audit_key_dir=Path(os.environ.get("JJJ_AUDIT_KEY_DIR") or var_dir / "audit-keys"),
        audit_signing_key=os.environ.get("JJJ_AUDIT_SIGNING_KEY") or None,
        audit_witnesses=tuple(
            u.strip() for u in os.environ.get("JJJ_AUDIT_WITNESSES", "").split(",") if u.strip()
        ),
        credit_public_searches_per_minute=_positive_int("JJJ_CREDIT_SEARCHES_PER_MINUTE", 30),
        water_notice_hours_general=_positive_int("JJJ_WATER_NOTICE_HOURS_GENERAL", 4),
        water_notice_hours_serious=_positive_int("JJJ_WATER_NOTICE_HOURS_SERIOUS", 2),
        water_jump_multiple=_positive_float("JJJ_WATER_JUMP_MULTIPLE", 3.0),
        water_incident_window_days=_positive_int("JJJ_WATER_INCIDENT_WINDOW_DAYS", 30),
        ports_dwell_hours=_positive_int("JJJ_PORTS_DWELL_HOURS", 72),
        water_below_detection=_choice(
            "JJJ_WATER_BELOW_DETECTION", "half", ("half", "zero", "limit")
        ),
        water_status_edge_inclusive=os.environ.get("JJJ_WATER_STATUS_EDGE_INCLUSIVE", "1") != "0",
        nats_url=os.environ.get("JJJ_NATS_URL") or "nats://127.0.0.1:4222",
        sources_stream=os.environ.get("JJJ_SOURCES_STREAM") or "JJJ_SOURCES",
        sources_subject_prefix=os.environ.get("JJJ_SOURCES_SUBJECT_PREFIX") or "jjj.sources",
        sources_gateway_port=_positive_int("JJJ_SOURCES_GATEWAY_PORT", 9212),
        sources_border_km=_positive_float("JJJ_SOURCES_BORDER_KM", 10.0),
        sources_silent_intervals=_positive_int("JJJ_SOURCES_SILENT_INTERVALS", 3),
        sources_retention_days=_positive_int("JJJ_SOURCES_RETENTION_DAYS", 180),
        sources_loader_batch=_positive_int("JJJ_SOURCES_LOADER_BATCH", 2000),
        smtp_host=os.environ.get("JJJ_SMTP_HOST") or None,
        smtp_port=_positive_int("JJJ_SMTP_PORT", 25),
        smtp_starttls=os.environ.get("JJJ_SMTP_STARTTLS", "0") == "1",
        smtp_user=os.environ.get("JJJ_SMTP_USER") or None,
        smtp_password=os.environ.get("JJJ_SMTP_PASSWORD") or None,
        smtp_from=os.environ.get("JJJ_SMTP_FROM") or "jingjinji@localhost",
        smtp_timeout=_positive_float("JJJ_SMTP_TIMEOUT", 10.0),
        public_url=(os.environ.get("JJJ_PUBLIC_URL") or "http://localhost:8000").rstrip("/"),
    )


def _secure_cookies() -> bool:
    """Secure unless a local plain-http run says otherwise (JJJ_INSECURE_HTTP=1, or the older
    JJJ_SECURE_COOKIES=0)."""
    if os.environ.get("JJJ_INSECURE_HTTP", "0") == "1":
        return False
    return os.environ.get("JJJ_SECURE_COOKIES", "1") != "0"


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


def _positive_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a number") from None
    if not value > 0:
        raise SystemExit(f"{name}={raw!r} must be above 0")
    return value


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name) or default
    if value not in choices:
        raise SystemExit(f"{name}={value!r} must be one of {', '.join(choices)}")
    return value
