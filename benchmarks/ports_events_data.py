"""The data and the filters of ``bench_ports_events.py``, shared with its test
(tests/ports/test_bench_events.py), which checks on a tiny N that the generated rows are what
intake would have stored and that the API answers each filter exactly as its bare SQL does.

Generation is set-based: the reference rows (vessels with IMO check digits, transport calls,
containers with ISO 6346 check digits) are made here in Python and copied in; the events are one
``INSERT ... SELECT ... FROM generate_series`` per chunk, every filter column computed once and
the DCSA JSON built from the same values, so that a column and the JSON cannot disagree. The
references (bookings, transport documents) come from the same expressions of the event number.
The events' secondary indexes are dropped before the load and rebuilt after it (one sorted
build each, as a restore does), each build timed.

The shape (for N events): the demo's 10 locations, Tianjin Xingang busiest; N/200 transport
calls in time order (each a contiguous block of events at one location: a vessel call, a train
or a truck gate); up to 5,000 containers (N/2,000, at least 50), each seen all year; N/10
bookings spread at random; 8 % SHIPMENT (booking confirmations and bills issued), 12 %
TRANSPORT (arrivals and departures), 80 % EQUIPMENT (LOAD/DISC/GTIN/GTOT and some
STUF/STRP/INSP); eventCreatedDateTime from ``START`` over one year in N steps.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from jingjinji.pagination import decode_key, encode_key
from jingjinji.ports import kernels
from jingjinji.ports.demo import places

START = dt.datetime(2025, 12, 1)  # naive UTC, as the events table stores it
YEAR_MS = 365 * 24 * 3600 * 1000
SEED = 20261202
LIMIT = 100  # DCSA's default page
SERVICES = ("NCE", "BHF", "AEX", "CJX")
OWNER_CODES = ("BHFU", "JJJU", "TJPU", "COSU", "MSKU")
# Where calls happen: Tianjin Xingang most, the Hebei ports and the dry and land ports less.
LOCATION_WEIGHTS = {
    "CNTXG": 30, "CNTSN": 10, "CNCFD": 12, "CNTGS": 8, "CNHHA": 10, "CNSHP": 6,
    "CNSJW": 10, "CNXAN": 4, "CNBJS": 10,
}  # fmt: skip
SEAPORTS = {p.code for p in places.PLACES if p.kind == "seaport"}


@dataclass(frozen=True)
class Shape:
    """How many of each thing N events have."""

    events: int
    calls: int
    boxes: int
    vessels: int
    bookings: int

    @classmethod
    def of(cls, events: int) -> Shape:
        return cls(
            events=events,
            calls=max(10, events // 200),
            boxes=max(50, min(5000, events // 2000)),
            vessels=40,
            bookings=max(10, events // 10),
        )

    @property
    def step_ms(self) -> int:
        """Milliseconds between two events' eventCreatedDateTime (the year in N steps)."""
        return max(1, YEAR_MS // self.events)


@dataclass
class Call:
    number: int  # 1..calls, in time order
    transport_call_id: str
    locode: str
    mode: str
    service: str
    voyage: str
    imo: str | None
    vessel_name: str | None


@dataclass
class Reference:
    """The reference rows the events point to, made in Python (check digits)."""

    calls: list[Call]
    boxes: list[str]
    vessels: list[tuple[str, str]]  # (IMO, name)


def imo_number(rng: random.Random) -> str:
    body = f"9{rng.randrange(10**5):05d}"
    return body + str(kernels.imo_check_digit(body))


def container(rng: random.Random) -> str:
    body = f"{rng.choice(OWNER_CODES)}{rng.randrange(10**6):06d}"
    return body + kernels.iso6346_check_digit(body)


def make_reference(shape: Shape, seed: int = SEED) -> Reference:
    rng = random.Random(seed)
    imos: dict[str, str] = {}
    while len(imos) < shape.vessels:
        imos.setdefault(imo_number(rng), f"JJJ BENCH {len(imos) + 1:02d}")
    vessels = sorted(imos.items())
    boxes: set[str] = set()
    while len(boxes) < shape.boxes:
        boxes.add(container(rng))
    codes = list(LOCATION_WEIGHTS)
    weights = list(LOCATION_WEIGHTS.values())
    calls = []
    for number in range(1, shape.calls + 1):
        locode = rng.choices(codes, weights)[0]
        mode = "VESSEL" if locode in SEAPORTS else rng.choice(("RAIL", "TRUCK"))
        imo, name = vessels[rng.randrange(len(vessels))] if mode == "VESSEL" else (None, None)
        calls.append(
            Call(
                number=number,
                transport_call_id=f"JJJ-TC-{number:08d}",
                locode=locode,
                mode=mode,
                service=rng.choice(SERVICES) if mode == "VESSEL" else "",
                voyage=f"{number % 1000:03d}{rng.choice('EWNS')}",
                imo=imo,
                vessel_name=name,
            )
        )
    return Reference(calls=calls, boxes=sorted(boxes), vessels=vessels)


# --------------------------------------------------------------------------- the load

# The per-event values as SQL expressions of g (the event number = its id), over the scratch
# tables bench_calls (number, ...) and bench_boxes (number, reference).
_EVENT_SQL = """
WITH base AS (
    SELECT g,
        (hashint8(g) & 2147483647) % 100 AS kind_roll,
        (hashint8(g + 7777777) & 2147483647) AS roll2,
        1 + ((g - 1) * :calls) / :events AS call_no,
        1 + (hashint8(g * 3) & 2147483647) % :boxes AS box_no,
        1 + (hashint8(g * 5) & 2147483647) % :bookings AS booking_no,
        :start + ((g - 1) * :step_ms) * interval '1 millisecond' AS created
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g
), typed AS (
    SELECT b.*, c.*, bx.reference AS box,
        CASE WHEN b.kind_roll < 8 THEN 'SHIPMENT'
             WHEN b.kind_roll < 20 THEN 'TRANSPORT' ELSE 'EQUIPMENT' END AS event_type,
        'BHF' || lpad(b.booking_no::text, 8, '0') AS booking,
        'TRD' || lpad(b.booking_no::text, 8, '0') AS bill
    FROM base b
    JOIN bench_calls c ON c.number = b.call_no
    JOIN bench_boxes bx ON bx.number = b.box_no
), coded AS (
    SELECT t.*,
        CASE WHEN t.event_type = 'EQUIPMENT' AND t.roll2 % 10 = 9 THEN 'EST' ELSE 'ACT' END
            AS classifier,
        CASE WHEN t.event_type = 'SHIPMENT'
             THEN (CASE WHEN t.roll2 % 4 = 0 THEN 'ISSU' ELSE 'CONF' END) END AS shipment_code,
        CASE WHEN t.event_type = 'SHIPMENT'
             THEN (CASE WHEN t.roll2 % 4 = 0 THEN 'TRD' ELSE 'BKG' END) END AS document_type,
        CASE WHEN t.event_type = 'TRANSPORT'
             THEN (CASE WHEN t.roll2 % 2 = 0 THEN 'ARRI' ELSE 'DEPA' END) END AS transport_code,
        CASE WHEN t.event_type = 'EQUIPMENT' THEN (
            CASE WHEN t.mode = 'VESSEL'
                 THEN (ARRAY['LOAD','DISC','LOAD','DISC','GTIN','GTOT','STUF','STRP','INSP',
                             'DISC'])[1 + t.roll2 % 10]
                 ELSE (ARRAY['GTIN','GTOT','GTIN','GTOT','STUF','STRP'])[1 + t.roll2 % 6]
            END) END AS equipment_code
    FROM typed t
)
INSERT INTO ports_events (
    id, event_id, event_type, event_classifier_code, event_at, event_created_at,
    shipment_event_type_code, transport_event_type_code, equipment_event_type_code,
    document_type_code, document_id, equipment_reference, empty_indicator_code,
    transport_call_id, transport_call_pk, vessel_imo_number, export_voyage_number,
    carrier_service_code, un_location_code, organisation_id, source, payload, warnings,
    supersedes_id, received_at)
SELECT
    k.g, k.event_uuid, k.event_type, k.classifier, k.event_at, k.created,
    k.shipment_code, k.transport_code, k.equipment_code,
    k.document_type, k.document_id, k.equipment_reference, k.empty_code,
    k.call_id, k.call_pk, k.imo, k.call_voyage, k.call_service, k.where_code, k.writer,
    'api',
    jsonb_strip_nulls(jsonb_build_object(
        'eventID', k.event_uuid,
        'eventType', k.event_type,
        'eventClassifierCode', k.classifier,
        'eventCreatedDateTime', to_char(k.created, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'eventDateTime', to_char(k.event_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'shipmentEventTypeCode', k.shipment_code,
        'documentTypeCode', k.document_type,
        'documentID', k.document_id,
        'transportEventTypeCode', k.transport_code,
        'equipmentEventTypeCode', k.equipment_code,
        'equipmentReference', k.equipment_reference,
        'ISOEquipmentCode', CASE WHEN k.equipment_reference IS NOT NULL THEN '45G1' END,
        'emptyIndicatorCode', k.empty_code,
        'eventLocation', CASE WHEN k.event_type = 'EQUIPMENT'
                              THEN jsonb_build_object('UNLocationCode', k.locode) END,
        'documentReferences', CASE WHEN k.event_type = 'EQUIPMENT' THEN jsonb_build_array(
            jsonb_build_object('documentReferenceType', 'BKG',
                               'documentReferenceValue', k.booking)) END,
        'transportCall', CASE WHEN k.event_type <> 'SHIPMENT' THEN jsonb_strip_nulls(
            jsonb_build_object(
                'transportCallID', k.transport_call_id,
                'carrierServiceCode', NULLIF(k.service, ''),
                'exportVoyageNumber', k.voyage,
                'UNLocationCode', k.locode,
                'modeOfTransport', k.mode,
                'vessel', CASE WHEN k.vessel_imo IS NOT NULL THEN jsonb_build_object(
                    'vesselIMONumber', k.vessel_imo, 'vesselName', k.vessel_name,
                    'vesselFlag', 'CN') END)) END
    )),
    '[]'::jsonb, NULL, k.created + interval '20 seconds'
FROM (
    SELECT c.*,
        -- md5 of the number: the same UUID for the same event in every run (v4 bits set).
        CAST(overlay(overlay(md5('jjj-bench-' || c.g) placing '4' from 13)
             placing '8' from 17) AS uuid) AS event_uuid,
        c.created - (1 + c.roll2 % 180) * interval '1 minute' AS event_at,
        CASE c.event_type WHEN 'SHIPMENT' THEN
            (CASE WHEN c.document_type = 'TRD' THEN c.bill ELSE c.booking END) END AS document_id,
        CASE WHEN c.event_type = 'EQUIPMENT' THEN c.box END AS equipment_reference,
        CASE WHEN c.event_type = 'EQUIPMENT'
             THEN (CASE WHEN c.roll2 % 5 = 0 THEN 'EMPTY' ELSE 'LADEN' END) END AS empty_code,
        CASE WHEN c.event_type <> 'SHIPMENT' THEN c.transport_call_id END AS call_id,
        CASE WHEN c.event_type <> 'SHIPMENT' THEN c.tc_pk END AS call_pk,
        CASE WHEN c.event_type <> 'SHIPMENT' THEN c.vessel_imo END AS imo,
        CASE WHEN c.event_type <> 'SHIPMENT' THEN c.voyage END AS call_voyage,
        CASE WHEN c.event_type <> 'SHIPMENT' THEN NULLIF(c.service, '') END AS call_service,
        CASE WHEN c.event_type <> 'SHIPMENT' THEN c.locode END AS where_code,
        CASE WHEN c.event_type = 'SHIPMENT' THEN :carrier_org ELSE c.operator END AS writer
    FROM coded c
) k
"""

# The references each event carries, from the same expressions of g as above.
_REFERENCES_SQL = """
INSERT INTO ports_event_references (event_pk, kind, value, writer_organisation_id)
SELECT id, CASE WHEN document_type_code = 'TRD' THEN 'TRD' ELSE 'BKG' END, document_id,
       organisation_id
FROM ports_events WHERE id BETWEEN :first AND :last AND event_type = 'SHIPMENT'
UNION ALL
SELECT id, 'BKG', payload #>> '{documentReferences,0,documentReferenceValue}', organisation_id
FROM ports_events WHERE id BETWEEN :first AND :last AND event_type = 'EQUIPMENT'
"""

EVENT_TABLES = ("ports_events", "ports_event_references")


@dataclass
class Timings:
    """Seconds of each step of a load."""

    steps: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.steps[name] = self.steps.get(name, 0.0) + seconds


def secondary_indexes(conn: Connection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the event tables' indexes that no constraint owns."""
    rows = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = ANY(:tables) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint) ORDER BY indexname"
        ),
        {"tables": list(EVENT_TABLES)},
    )
    return [(name, definition) for name, definition in rows]


