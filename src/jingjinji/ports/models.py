"""Tables of the ports domain (all prefixed ``ports_``): the DCSA Track & Trace 2.2 event store
and the reference rows events point to.

*Locations* are the ports, terminals, dry ports and land ports of the region by UN/LOCODE (a
terminal also by its SMDG facility code), each with the platform organisation that operates it:
that organisation writes the events at its UN/LOCODE. *Carriers*, *vessels*, *transport calls*
and *equipment* are derived from accepted events (first seen wins; an event never rewrites
them), so that pages and indicators can join to them; the events stay the record.

*Events* are one table for every DCSA 2.2 event type (SHIPMENT, TRANSPORT, EQUIPMENT): the
exact accepted JSON in ``payload`` plus the values ``GET /v2/events`` filters on as indexed
columns, denormalised from the transport call (vessel, voyage, service) so that a filtered page
is one index range scan without joins. Events are immutable: there is no update path; a
correction is a new event whose ``supersedes_id`` names the one it corrects (DCSA 3.0's
retractions fit the same link). The booking and transport-document references and the
shipper's references an event carries are rows of ``ports_event_references`` for the reference
filters. The index design is written down in docs/ports.md.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from jingjinji import labels
from jingjinji.db import Base, JSONType, UTCDateTime, utcnow

# 64-bit keys (SQLite: INTEGER PRIMARY KEY is 64-bit already; the variant keeps it the rowid).
BigId = BigInteger().with_variant(Integer(), "sqlite")


# The ports' objects as the audit record names them (its object_type).
labels.register(
    "object",
    {
        "port_location": labels.N_("port or inland port"),
        "port_carrier": labels.N_("carrier"),
        "port_event": labels.N_("port logistics event"),
        "port_edifact_submission": labels.N_("EDIFACT submission"),
    },
)


class LocationKind(enum.StrEnum):
    SEAPORT = "seaport"  # a port as a whole (its UN/LOCODE)
    TERMINAL = "terminal"  # a container terminal inside a port (SMDG facility code)
    DRY_PORT = "dry_port"  # 无水港 / inland port linked to a seaport by rail or road
    LAND_PORT = "land_port"  # Beijing's land ports (陆港): rail/road hubs with customs clearance


class CodeAssumption(enum.StrEnum):
    """Why a location's code is the platform's assumption (``Location.code_assumed_reason``)."""

    UNVERIFIED = "unverified"  # named by the issue and used in shipping; not checked in the list
    NO_LOCODE = "no_locode"  # no UN/LOCODE known for the place: the platform's own code
    FACILITY = "facility"  # the UN/LOCODE is the city's; the facility code is the platform's


class EventSource(enum.StrEnum):
    API = "api"  # DCSA JSON posted by the terminal or carrier
    EDIFACT = "edifact"  # mapped from a CODECO/COARRI file


class ReferenceKind(enum.StrEnum):
    """What a row of ``ports_event_references`` is: the two document references DCSA filters
    on, and the reference types of DCSA's ``references`` list."""

    BOOKING = "BKG"  # carrierBookingReference
    TRANSPORT_DOCUMENT = "TRD"  # transportDocumentReference
    FREIGHT_FORWARDER = "FF"
    SHIPPER = "SI"
    PURCHASE_ORDER = "PO"
    CUSTOMER = "CR"
    CONSIGNEE = "AAO"
    EQUIPMENT = "EQ"


class Location(Base):
    __tablename__ = "ports_locations"
    __table_args__ = (UniqueConstraint("un_location_code", "facility_code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    un_location_code: Mapped[str] = mapped_column(String(5), index=True)
    # SMDG terminal code (without the UN/LOCODE); empty for a port, dry port or land port.
    facility_code: Mapped[str] = mapped_column(String(6), default="")
    name_en: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))  # LocationKind
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    longitude: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    # The organisation that operates it and writes its events (None: nobody writes yet).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # True where the UN/LOCODE is the platform's assumption, not checked in the UN list, and
    # why (a CodeAssumption; empty for a checked code). Migration 0707_ports_booking_view.
    code_assumed: Mapped[bool] = mapped_column(Boolean, default=False)
    code_assumed_reason: Mapped[str] = mapped_column(String(10), default="")


