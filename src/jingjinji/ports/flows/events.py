"""Work of the ports domain that spans the catalog: the port events as a catalog dataset,
``PORTS-EVENTS``, whose grants open events to organisations the other reading rules do not
cover (policy rule 6). A grant scoped to ``un_location_code`` values opens the events at those
UN/LOCODEs; an unscoped grant opens every event."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn, FieldIn
from jingjinji.ports import policy
from jingjinji.security import Actor

_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "string", "DCSA eventID (UUID)"),
    ("event_type", "string", "SHIPMENT, TRANSPORT or EQUIPMENT"),
    ("event_classifier_code", "string", "ACT, PLN, EST or REQ"),
    ("event_date_time", "datetime", "when the event took (or will take) place"),
    ("event_created_date_time", "datetime", "when the event was created"),
    (policy.LOCATION_FIELD, "string", "UN/LOCODE where the event took place"),
    ("equipment_reference", "string", "container number (ISO 6346 where possible)"),
    ("event_type_code", "string", "the shipment, transport or equipment event type code"),
)


def register_events_dataset(
    session: Session, *, actor: Actor | None, owner_organisation_id: int
) -> str:
    """Register ``PORTS-EVENTS`` (once; audited by the catalog) owned by the organisation that
    answers for the exchange (the demo: Tianjin's port); its code."""
    catalog.ensure_dataset(
        session,
        actor=actor,
        data=DatasetIn(
            code=policy.EVENTS_DATASET,
            title_zh="京津冀港口集装箱物流事件（DCSA 2.2）",
            title_en="Port and container logistics events (DCSA 2.2)",
            description_zh="天津、河北各港口码头和内陆港按 DCSA 航运跟踪 2.2 标准报送的集装箱、"
            "运输和单证事件。有条件共享：码头读本港事件和经本港中转集装箱的事件，承运人读其订舱"
            "的事件，其他单位经目录授权（可限定 UN/LOCODE）读取。",
            description_en="Equipment, transport and shipment events of the ports, terminals "
            "and inland ports of Tianjin and Hebei in the DCSA Track & Trace 2.2 shape. "
            "Conditional: terminals read their own and their transhipment partners' events, "
            "carriers the events of their bookings; other organisations read through a catalog "
            "grant, which may be scoped to UN/LOCODEs (docs/ports.md).",
            owner_organisation_id=owner_organisation_id,
            domain="transport",
            update_cycle="realtime",
            sharing_class="conditional",
            open_to_public=False,
            fields=[
                FieldIn(name=n, type=t, description=d, sharing_class="conditional")
                for n, t, d in _FIELDS
            ],
        ),
    )
    return policy.EVENTS_DATASET