def _copy_reference(conn: Connection, ref: Reference, shape: Shape) -> None:
    """The scratch tables the event SQL reads, and the derived tables intake would fill."""
    operators: dict[str, int | None] = dict(
        conn.execute(
            text(
                "SELECT un_location_code, min(organisation_id) FROM ports_locations "
                "GROUP BY un_location_code"
            )
        ).all()
    )
    conn.execute(text("DROP TABLE IF EXISTS bench_calls, bench_boxes"))
    conn.execute(
        text(
            "CREATE TABLE bench_calls (number bigint PRIMARY KEY, tc_pk bigint, "
            "transport_call_id text, locode text, mode text, service text, voyage text, "
            "vessel_imo text, vessel_name text, operator integer)"
        )
    )
    conn.execute(text("CREATE TABLE bench_boxes (number bigint PRIMARY KEY, reference text)"))
    vessel_ids: dict[str, int] = {}
    for imo, name in ref.vessels:
        vessel_ids[imo] = conn.execute(
            text(
                "INSERT INTO ports_vessels (imo_number, name, flag, call_sign, "
                "operator_carrier_code, imo_valid) VALUES (:imo, :name, 'CN', '', '', true) "
                "RETURNING id"
            ),
            {"imo": imo, "name": name},
        ).scalar_one()
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        with cur.copy(
            "COPY ports_transport_calls (id, transport_call_id, un_location_code, facility_code,"
            " carrier_service_code, export_voyage_number, import_voyage_number,"
            " mode_of_transport, vessel_id) FROM STDIN"
        ) as copy:
            for c in ref.calls:
                vessel = vessel_ids[c.imo] if c.imo else None
                copy.write_row(
                    (c.number, c.transport_call_id, c.locode, "", c.service, c.voyage, "",
                     c.mode, vessel)
                )  # fmt: skip
        with cur.copy("COPY bench_calls FROM STDIN") as copy:
            for c in ref.calls:
                copy.write_row(
                    (c.number, c.number, c.transport_call_id, c.locode, c.mode, c.service,
                     c.voyage, c.imo, c.vessel_name, operators.get(c.locode))
                )  # fmt: skip
        with cur.copy("COPY bench_boxes FROM STDIN") as copy:
            for number, box in enumerate(ref.boxes, start=1):
                copy.write_row((number, box))
        with cur.copy(
            "COPY ports_equipment (reference, iso_equipment_code, check_status, "
            "check_digit_valid) FROM STDIN"
        ) as copy:
            for box in ref.boxes:
                copy.write_row((box, "45G1", "valid", True))
    conn.execute(
        text("SELECT setval(pg_get_serial_sequence('ports_transport_calls', 'id'), :n)"),
        {"n": shape.calls},
    )
    conn.execute(text("ANALYZE bench_calls; ANALYZE bench_boxes"))