class Carrier(Base):
    __tablename__ = "ports_carriers"
    __table_args__ = (UniqueConstraint("code", "code_list_provider"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(10))  # SMDG (e.g. COS) or SCAC (e.g. COSU)
    code_list_provider: Mapped[str] = mapped_column(String(5))  # SMDG | NMFTA (SCAC)
    name: Mapped[str] = mapped_column(String(100), default="")
    # The platform organisation acting for the carrier (reads events of its bookings).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)


class Vessel(Base):
    __tablename__ = "ports_vessels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    imo_number: Mapped[str] = mapped_column(String(7), unique=True)
    name: Mapped[str] = mapped_column(String(35), default="")
    flag: Mapped[str] = mapped_column(String(2), default="")
    call_sign: Mapped[str] = mapped_column(String(10), default="")
    operator_carrier_code: Mapped[str] = mapped_column(String(10), default="")
    # Whether the IMO check digit holds (a bad one is a warning on the event, not a refusal).
    imo_valid: Mapped[bool] = mapped_column(Boolean, default=True)


class TransportCall(Base):
    __tablename__ = "ports_transport_calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transport_call_id: Mapped[str] = mapped_column(String(100), unique=True)
    un_location_code: Mapped[str] = mapped_column(String(5), default="", index=True)
    facility_code: Mapped[str] = mapped_column(String(6), default="")
    carrier_service_code: Mapped[str] = mapped_column(String(5), default="")
    export_voyage_number: Mapped[str] = mapped_column(String(50), default="")
    import_voyage_number: Mapped[str] = mapped_column(String(50), default="")
    mode_of_transport: Mapped[str] = mapped_column(String(6))  # VESSEL RAIL TRUCK BARGE
    vessel_id: Mapped[int | None] = mapped_column(ForeignKey("ports_vessels.id"), index=True)


class Equipment(Base):
    __tablename__ = "ports_equipment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(15), unique=True)
    iso_equipment_code: Mapped[str] = mapped_column(String(4), default="")  # e.g. 22G1, 45G1
    # valid | bad_check_digit | not_iso (kernels.iso6346): a warning, never a refusal.
    check_status: Mapped[str] = mapped_column(String(16))
    check_digit_valid: Mapped[bool] = mapped_column(Boolean)


class Event(Base):
    __tablename__ = "ports_events"
    __table_args__ = (
        # The cursor order of GET /v2/events: (eventCreatedDateTime, id). Every filter index
        # ends with the same two columns so that a filtered page is one range scan in order.
        Index("ix_ports_events_created", "event_created_at", "id"),
        Index("ix_ports_events_equipment", "equipment_reference", "event_created_at", "id"),
        # The transhipment partner's rule: did this box have an event at one of these places?
        # (migration 0704; an EXISTS probe answered from the index alone)
        Index("ix_ports_events_equipment_location", "equipment_reference", "un_location_code"),
        Index("ix_ports_events_location", "un_location_code", "event_created_at", "id"),
        Index("ix_ports_events_transport_call", "transport_call_id", "event_created_at", "id"),
        Index("ix_ports_events_vessel", "vessel_imo_number", "event_created_at", "id"),
        Index("ix_ports_events_voyage", "export_voyage_number", "event_created_at", "id"),
        Index("ix_ports_events_service", "carrier_service_code", "event_created_at", "id"),
        Index("ix_ports_events_document", "document_id", "event_created_at", "id"),
        Index("ix_ports_events_writer", "organisation_id", "event_created_at", "id"),
        # The code filters are low-cardinality: led by the type they belong to.
        Index("ix_ports_events_type", "event_type", "event_created_at", "id"),
        # The indicators read the equipment events of a span of eventDateTime (migration 0708).
        Index("ix_ports_events_type_at", "event_type", "event_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    event_type: Mapped[str] = mapped_column(String(9))  # SHIPMENT | TRANSPORT | EQUIPMENT
    event_classifier_code: Mapped[str] = mapped_column(String(3))  # ACT PLN EST REQ
    event_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # eventDateTime
    event_created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # eventCreatedDateTime
    shipment_event_type_code: Mapped[str | None] = mapped_column(String(4))
    transport_event_type_code: Mapped[str | None] = mapped_column(String(4))
    equipment_event_type_code: Mapped[str | None] = mapped_column(String(4))
    document_type_code: Mapped[str | None] = mapped_column(String(3))
    document_id: Mapped[str | None] = mapped_column(String(100))
    equipment_reference: Mapped[str | None] = mapped_column(String(15))
    empty_indicator_code: Mapped[str | None] = mapped_column(String(5))
    # The transport call's id as sent, and the call's values the filters need (denormalised).
    transport_call_id: Mapped[str | None] = mapped_column(String(100))
    transport_call_pk: Mapped[int | None] = mapped_column(
        ForeignKey("ports_transport_calls.id"), index=True
    )
    vessel_imo_number: Mapped[str | None] = mapped_column(String(7))
    export_voyage_number: Mapped[str | None] = mapped_column(String(50))
    carrier_service_code: Mapped[str | None] = mapped_column(String(5))
    # Where the event happened: the event location's UN/LOCODE, else the transport call's.
    un_location_code: Mapped[str | None] = mapped_column(String(5))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    source: Mapped[str] = mapped_column(String(8))  # EventSource
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # Warnings kept with the event (a bad ISO 6346 or IMO check digit): English texts.
    warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("ports_events.id"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EventReference(Base):
    __tablename__ = "ports_event_references"
    __table_args__ = (
        Index("ix_ports_event_references_value", "kind", "value", "event_pk"),
        # An event's references by kind: the carrier's rule probes its BKG values per candidate
        # event from the index alone (migration 0707_ports_booking_view).
        Index("ix_ports_event_references_event", "event_pk", "kind", "value"),
        # The carrier's rule: does a reference of this value carry one of the carrier's own
        # events? One index-only probe (migration 0709_ports_reference_writer).
        Index("ix_ports_event_references_writer", "kind", "value", "writer_organisation_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_pk: Mapped[int] = mapped_column(ForeignKey("ports_events.id"))
    kind: Mapped[str] = mapped_column(String(3))  # ReferenceKind
    value: Mapped[str] = mapped_column(String(100))
    # The organisation of the event's writer (``Event.organisation_id``, copied at intake; None
    # for the office or a system actor, as there).
    writer_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    DEAD = "dead"  # out of attempts, or the receiver's address is refused


class Subscription(Base):
    """A DCSA 2.2 event subscription of one organisation (None: the coordination office).

    ``filters`` holds the DCSA filter fields exactly as the subscriber gave them (lists of codes,
    single references); ``sealed_secret`` the Base64 secret sealed with the platform's key
    (``service.subscriptions``): a copy of the database alone cannot sign callbacks."""

    __tablename__ = "ports_subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    callback_url: Mapped[str] = mapped_column(String(2000))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    sealed_secret: Mapped[str] = mapped_column(String(500))
    # Set when the receiver answered 401: callbacks wait until the subscriber resets the secret.
    secret_reset_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Paused by its owner: deliveries are still made (nothing is lost) but not sent until resumed.
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Delivery health, written by every callback the job sends (``service.callbacks``): the
    # management page reads them without scanning the deliveries.
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))


class Delivery(Base):
    """One event for one subscription: made in the transaction that records the event, sent
    (batched with the subscription's other due events) by the ``ports.callbacks`` job."""

    __tablename__ = "ports_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_pk", "event_pk"),
        # The job's query: pending deliveries by due time.
        Index("ix_ports_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscription_pk: Mapped[int] = mapped_column(ForeignKey("ports_subscriptions.id"))
    event_pk: Mapped[int] = mapped_column(ForeignKey("ports_events.id"), index=True)
    status: Mapped[str] = mapped_column(String(9), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_status: Mapped[int | None] = mapped_column(Integer)  # the receiver's HTTP status
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class DemoReceipt(Base):
    """A callback the platform's own demo receiver accepted (``POST
    /api/v1/ports/dcsa/demo-receiver``): its signature verified with the subscription's secret.
    Demo and test use only; a real subscriber runs its own receiver."""

    __tablename__ = "ports_demo_receipts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subscription_pk: Mapped[int] = mapped_column(ForeignKey("ports_subscriptions.id"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event_count: Mapped[int] = mapped_column(Integer)
    body_sha256: Mapped[str] = mapped_column(String(64))


# --- Transport orders ("one order to the end"; ports-orders) -------------------------------
# An order is a plan: its containers by equipment reference and its legs in order. The events
# stay the record; the timeline is assembled from them when read (kernels.timeline).


class LegMode(enum.StrEnum):
    VESSEL = "vessel"  # a mainline sea leg
    FEEDER = "feeder"  # a Bohai feeder between the region's ports
    RAIL = "rail"
    TRUCK = "truck"


class Order(Base):
    __tablename__ = "ports_orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OrderParty(Base):
    """An organisation that sees the order (the owner is one too)."""

    __tablename__ = "ports_order_parties"
    __table_args__ = (UniqueConstraint("order_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("ports_orders.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)


class OrderContainer(Base):
    __tablename__ = "ports_order_containers"
    __table_args__ = (UniqueConstraint("order_id", "equipment_reference"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("ports_orders.id"), index=True)
    equipment_reference: Mapped[str] = mapped_column(String(15), index=True)


class OrderLeg(Base):
    __tablename__ = "ports_order_legs"
    __table_args__ = (UniqueConstraint("order_id", "sequence"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("ports_orders.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in travel order
    mode: Mapped[str] = mapped_column(String(6))  # LegMode
    origin_code: Mapped[str] = mapped_column(String(5))  # UN/LOCODE
    destination_code: Mapped[str] = mapped_column(String(5))
    # The carrier's SMDG/SCAC code or the operator's name (a rail or trucking company).
    carrier: Mapped[str] = mapped_column(String(100), default="")
    planned_departure: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    planned_arrival: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DwellNotice(Base):
    """A dwell of an order's container beyond the threshold that its parties were told of:
    the unique key makes it one notice per stay, however often the check runs."""

    __tablename__ = "ports_dwell_notices"
    __table_args__ = (
        UniqueConstraint("order_id", "equipment_reference", "un_location_code", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("ports_orders.id"), index=True)
    equipment_reference: Mapped[str] = mapped_column(String(15))
    un_location_code: Mapped[str] = mapped_column(String(5))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    hours: Mapped[int] = mapped_column(Integer)  # how long it had stayed when noticed
    noticed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SubmissionStatus(enum.StrEnum):
    QUEUED = "queued"  # stored, its job not yet run
    RUNNING = "running"  # shown while the job holds it (the job's own status; never stored)
    DONE = "done"  # parsed; its events recorded (or already there)
    FAILED = "failed"  # refused whole: unreadable, or an event the submitter may not write


labels.register(
    "ports.submission_status",
    {
        SubmissionStatus.QUEUED.value: labels.N_("queued"),
        SubmissionStatus.RUNNING.value: labels.N_("running"),
        SubmissionStatus.DONE.value: labels.N_("done"),
        SubmissionStatus.FAILED.value: labels.N_("failed"),
    },
)


class EdifactSubmission(Base):
    """One EDIFACT interchange as it was submitted, and what its job made of it. The file's
    bytes stay (the record of what was sent); the submitter is kept as the job acts as them
    (role and organisation as they were at submission)."""

    __tablename__ = "ports_edifact_submissions"
    __table_args__ = (Index("ix_ports_edifact_submissions_org", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    jurisdiction_code: Mapped[str | None] = mapped_column(String(12))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    channel: Mapped[str] = mapped_column(String(10), default="api")
    filename: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default=SubmissionStatus.QUEUED.value)
    job_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    sender: Mapped[str] = mapped_column(String(35), default="")
    control_ref: Mapped[str] = mapped_column(String(14), default="")
    messages: Mapped[int] = mapped_column(Integer, default=0)
    messages_accepted: Mapped[int] = mapped_column(Integer, default=0)
    recorded: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    # The DCSA eventIDs of the file's events (recorded now or already stored), in file order.
    event_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Per-message problems: message_ref, message_index, segment_index, segment_tag, element,
    # reason (English; pages translate it). ``failure`` is the reason a whole file was refused.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    failure: Mapped[str | None] = mapped_column(String(2000))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class StoredIndicator(Base):
    """One stored row of a computed port indicator table (``kind``: transits, green_channel,
    dwell; ``row``: the kernel's columns), written whole by each refresh so that reads never
    recompute from the events."""

    __tablename__ = "ports_indicator_values"
    __table_args__ = (Index("ix_ports_indicator_values_kind_month", "kind", "month"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))
    row: Mapped[dict[str, Any]] = mapped_column(JSONType)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StaleIndicatorMonth(Base):
    """A China-time month whose stored indicators new events changed: intake marks it in the
    events' transaction, the refresh recomputes it and the months it reaches and clears the mark
    it read (``service/indicator_months.py``). ``marks`` counts the intakes since: a month
    marked again while a refresh ran keeps its mark."""

    __tablename__ = "ports_indicator_stale_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    marks: Mapped[int] = mapped_column(Integer, default=1)
