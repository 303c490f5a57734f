"""What makes benchmarks/bench_ports_events.py trustworthy, checked on 2,000 events (PostgreSQL
only: the generator is PostgreSQL SQL): the set-based generator writes exactly the rows intake
would have stored for the same JSON, and ``GET /v2/events`` answers every benchmarked filter
with the same events in the same order as the bare SQL the benchmark times it against.
Nothing here is timed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import service as accounts_service
from jingjinji.pagination import encode_key, keyset
from jingjinji.ports.models import Event, EventReference, EventSource, TransportCall
from jingjinji.ports.service import intake, query
from jingjinji.security import SYSTEM_ACTOR

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "ports_events_data.py"
THIN = DATA.with_name("ports_thin_server.py")
EVENTS = 2000
PATH = "/api/v1/ports/dcsa/v2/events"

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

# The columns intake derives from an event's JSON (organisation_id is the writer's, not the
# JSON's; the benchmark writes each event as its location's operator).
DERIVED = (
    "event_type", "event_classifier_code", "event_at", "event_created_at",
    "shipment_event_type_code", "transport_event_type_code", "equipment_event_type_code",
    "document_type_code", "document_id", "equipment_reference", "empty_indicator_code",
    "transport_call_id", "transport_call_pk", "vessel_imo_number", "export_voyage_number",
    "carrier_service_code", "un_location_code", "warnings",
)  # fmt: skip


@pytest.fixture(scope="module")
def data() -> ModuleType:
    return _module(DATA)


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def loaded(data: ModuleType, engine: Engine, session_factory: sessionmaker[Session]) -> Any:
    with session_factory() as session:
        people = data.register(session)
    with engine.connect() as conn:
        data.generate(conn, data.Shape.of(EVENTS), chunk=700)
    return people


def test_the_generated_rows_are_what_intake_stores_for_their_json(
    session_factory: sessionmaker[Session], loaded: Any
) -> None:
    with session_factory() as session:
        rows = session.scalars(select(Event).order_by(Event.id)).all()
        call_pks = {
            call_id: pk
            for call_id, pk in session.execute(
                select(TransportCall.transport_call_id, TransportCall.id)
            )
        }
        references: dict[int, list[tuple[str, str]]] = {}
        writers: dict[int, set[int | None]] = {}
        for ref in session.scalars(select(EventReference)):
            references.setdefault(ref.event_pk, []).append((ref.kind, ref.value))
            writers.setdefault(ref.event_pk, set()).add(ref.writer_organisation_id)
    assert len(rows) == EVENTS
    assert {r.event_type for r in rows} == {"SHIPMENT", "TRANSPORT", "EQUIPMENT"}
    for row in rows:
        events, payloads = intake.parse_events(row.payload)
        event = events[0]
        assert event.eventID is not None
        expected = intake._row(
            event, event_id=event.eventID, payload=payloads[0], actor=SYSTEM_ACTOR,
            source=EventSource.API, call_pks=call_pks, supersedes_id=None,
        )  # fmt: skip
        assert row.event_id == event.eventID
        assert {c: getattr(row, c) for c in DERIVED} == {c: getattr(expected, c) for c in DERIVED}
        assert sorted(references.get(row.id, [])) == sorted(intake._references(event))
        # Intake copies the writer's organisation onto each reference (the carrier's rule).
        assert writers.get(row.id, {row.organisation_id}) == {row.organisation_id}


def _bare_ids(engine: Engine, f: Any) -> list[str]:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        rows = raw.execute(f.bare_sql(), f.values).fetchall()
    return [str(payload["eventID"]) for _, payload in rows]


def test_the_api_answers_each_benchmarked_filter_as_its_bare_query(
    data: ModuleType,
    engine: Engine,
    session_factory: sessionmaker[Session],
    client: TestClient,
    loaded: Any,
) -> None:
    headers = {}
    with session_factory() as session:
        for reader, actor in {"office": loaded.office, **loaded.writers}.items():
            _, secret = accounts_service.create_token(session, actor=actor, name="bench")
            headers[reader] = {"Authorization": f"Bearer {secret}"}
        session.commit()
    client.headers.update(headers["office"])
    with engine.connect() as conn:
        chosen = data.filters(conn, data.Shape.of(EVENTS))
    # Page 3 of the unfiltered listing, by its Next-Page links (what the benchmark walks).
    response = client.get(PATH)
    for _ in range(2):
        cursor = parse_qs(urlsplit(response.headers["Next-Page"]).query)["cursor"][0]
        response = client.get(PATH, params={"cursor": cursor})
    chosen.append(data.cursor_filter("walk", cursor))
    for f in chosen:
        answer = client.get(PATH, params=f.params, headers=headers[f.reader])
        assert answer.status_code == 200, answer.text
        api_ids = [e["eventID"] for e in answer.json()]
        assert api_ids, f"{f.name}: the filter matches nothing, so it compares nothing"
        assert api_ids == _bare_ids(engine, f), f.name


def test_the_thin_peer_answers_each_benchmarked_filter_as_its_bare_query(
    data: ModuleType, engine: Engine, loaded: Any
) -> None:
    """The benchmark's thinnest HTTP server (ports_thin_server.py) is compared with the API
    only where it answers the same events as the bare SQL, its payloads as stored."""
    with engine.connect() as conn:
        chosen = data.filters(conn, data.Shape.of(EVENTS))
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    thin = _module(THIN).ThinApp(dsn, chosen)
    try:
        with TestClient(thin) as peer:
            for index, f in enumerate(chosen):
                answer = peer.get(f"/{index}")
                assert answer.status_code == 200
                ids = [e["eventID"] for e in answer.json()]
                assert ids and ids == _bare_ids(engine, f), f.name
            assert answer.headers["content-encoding"] == "gzip"  # a page, as the API sends it
            with engine.connect() as conn:
                stored = conn.execute(
                    text("SELECT payload FROM ports_events WHERE event_id = :e"), {"e": ids[0]}
                ).scalar_one()
            assert answer.json()[0] == stored
    finally:
        thin.close()


def test_a_cursor_page_starts_its_index_scan_at_the_cursor(
    engine: Engine, session_factory: sessionmaker[Session], loaded: Any
) -> None:
    """The keyset condition bounds the index scan: without the leading ``created >= cursor``
    PostgreSQL read the index from its start and filtered (a second at mid-year of 10 million
    events)."""
    with session_factory() as session:
        middle = session.get(Event, EVENTS // 2)
        assert middle is not None
        cursor = encode_key((middle.event_created_at, middle.id))
        stmt = keyset(select(Event.id), Event.event_created_at, Event.id, cursor=cursor, limit=100)
        sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = conn.execute(text("EXPLAIN (FORMAT JSON) " + sql)).scalar_one()[0]["Plan"]
    scans = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Index Name") == "ix_ports_events_created":
            scans.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    assert scans, plan
    assert "event_created_at >=" in scans[0].get("Index Cond", ""), scans[0]


def _plan_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _plan_nodes(child))]


def test_the_carriers_page_probes_its_bookings_event_by_event(
    engine: Engine, session_factory: sessionmaker[Session], loaded: Any
) -> None:
    """The carrier's rule is a probe per event of the page's index order, from indexes alone:
    never the list of every event sharing a booking with the carrier (a hashed SubPlan, or a
    scan of the references), which PostgreSQL built whole for every page (picked even for the
    EXISTS at 200,000 events; docs/ports.md). Since migration 0709 the references carry their
    writer's organisation: the probe no longer reads ``ports_events`` at all."""
    with session_factory() as session:
        scope = query.read_scope(session, loaded.writers["carrier"])
        assert scope.booking_writer is not None
        stmt = keyset(
            select(Event.id).where(query.visible(scope)),
            Event.event_created_at,
            Event.id,
            cursor=None,
            limit=100,
        )
        sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE ports_events"))  # as the benchmark does after its load
        conn.execute(text("VACUUM ANALYZE ports_event_references"))
        plan = conn.execute(text("EXPLAIN (FORMAT JSON) " + sql)).scalar_one()[0]["Plan"]
    nodes = _plan_nodes(plan)
    assert plan["Node Type"] == "Limit", plan
    assert plan["Plans"][0].get("Index Name") == "ix_ports_events_created", plan
    subplans = [n for n in nodes if "Subplan Name" in n]
    assert subplans, plan
    assert not [n for n in subplans if "hashed" in n["Subplan Name"]], plan
    assert not [n for n in nodes if n["Node Type"] in ("Seq Scan", "Hash", "Materialize")], plan
    indexes = {n["Index Name"] for n in nodes if n["Node Type"] == "Index Only Scan"}
    assert {"ix_ports_event_references_event", "ix_ports_event_references_writer"} <= indexes, plan
    # Below the page's own scan, nothing reads the events (no join for the writer).
    probes = [n for n in nodes if "Subplan Name" in n or n.get("Parent Relationship") == "SubPlan"]
    probed = {n.get("Relation Name") for p in probes for n in _plan_nodes(p)}
    assert "ports_events" not in probed, plan