def carrier_organisation(conn: Connection) -> int | None:
    """The demo feeder line's organisation: it writes the booking events."""
    return conn.execute(
        text("SELECT organisation_id FROM ports_carriers WHERE code = 'BHF'")
    ).scalar_one_or_none()


def generate(
    conn: Connection,
    shape: Shape,
    *,
    chunk: int = 250_000,
    progress: Callable[[int, int], None] | None = None,
) -> Timings:
    """Load ``shape.events`` events (and their reference rows) into an empty ports schema, then
    rebuild the indexes and analyse. ``conn`` is committed after each chunk."""
    timings = Timings()
    started = time.perf_counter()
    ref = make_reference(shape)
    _copy_reference(conn, ref, shape)
    conn.commit()
    timings.add("reference rows", time.perf_counter() - started)
    indexes = secondary_indexes(conn)
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    conn.commit()
    params: dict[str, Any] = {
        "calls": shape.calls,
        "events": shape.events,
        "boxes": shape.boxes,
        "bookings": shape.bookings,
        "step_ms": shape.step_ms,
        "start": START,
        "carrier_org": carrier_organisation(conn),
    }
    for first in range(1, shape.events + 1, chunk):
        last = min(shape.events, first + chunk - 1)
        t0 = time.perf_counter()
        conn.execute(text(_EVENT_SQL), {**params, "first": first, "last": last})
        t1 = time.perf_counter()
        conn.execute(text(_REFERENCES_SQL), {"first": first, "last": last})
        conn.commit()
        timings.add("events", t1 - t0)
        timings.add("references", time.perf_counter() - t1)
        if progress is not None:
            progress(last, shape.events)
    conn.execute(
        text("SELECT setval(pg_get_serial_sequence('ports_events', 'id'), :n)"),
        {"n": shape.events},
    )
    conn.commit()
    for name, definition in indexes:
        t0 = time.perf_counter()
        conn.execute(text(definition))
        conn.commit()
        timings.add(f"index {name}", time.perf_counter() - t0)
    conn.execute(text("DROP TABLE bench_calls, bench_boxes"))
    conn.commit()
    return timings


