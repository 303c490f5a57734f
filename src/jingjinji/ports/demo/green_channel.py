"""SYNTHETIC: the demo's Xiong'an green-channel trains and empty returns, beside the season.

Each week of the season a few containers discharged from the mainline vessel at Tianjin Xingang
leave by block train (GTOT) and gate in at the Xiong'an green-channel dry port (GTIN), and an
empty box goes back by truck from Caofeidian to Tianjin (an empty transit the other way). The
dry port has no operating organisation on the platform yet, so the coordination office records
its gate-ins (it may write any event); one of them is corrected (wrong time), so the corrected
event supersedes it. Made from its own seed, so the season's containers stay what they are.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from jingjinji.ports.demo import season

SEED = 20261101
BOXES_PER_WEEK = 3


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _event(
    rng: random.Random, code: str, moment: dt.datetime, box: str, locode: str,
    call: dict[str, Any], *, iso: str, laden: bool = True,
) -> dict[str, Any]:  # fmt: skip
    return {
        "eventID": _id(rng),
        "eventType": "EQUIPMENT",
        "eventClassifierCode": "ACT",
        "eventCreatedDateTime": (moment + dt.timedelta(minutes=4)).isoformat(),
        "eventDateTime": moment.isoformat(),
        "equipmentEventTypeCode": code,
        "equipmentReference": box,
        "ISOEquipmentCode": iso,
        "emptyIndicatorCode": "LADEN" if laden else "EMPTY",
        "eventLocation": {"UNLocationCode": locode},
        "transportCall": call,
    }


def _call(
    rng: random.Random, locode: str, voyage: str, mode: str, vessel: dict[str, str] | None
) -> dict[str, Any]:
    call: dict[str, Any] = {
        "transportCallID": _id(rng), "exportVoyageNumber": voyage, "UNLocationCode": locode,
        "modeOfTransport": mode,
    }  # fmt: skip
    if vessel is not None:
        call["vessel"] = vessel
    return call


Made = tuple[dict[str, list[dict[str, Any]]], tuple[str, dict[str, Any]]]


def make(vessels: dict[str, str], weeks: int = season.WEEKS) -> Made:
    """The events by writer key (``office`` for the dry port's, or an operator's key), and
    the correction: (the eventID it supersedes, the correcting event)."""
    rng = random.Random(SEED)
    out: dict[str, list[dict[str, Any]]] = {"tj_port": [], "he_cfd": [], "office": []}
    name = season.MAINLINE[0]
    vessel = {"vesselIMONumber": vessels[name], "vesselName": name, "vesselFlag": "CN"}
    for week in range(weeks):
        day = season.FIRST_DAY + dt.timedelta(days=7 * week + 1, hours=rng.randrange(0, 12))
        mother = _call(rng, "CNTXG", f"X{week + 1:02d}W", "VESSEL", vessel)
        train = _call(rng, "CNTXG", f"XA{week + 1:02d}", "RAIL", None)
        arrived = {**train, "transportCallID": _id(rng), "UNLocationCode": "CNXAN"}
        for n in range(BOXES_PER_WEEK):
            box = season.container(rng)
            iso = "22G1" if n % 2 else "45G1"
            out["tj_port"].append(_event(rng, "DISC", day + dt.timedelta(hours=n), box, "CNTXG",
                                         mother, iso=iso))  # fmt: skip
            left = day + dt.timedelta(days=1, hours=6 + rng.randrange(30))
            out["tj_port"].append(_event(rng, "GTOT", left, box, "CNTXG", train, iso=iso))
            out["office"].append(_event(rng, "GTIN", left + dt.timedelta(hours=7), box, "CNXAN",
                                        arrived, iso=iso))  # fmt: skip
        empty = season.container(rng)
        truck_out = _call(rng, "CNCFD", f"T{week + 1:02d}", "TRUCK", None)
        truck_in = {**truck_out, "transportCallID": _id(rng), "UNLocationCode": "CNTXG"}
        back = day + dt.timedelta(days=3)
        out["he_cfd"].append(_event(rng, "GTOT", back, empty, "CNCFD", truck_out, iso="22G1",
                                    laden=False))  # fmt: skip
        out["tj_port"].append(_event(rng, "GTIN", back + dt.timedelta(hours=5), empty, "CNTXG",
                                     truck_in, iso="22G1", laden=False))  # fmt: skip
    wrong = out["office"][0]
    fixed = {**wrong, "eventID": _id(rng)}
    moment = dt.datetime.fromisoformat(wrong["eventDateTime"]) + dt.timedelta(hours=2)
    fixed["eventDateTime"] = moment.isoformat()
    fixed["eventCreatedDateTime"] = (moment + dt.timedelta(hours=1)).isoformat()
    return out, (wrong["eventID"], fixed)
