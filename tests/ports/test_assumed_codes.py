"""The locations whose code is the platform's assumption: each carries why (the data file's
``reason``, stored as ``code_assumed_reason``), and the overview shows an "assumed code" marker
beside exactly those codes, its tooltip giving the reason in the reader's language; SQLite and
PostgreSQL."""

from __future__ import annotations

import re

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import migrate
from jingjinji.ports.demo import places
from jingjinji.ports.models import CodeAssumption, Location
from tests.ports.conftest import Ports

ROW = re.compile(
    r"<tr><td><code>(?P<code>[A-Z]{5}(?: [A-Z]+)?)</code>"
    r'(?: <span class="badge assumed-code" data-testid="code-assumed" title="(?P<title>[^"]*)">'
    r"(?P<marker>[^<]*)</span>)?</td>"
)


def test_every_assumed_place_says_why_and_no_other_does() -> None:
    for place in places.PLACES:
        assert (place.reason != "") == place.assumed, place
        assert place.reason == "" or place.reason in set(CodeAssumption), place
    assumed = {p.code for p in places.PLACES if p.reason in ("unverified", "no_locode")}
    assert assumed == {"CNCFD", "CNTGS", "CNHHA", "CNXAN"}


def _stored(session_factory: sessionmaker[Session]) -> dict[tuple[str, str], tuple[bool, str]]:
    with session_factory() as session:
        return {
            (loc.un_location_code, loc.facility_code): (loc.code_assumed, loc.code_assumed_reason)
            for loc in session.scalars(select(Location))
        }


def test_the_reasons_are_stored(session_factory: sessionmaker[Session], ports: Ports) -> None:
    assert _stored(session_factory) == {
        (p.code, p.facility): (p.assumed, p.reason) for p in places.PLACES
    }


def _rows(html: str) -> dict[str, tuple[str | None, str | None]]:
    return {m["code"]: (m["marker"], m["title"]) for m in ROW.finditer(html)}


def test_the_overview_marks_the_assumed_codes_in_both_languages(
    client: TestClient, ports: Ports
) -> None:
    zh = _rows(client.get("/ports", headers={"accept-language": "zh-CN"}).text)
    en = _rows(client.get("/ports?lang=en").text)
    assert len(zh) == len(en) == len(places.PLACES)
    assert zh["CNTXG"] == en["CNTXG"] == (None, None)
    assert zh["CNCFD"] == (
        "假定代码",
        "该代码为需求中指定、航运业常用的代码，但未能与 UN/LOCODE 代码表核对。",
    )
    assert zh["CNXAN"] == ("假定代码", "该地点没有已知的 UN/LOCODE：代码由平台自行假定。")
    assert zh["CNBJS PGLP"][1] == "UN/LOCODE 为所在城市的代码；其后的设施代码由平台自行假定。"
    assert en["CNHHA"] == (
        "assumed code",
        "The code is the one the issue names and shipping uses, but it could not be checked "
        "against the UN/LOCODE list.",
    )
    assert en["CNXAN"][1] == (
        "No UN/LOCODE is known for this place: the code is the platform&#39;s own assumption."
    )
    marked = {code for code, (marker, _) in en.items() if marker}
    assert marked == {f"{p.code} {p.facility}".strip() for p in places.PLACES if p.assumed}


def test_the_migration_gives_the_demo_places_loaded_before_it_their_reasons(
    engine: Engine, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    """Down to 0706 (no reasons column) and up again: the demo's assumed codes get their
    reasons from 0707 itself, the codes checked in the list none."""
    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0706_ports_event_indexes")
        columns = {c["name"] for c in inspect(connection).get_columns("ports_locations")}
        assert "code_assumed_reason" not in columns
        command.upgrade(cfg, "heads")
    assert _stored(session_factory) == {
        (p.code, p.facility): (p.assumed, p.reason) for p in places.PLACES
    }