# --------------------------------------------------------------------------- the filters


@dataclass
class Filter:
    """One GET /v2/events request and the bare SQL of the same filter (same limit, order)."""

    name: str
    params: dict[str, str]  # the API's query parameters
    where: str  # the bare query's condition (psycopg %(name)s parameters)
    values: dict[str, Any] = field(default_factory=dict)
    reader: str = "office"  # whose token: "office" or a demo operator's key

    def bare_sql(self) -> str:
        return (
            f"SELECT id, payload FROM ports_events WHERE {self.where} "
            f"ORDER BY event_created_at, id LIMIT {LIMIT}"
        )


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _sample(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def cursor_filter(name: str, cursor: str) -> Filter:
    """The page after ``cursor`` (no other filter); the bare query's row comparison."""
    created, last_id = decode_key(cursor, [dt.datetime, int]) or (None, None)
    assert created is not None
    return Filter(
        name,
        {"cursor": cursor},
        "(event_created_at, id) > (%(at)s, %(id)s)",
        {"at": created.astimezone(dt.UTC).replace(tzinfo=None), "id": last_id},
    )


def filters(conn: Connection, shape: Shape) -> list[Filter]:
    """The realistic filters, their values read from the loaded data (the middle of the year:
    a box, a booking, a call and a vessel that occur there)."""
    middle = shape.events // 2
    box = _sample(
        conn,
        "SELECT equipment_reference FROM ports_events WHERE id >= :m "
        "AND equipment_reference IS NOT NULL ORDER BY id LIMIT 1",
        m=middle,
    )
    booking = _sample(
        conn,
        "SELECT value FROM ports_event_references WHERE kind = 'BKG' AND event_pk >= :m "
        "ORDER BY event_pk LIMIT 1",
        m=middle,
    )
    call, imo = conn.execute(
        text(
            "SELECT transport_call_id, vessel_imo_number FROM ports_events WHERE id >= :m "
            "AND vessel_imo_number IS NOT NULL ORDER BY id LIMIT 1"
        ),
        {"m": middle},
    ).one()
    # A week around the middle at a location with calls in it: the middle event's.
    locode = _sample(
        conn,
        "SELECT un_location_code FROM ports_events WHERE id >= :m "
        "AND un_location_code IS NOT NULL ORDER BY id LIMIT 1",
        m=middle,
    )
    end = START + dt.timedelta(milliseconds=shape.step_ms * shape.events)
    since = end - dt.timedelta(days=90)
    week = START + dt.timedelta(days=179)
    week_end = week + dt.timedelta(days=7)
    at, mid_id = conn.execute(
        text("SELECT event_created_at, id FROM ports_events WHERE id = :m"), {"m": middle}
    ).one()
    deep = encode_key((at.replace(tzinfo=dt.UTC), mid_id))
    return [
        Filter("no filter, first page", {}, "true"),
        Filter(
            "equipmentReference",
            {"equipmentReference": box},
            "equipment_reference = %(box)s",
            {"box": box},
        ),
        Filter(
            "EQUIPMENT LOAD since 90 days",
            {
                "eventType": "EQUIPMENT",
                "equipmentEventTypeCode": "LOAD",
                "eventCreatedDateTime:gte": _iso(since),
            },
            "event_type = 'EQUIPMENT' AND equipment_event_type_code = 'LOAD' "
            "AND event_created_at >= %(since)s",
            {"since": since},
        ),
        Filter(
            "UNLocationCode + week",
            {
                "UNLocationCode": locode,
                "eventCreatedDateTime:gte": _iso(week),
                "eventCreatedDateTime:lt": _iso(week_end),
            },
            "un_location_code = %(locode)s AND event_created_at >= %(a)s "
            "AND event_created_at < %(b)s",
            {"locode": locode, "a": week, "b": week_end},
        ),
        Filter(
            "carrierBookingReference",
            {"carrierBookingReference": booking},
            "id IN (SELECT event_pk FROM ports_event_references "
            "WHERE kind = 'BKG' AND value = %(booking)s)",
            {"booking": booking},
        ),
        Filter(
            "transportCallID",
            {"transportCallID": call},
            "transport_call_id = %(call)s",
            {"call": call},
        ),
        Filter(
            "vesselIMONumber",
            {"vesselIMONumber": imo},
            "vessel_imo_number = %(imo)s",
            {"imo": imo},
        ),
        cursor_filter("cursor at mid-year", deep),
        terminal_filter(conn),
        carrier_filter(conn),
    ]


def terminal_filter(conn: Connection) -> Filter:
    """The first page the Caofeidian terminal reads (no filter): its own events, those at its
    locations and those of boxes that passed there (the transhipment partner's rule of
    ``service.query.visible``), the same condition written as SQL."""
    org, locations = conn.execute(
        text(
            "SELECT organisation_id, array_agg(DISTINCT un_location_code) FROM ports_locations "
            "WHERE organisation_id = (SELECT organisation_id FROM ports_locations "
            "WHERE un_location_code = 'CNCFD') GROUP BY organisation_id"
        )
    ).one()
    return Filter(
        "Caofeidian terminal, first page",
        {},
        "(organisation_id = %(org)s OR un_location_code = ANY(%(locations)s) "
        "OR EXISTS (SELECT 1 FROM ports_events v "
        "WHERE v.equipment_reference = ports_events.equipment_reference "
        "AND v.un_location_code = ANY(%(locations)s)))",
        {"org": org, "locations": sorted(locations)},
        reader="he_cfd",
    )


def carrier_filter(conn: Connection) -> Filter:
    """The first page the feeder line (the carrier writing the booking confirmations) reads (no
    filter): its own events and those carrying a booking reference that one of its own events
    carries (the carrier's rule of ``service.query.visible``), the same condition as SQL
    (``OFFSET 0`` keeps it a probe per event, not a hashed list: see that function; the
    references carry their writer's organisation, migration 0709_ports_reference_writer)."""
    org = carrier_organisation(conn)
    return Filter(
        "carrier, first page",
        {},
        "(organisation_id = %(org)s OR EXISTS (SELECT 1 FROM ports_event_references r "
        "JOIN ports_event_references s ON s.kind = 'BKG' AND s.value = r.value "
        "AND s.writer_organisation_id = %(org)s "
        "WHERE r.event_pk = ports_events.id AND r.kind = 'BKG' OFFSET 0))",
        {"org": org},
        reader="carrier",
    )


def event_ids(payloads: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> list[str]:
    return [str(p["eventID"]) for p in payloads]


# --------------------------------------------------------------------------- the people


@dataclass
class Registered:
    """Who reads and writes: the office administrator and a steward per demo operator."""

    office: Any  # jingjinji.security.Actor
    writers: dict[str, Any]


def register(session: Any) -> Registered:
    """The region, the accounts demo (its office administrator) and the ports demo's
    organisations, locations, carriers and writers, through the services (as the tests'
    fixtures make them); commits."""
    from sqlalchemy import select

    from jingjinji.accounts import demo as accounts_demo
    from jingjinji.accounts import service as accounts_service
    from jingjinji.accounts.models import User
    from jingjinji.demo import DemoContext
    from jingjinji.ports import demo as ports_demo
    from jingjinji.regions import demo as regions_demo
    from jingjinji.regions import service as regions_service

    regions_service.load_region(session)
    ctx = DemoContext()
    regions_demo.load(session, ctx)
    accounts_demo.load(session, ctx)
    orgs = ports_demo.organisations(session)
    ports_demo.reference_data(session, orgs)
    writers = ports_demo.writers(session, orgs)
    session.commit()
    office = session.scalars(select(User).where(User.username == accounts_demo.OFFICE_ADMIN)).one()
    return Registered(office=accounts_service.actor_of(office, channel="api"), writers=writers)
