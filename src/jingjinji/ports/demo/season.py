"""A synthetic season of port calls and container events between Tianjin and the Hebei ports,
made deterministically from a seed (the same season every load). SYNTHETIC: the vessels,
voyages, bookings and containers are made up; vessel IMO numbers and container numbers carry
valid check digits (IMO weights 7..2; ISO 6346), except one container whose check digit is
deliberately wrong, as real traffic carries some: it shows the warning.

Each week a mainline vessel calls at Tianjin Xingang (ARRI/DEPA) and discharges containers;
most are transhipped on a Bohai feeder to Caofeidian or Huanghua (LOAD at Xingang, the feeder's
DEPA/ARRI, DISC at the Hebei port) and leave there by rail or truck (GTOT); some of those bound
for Huanghua gate in at the Shijiazhuang dry port (GTIN). The feeder line's booking
confirmations are SHIPMENT events, and the equipment events carry the booking reference.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from jingjinji.ports import kernels

SEED = 20260901
FIRST_DAY = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
WEEKS = 8
BOXES_PER_CALL = 6

MAINLINE = ("JINGJIN STAR", "HAIHE EXPRESS", "BOHAI HARMONY")
FEEDERS = ("XIN CAOFEIDIAN", "HUANGHUA SPIRIT")
OWNER_CODES = ("BHFU", "JJJU", "TJPU")
# The one container whose check digit is wrong on purpose (kept with a warning).
BAD_BOX = "JJJU1234561"  # its check digit is 0


def imo_number(rng: random.Random) -> str:
    body = f"9{rng.randrange(10**5):05d}"
    return body + str(kernels.imo_check_digit(body))


def container(rng: random.Random) -> str:
    body = f"{rng.choice(OWNER_CODES)}{rng.randrange(10**6):06d}"
    return body + kernels.iso6346_check_digit(body)


@dataclass
class Season:
    """The events of the season by the key of the operator that writes them."""

    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    vessels: dict[str, str] = field(default_factory=dict)  # name -> IMO
    containers: list[str] = field(default_factory=list)

    def add(self, writer: str, event: dict[str, Any]) -> None:
        self.events.setdefault(writer, []).append(event)


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat()


class _Maker:
    def __init__(self, rng: random.Random, season: Season) -> None:
        self.rng = rng
        self.season = season

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def call(
        self, vessel: str, locode: str, voyage: str, service: str, mode: str
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "transportCallID": self.uuid(),
            "exportVoyageNumber": voyage,
            "UNLocationCode": locode,
            "modeOfTransport": mode,
        }
        if service:
            out["carrierServiceCode"] = service
        if mode == "VESSEL":
            out["vessel"] = {
                "vesselIMONumber": self.season.vessels[vessel],
                "vesselName": vessel,
                "vesselFlag": "CN",
            }
        return out

    def transport(self, writer: str, code: str, moment: dt.datetime, call: dict[str, Any]) -> None:
        self.season.add(
            writer,
            {
                "eventID": self.uuid(),
                "eventType": "TRANSPORT",
                "eventClassifierCode": "ACT",
                "eventCreatedDateTime": _stamp(moment + dt.timedelta(minutes=5)),
                "eventDateTime": _stamp(moment),
                "transportEventTypeCode": code,
                "transportCall": call,
            },
        )

    def equipment(
        self, writer: str, code: str, moment: dt.datetime, box: str, locode: str,
        call: dict[str, Any], booking: str, laden: bool = True,
    ) -> None:  # fmt: skip
        event: dict[str, Any] = {
            "eventID": self.uuid(),
            "eventType": "EQUIPMENT",
            "eventClassifierCode": "ACT",
            "eventCreatedDateTime": _stamp(moment + dt.timedelta(minutes=3)),
            "eventDateTime": _stamp(moment),
            "equipmentEventTypeCode": code,
            "equipmentReference": box,
            "ISOEquipmentCode": "45G1",
            "emptyIndicatorCode": "LADEN" if laden else "EMPTY",
            "eventLocation": {"UNLocationCode": locode},
            "documentReferences": [
                {"documentReferenceType": "BKG", "documentReferenceValue": booking}
            ],
            "transportCall": call,
        }
        self.season.add(writer, event)


def _week(make: _Maker, week: int) -> None:
    rng, season = make.rng, make.season
    arrival = FIRST_DAY + dt.timedelta(days=7 * week, hours=rng.randrange(0, 24))
    mother = MAINLINE[week % len(MAINLINE)]
    voyage = f"{26 + week:03d}E"
    main_call = make.call(mother, "CNTXG", voyage, "NCE", "VESSEL")
    make.transport("tj_port", "ARRI", arrival, main_call)
    make.transport("tj_port", "DEPA", arrival + dt.timedelta(hours=20), main_call)
    feeder = FEEDERS[week % len(FEEDERS)]
    destination, writer = (("CNCFD", "he_cfd"), ("CNHHA", "he_hha"))[week % 2]
    feeder_voyage = f"B{week + 1:02d}N"
    out_call = make.call(feeder, "CNTXG", feeder_voyage, "BHF", "VESSEL")
    in_call = make.call(feeder, destination, feeder_voyage, "BHF", "VESSEL")
    sail = arrival + dt.timedelta(days=2)
    make.transport("tj_port", "DEPA", sail, out_call)
    make.transport(writer, "ARRI", sail + dt.timedelta(hours=9), in_call)
    for n in range(BOXES_PER_CALL):
        box = BAD_BOX if (week, n) == (3, 0) else container(rng)
        season.containers.append(box)
        booking = f"BHF{rng.randrange(10**7):07d}"
        confirmed = arrival - dt.timedelta(days=10)
        season.add(
            "carrier",
            {
                "eventID": make.uuid(),
                "eventType": "SHIPMENT",
                "eventClassifierCode": "ACT",
                "eventCreatedDateTime": _stamp(confirmed),
                "eventDateTime": _stamp(confirmed),
                "shipmentEventTypeCode": "CONF",
                "documentTypeCode": "BKG",
                "documentID": booking,
            },
        )
        at = arrival + dt.timedelta(hours=2 + n)
        make.equipment("tj_port", "DISC", at, box, "CNTXG", main_call, booking)
        make.equipment("tj_port", "LOAD", sail - dt.timedelta(hours=3 - n % 3), box, "CNTXG",
                       out_call, booking)  # fmt: skip
        landed = sail + dt.timedelta(hours=11 + n)
        make.equipment(writer, "DISC", landed, box, destination, in_call, booking)
        gone = landed + dt.timedelta(days=1 + rng.randrange(4), hours=rng.randrange(12))
        inland = destination == "CNHHA" and n % 2 == 0
        # The inland leg: a block train to the Shijiazhuang dry port, else a truck.
        leg = make.call("", destination, f"R{week + 1:02d}", "", "RAIL" if inland else "TRUCK")
        make.equipment(writer, "GTOT", gone, box, destination, leg, booking)
        if inland:
            arrived = {**leg, "UNLocationCode": "CNSJW", "transportCallID": make.uuid()}
            make.equipment("he_sjz", "GTIN", gone + dt.timedelta(hours=14), box, "CNSJW",
                           arrived, booking)  # fmt: skip


def make_season(seed: int = SEED, weeks: int = WEEKS) -> Season:
    """The season's events, grouped by writer, each writer's in time order."""
    rng = random.Random(seed)
    season = Season()
    for name in (*MAINLINE, *FEEDERS):
        season.vessels[name] = imo_number(rng)
    make = _Maker(rng, season)
    for week in range(weeks):
        _week(make, week)
    return season
