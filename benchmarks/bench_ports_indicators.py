"""Stored port indicators: a full rebuild against the incremental refresh after an intake.

    uv run python benchmarks/bench_ports_indicators.py [--events 200000] [--intake 100]
        [--rounds 3] [--keep] [--pg-url URL]

Makes its own PostgreSQL database ``jjj_bench_ports_ind_<N>`` (127.0.0.1:5432 unless
``JJJ_TEST_PG_URL`` or ``--pg-url`` says otherwise), migrates it, registers the ports demo's
people and places through the services and generates N events over one year with the data
generator of ``bench_ports_events.py`` (``ports_events_data``: 80 % EQUIPMENT, set-based), then
VACUUM ANALYZE. Then, each in its own transaction on one session:

1. ``refresh(full=True)`` ``--rounds`` times (every month from every event);
2. ``--rounds`` times: the Tianjin Xingang terminal's steward records ``--intake`` EQUIPMENT
   events (DISC, LOAD, GTIN, GTOT of known boxes at CNTXG in the data's last month) through
   ``record_events``, then ``refresh()`` recomputes the months they reach; after each, the
   stored rows are checked against a full rebuild (rolled back): a mismatch is a FAIL;
3. ``refresh()`` with nothing stale.

Prints the median of each, the ratio full / incremental and the load average (the machine is
shared). ``--keep`` keeps the database and reuses it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ports_events_data as data

PG_ADMIN_URL = os.environ.get(
    "JJJ_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DONE_MARK = "jjj bench ports indicators: {n} loaded"


def load_avg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def prepare(admin: Engine, url: str, name: str, shape: data.Shape, keep: bool) -> None:
    from jingjinji import bootstrap
    from jingjinji.db import make_engine, make_session_factory

    with admin.connect() as conn:
        mark = conn.execute(
            text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"
            ),
            {"n": name},
        ).scalar_one_or_none()
        if keep and mark == DONE_MARK.format(n=shape.events):
            print("reusing the loaded database (--keep)")
            return
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url)
    try:
        t0 = time.perf_counter()
        bootstrap.prepare_database(engine)
        with make_session_factory(engine)() as session:
            data.register(session)
        with engine.connect() as conn:
            timings = data.generate(conn, shape)
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("VACUUM ANALYZE ports_events"))
        print(
            f"loaded {shape.events:,} events in {time.perf_counter() - t0:.1f}s "
            f"(events {timings.steps.get('events', 0):.1f}s)",
            flush=True,
        )
    finally:
        engine.dispose()
    with admin.connect() as conn:
        conn.execute(
            text(f"COMMENT ON DATABASE \"{name}\" IS '{DONE_MARK.format(n=shape.events)}'")
        )


def intake_payloads(session: Any, size: int, day: dt.datetime) -> list[dict[str, Any]]:
    """``size`` moves at Tianjin Xingang on ``day`` of boxes and calls the data has."""
    from jingjinji.ports.models import Equipment, TransportCall

    boxes = list(session.scalars(select(Equipment.reference).order_by(Equipment.id).limit(size)))
    calls = list(
        session.scalars(
            select(TransportCall.transport_call_id)
            .where(TransportCall.un_location_code == "CNTXG")
            .order_by(TransportCall.id)
            .limit(1)
        )
    )
    codes = ("DISC", "LOAD", "GTIN", "GTOT")
    out = []
    for n in range(size):
        moment = (day + dt.timedelta(minutes=7 * n)).isoformat().replace("+00:00", "Z")
        out.append(
            {
                "eventID": str(uuid.uuid4()),
                "eventType": "EQUIPMENT",
                "eventClassifierCode": "ACT",
                "eventCreatedDateTime": moment,
                "eventDateTime": moment,
                "equipmentEventTypeCode": codes[n % 4],
                "equipmentReference": boxes[n % len(boxes)],
                "emptyIndicatorCode": "LADEN",
                "eventLocation": {"UNLocationCode": "CNTXG"},
                "transportCall": {
                    "transportCallID": calls[0],
                    "UNLocationCode": "CNTXG",
                    "modeOfTransport": "VESSEL",
                },
            }
        )
    return out


def stored_rows(session: Any) -> list[tuple[str, str, str]]:
    from jingjinji.ports.models import StoredIndicator

    rows = session.execute(select(StoredIndicator.kind, StoredIndicator.month, StoredIndicator.row))
    return sorted((k, m, json.dumps(r, sort_keys=True)) for k, m, r in rows)


def run(url: str, args: argparse.Namespace) -> bool:
    from jingjinji.accounts import service as accounts_service
    from jingjinji.accounts.models import User
    from jingjinji.db import make_engine, make_session_factory
    from jingjinji.ports import service
    from jingjinji.ports.demo import places
    from jingjinji.ports.service import indicator_months, indicators

    engine = make_engine(url)
    ok = True
    try:
        with make_session_factory(engine)() as session:
            username = next(u for u, key in places.TERMINAL_USERS.items() if key == "tj_port")
            user = session.scalars(select(User).where(User.username == username)).one()
            steward = accounts_service.actor_of(user, channel="api")
            full: list[float] = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                rows = indicators.refresh(session, full=True)
                session.commit()
                full.append(time.perf_counter() - t0)
            found = indicators.stored(session)
            print(
                f"full rebuild: {rows} rows from {found.events:,} equipment events "
                f"({found.first:%Y-%m} to {found.last:%Y-%m}); "
                f"{', '.join(f'{s:.2f}' for s in full)} s; load {load_avg()}",
                flush=True,
            )
            _, last = indicators.event_span(session)
            assert last is not None
            incremental: list[float] = []
            intakes: list[float] = []
            for r in range(args.rounds):
                day = last.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
                payloads = intake_payloads(session, args.intake, day - dt.timedelta(days=3 + r))
                t0 = time.perf_counter()
                events, payloads = service.parse_events(payloads)
                service.record_events(session, actor=steward, events=events, payloads=payloads)
                session.commit()
                intakes.append(time.perf_counter() - t0)
                stale = sorted(indicator_months.read_marks(session))
                t0 = time.perf_counter()
                rows = indicators.refresh(session)
                session.commit()
                incremental.append(time.perf_counter() - t0)
                savepoint = session.begin_nested()
                mine = stored_rows(session)
                indicators.refresh(session, full=True)
                same = mine == stored_rows(session)
                savepoint.rollback()
                session.rollback()
                ok = ok and same
                print(
                    f"intake of {args.intake} events {intakes[-1]:.2f}s, stale {stale} -> "
                    f"refresh {rows} rows in {incremental[-1]:.2f}s; equal to a full rebuild: "
                    f"{same}; load {load_avg()}",
                    flush=True,
                )
            t0 = time.perf_counter()
            nothing = indicators.refresh(session)
            session.commit()
            idle = time.perf_counter() - t0
        full_p50, inc_p50 = statistics.median(full), statistics.median(incremental)
        print(
            f"\nfull rebuild p50 {full_p50:.2f}s; incremental after a {args.intake}-event "
            f"intake p50 {inc_p50:.2f}s; ratio {full_p50 / inc_p50:.1f}x; nothing stale "
            f"{idle * 1000:.1f} ms ({nothing} rows); load {load_avg()}"
        )
    finally:
        engine.dispose()
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--intake", type=int, default=100, help="events per intake")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="PostgreSQL admin URL")
    args = parser.parse_args(argv)
    shape = data.Shape.of(args.events)
    name = f"jjj_bench_ports_ind_{args.events}"
    url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    print(f"{args.events:,} events, {shape.boxes:,} containers; load {load_avg()}", flush=True)
    try:
        prepare(admin, url, name, shape, args.keep)
        ok = run(url, args)
        print("PASS" if ok else "FAIL: an incremental refresh differs from a full rebuild")
        return 0 if ok else 1
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
