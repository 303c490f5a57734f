"""The criteria history: which rules were in force in Beijing when, the correction of the
shipped adoption dates in a database loaded before it, and the replay of Beijing's December 2015
and December 2016 red alerts (real station data) under the rules then in force."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import service as air_service
from jingjinji.air.importer import import_beijing_multisite
from jingjinji.audit.models import AuditEntry
from jingjinji.errors import Conflict
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.warnings import service
from jingjinji.warnings.kernels import criteria_from_dict, find_episodes
from jingjinji.warnings.models import CriteriaAdoption, CriteriaSet
from tests.air.support import SHARED
from tests.conftest import People

BEIJING, TIANJIN, HEBEI = "110000", "120000", "130000"
#: Days of the real files sliced for the replays (local dates, all 12 stations).
WINDOWS = (
    (dt.date(2015, 11, 20), dt.date(2016, 1, 5)),
    (dt.date(2016, 12, 1), dt.date(2017, 1, 5)),
)


def shipped(code: str) -> dict[str, object]:
    node = resources.files("jingjinji.warnings").joinpath("data", "criteria", f"{code}.json")
    data: dict[str, object] = json.loads(node.read_text("utf-8"))
    return data


def adoptions(session: Session, code: str) -> list[tuple[str, str]]:
    return [
        (a.criteria_code, a.effective_from.isoformat())
        for a in service.list_adoptions(session)
        if a.jurisdiction_code == code
    ]


# ------------------------------------------------------------------------------------ adoptions


def test_beijing_applies_the_rules_then_in_force(session: Session, people: People) -> None:
    service.load_criteria(session, actor=SYSTEM_ACTOR)
    session.commit()
    assert adoptions(session, BEIJING) == [
        ("beijing-2013", "2013-10-22"),
        ("beijing-2015", "2015-03-30"),
        ("bth-2017", "2016-12-15"),
        ("bth-2019", "2019-01-01"),
    ]
    assert adoptions(session, TIANJIN) == [("bth-2017", "2016-12-15"), ("bth-2019", "2019-01-01")]
    # Hebei's date is OPEN: the 2017-01-01 of version 1 is kept
    assert adoptions(session, HEBEI) == [("bth-2017", "2017-01-01"), ("bth-2019", "2019-01-01")]
    expected = {
        dt.date(2015, 3, 29): "beijing-2013",
        dt.date(2015, 3, 30): "beijing-2015",
        dt.date(2015, 12, 7): "beijing-2015",
        dt.date(2015, 12, 18): "beijing-2015",
        dt.date(2016, 12, 14): "beijing-2015",
        dt.date(2016, 12, 15): "bth-2017",
        dt.date(2016, 12, 16): "bth-2017",
        dt.date(2019, 1, 1): "bth-2019",
        dt.date(2026, 1, 1): "bth-2019",
    }
    for day, code in expected.items():
        assert service.criteria_code_for(session, jurisdiction_code=BEIJING, on=day) == code, day
    # a Beijing district uses its province's adoptions
    assert service.criteria_code_for(
        session, jurisdiction_code="110101", on=dt.date(2015, 12, 7)
    ) == ("beijing-2015")
    assert service.criteria_code_for(
        session, jurisdiction_code=TIANJIN, on=dt.date(2016, 12, 16)
    ) == ("bth-2017")


def test_a_database_loaded_before_the_correction_ends_up_corrected(
    session: Session, people: People
) -> None:
    """The state version 1 of bth-2017 left behind (adopted from 2017-01-01 everywhere), plus an
    adoption the office made, then the corrected files are loaded: Beijing's and Tianjin's
    2017-01-01 rows are withdrawn (audited), Hebei's and the office's stay; a second load
    changes nothing."""
    old = dict(shipped("bth-2017"), version=1)
    session.add(
        CriteriaSet(
            code="bth-2017",
            version=1,
            name_en="v1",
            name_zh="v1",
            definition=old,
            sha256="0" * 64,
        )
    )
    for code in (BEIJING, TIANJIN, HEBEI):
        session.add(
            CriteriaAdoption(
                jurisdiction_code=code, criteria_code="bth-2017", effective_from=dt.date(2017, 1, 1)
            )
        )
    session.add(
        CriteriaAdoption(
            jurisdiction_code=TIANJIN,
            criteria_code="beijing-local",
            effective_from=dt.date(2020, 1, 1),
        )
    )
    session.commit()
    service.load_criteria(session, actor=SYSTEM_ACTOR)
    session.commit()
    assert ("bth-2017", "2017-01-01") not in adoptions(session, BEIJING)
    assert adoptions(session, TIANJIN) == [
        ("bth-2017", "2016-12-15"),
        ("bth-2019", "2019-01-01"),
        ("beijing-local", "2020-01-01"),
    ]
    assert ("bth-2017", "2017-01-01") in adoptions(session, HEBEI)
    withdrawn = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "warnings.criteria.adoption_withdrawn")
    ).all()
    assert sorted(e.jurisdiction_code or "" for e in withdrawn) == [BEIJING, TIANJIN]
    # both versions are kept; the newest is the one applied
    versions = session.scalars(
        select(CriteriaSet.version).where(CriteriaSet.code == "bth-2017")
    ).all()
    assert sorted(versions) == [1, 2]
    assert service.get_criteria(session, code="bth-2017").version == 2
    before = adoptions(session, BEIJING) + adoptions(session, TIANJIN) + adoptions(session, HEBEI)
    assert service.load_criteria(session, actor=SYSTEM_ACTOR) == 0
    session.commit()
    after = adoptions(session, BEIJING) + adoptions(session, TIANJIN) + adoptions(session, HEBEI)
    assert after == before


def test_a_changed_file_with_the_same_version_is_still_refused(
    session: Session, people: People
) -> None:
    data = shipped("beijing-2015")
    session.add(
        CriteriaSet(
            code="beijing-2015",
            version=1,
            name_en="x",
            name_zh="x",
            definition=data,
            sha256="f" * 64,
        )
    )
    session.commit()
    with pytest.raises(Conflict, match="give the changed file a new version"):
        service.load_criteria(session, actor=SYSTEM_ACTOR)


def test_every_shipped_file_says_when_it_was_in_force_and_what_is_open() -> None:
    for name in ("beijing-2013", "beijing-2015", "bth-2017", "bth-2019", "beijing-2023"):
        data = shipped(name)
        assert "in_force" in data, name
        source = str(data["source"])
        assert source, name
    # the 2019 set has no known end and says so
    bth19 = shipped("bth-2019")
    assert bth19["in_force"] == {"from": "2019-01-01", "to": None}
    assert any("2024" in str(item) for item in bth19["open"])  # type: ignore[attr-defined]
    # a set whose date is OPEN is adopted by nobody
    assert shipped("beijing-2023")["adoptions"] == []


# ------------------------------------------------------------------------------------ the rules


def test_beijing_2015_levels_count_days_over_200() -> None:
    crit = criteria_from_dict(shipped("beijing-2015"))
    start = dt.date(2015, 12, 1)

    def level(over: int) -> str | None:
        values = [50.0] + [250.0] * over + [50.0]
        dates = [start + dt.timedelta(days=i) for i in range(len(values))]
        episodes = find_episodes(dates, values, crit, include_unwarned=True)
        return episodes[0].level if episodes else None

    # blue / yellow / orange / red when AQI > 200 lasts 1 / 2 / 3 / more than 3 days
    assert [level(n) for n in (1, 2, 3, 4, 6)] == ["blue", "yellow", "orange", "red", "red"]
    # AQI 200 is not over
    assert level(0) is None


# ------------------------------------------------------------------------------------ the replays


@pytest.fixture(scope="session")
def red_alert_slices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """December 2015 and December 2016 of all 12 real station files (with SHA256SUMS)."""
    if SHARED is None:
        pytest.skip("the Beijing multi-site files were not found (set JJJ_SHARED_DIR)")
    target = tmp_path_factory.mktemp("beijing-red-alerts")
    sums = []
    for source in sorted(SHARED.glob("PRSA_Data_*.csv")):
        lines = source.read_text("utf-8").splitlines(keepends=True)
        kept = [lines[0]]
        for line in lines[1:]:
            parts = line.split(",", 4)
            day = dt.date(int(parts[1]), int(parts[2]), int(parts[3]))
            if any(a <= day <= b for a, b in WINDOWS):
                kept.append(line)
        data = "".join(kept).encode("utf-8")
        (target / source.name).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {source.name}")
    (target / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return target


@pytest.fixture
def red_alerts(
    session_factory: sessionmaker[Session], people: People, red_alert_slices: Path
) -> People:
    with session_factory() as session:
        air_service.load_stations(session, actor=SYSTEM_ACTOR)
        service.load_criteria(session, actor=SYSTEM_ACTOR)
        import_beijing_multisite(session, red_alert_slices, actor=SYSTEM_ACTOR)
        session.commit()
    return people


def in_force_replay(
    session: Session, start: dt.date, end: dt.date, alert_day: dt.date
) -> tuple[str, list[tuple[str, str, str | None]]]:
    code = service.criteria_code_for(session, jurisdiction_code=BEIJING, on=alert_day)
    result = service.replay(session, city_code=BEIJING, start=start, end=end, criteria_code=code)
    return code, [(e.start.isoformat(), e.end.isoformat(), e.level) for e in result.episodes]


def test_the_red_alerts_replay_under_the_rules_then_in_force(
    session_factory: sessionmaker[Session], red_alerts: People
) -> None:
    with session_factory() as session:
        # 2015-12-18 alert (12-19 07:00 - 12-22 24:00), Beijing's 2015 plan: red
        code, episodes = in_force_replay(
            session, dt.date(2015, 12, 15), dt.date(2015, 12, 31), dt.date(2015, 12, 18)
        )
        assert code == "beijing-2015"
        assert ("2015-12-20", "2015-12-26", "red") in episodes
        # 2016-12-16 alert (20:00 - 12-21 24:00), the unified thresholds from 2016-12-15: red
        code, episodes = in_force_replay(
            session, dt.date(2016, 12, 10), dt.date(2016, 12, 31), dt.date(2016, 12, 16)
        )
        assert code == "bth-2017"
        assert ("2016-12-17", "2016-12-21", "red") in episodes
        # 2015-12-07 alert (12-08 07:00 - 12-10 12:00): the plan's "more than 72 hours" was met
        # by the forecast; the observed calendar days over 200 are three (12-07..09): orange
        # under the 2015 plan (yellow under the unified set replayed before the correction)
        code, episodes = in_force_replay(
            session, dt.date(2015, 12, 2), dt.date(2015, 12, 12), dt.date(2015, 12, 7)
        )
        assert code == "beijing-2015"
        assert episodes == [("2015-12-07", "2015-12-09", "orange")]
        old = service.replay(
            session,
            city_code=BEIJING,
            start=dt.date(2015, 12, 2),
            end=dt.date(2015, 12, 12),
            criteria_code="bth-2017",
        )
        assert [e.level for e in old.episodes] == ["yellow"]


def test_replay_in_force_applies_the_set_adopted_on_each_episode_start(
    session_factory: sessionmaker[Session], red_alerts: People
) -> None:
    """No set named: December 2015 is judged by beijing-2015, December 2016 by bth-2017, in
    one replay over both windows."""
    with session_factory() as session:
        result = service.replay(
            session,
            city_code=BEIJING,
            start=dt.date(2015, 11, 20),
            end=dt.date(2017, 1, 5),
            criteria_code="in-force",
        )
        assert result.in_force and len(result.applied) == len(result.episodes)
        by_start = {
            (e.start.isoformat(), e.end.isoformat(), e.level): a.split("@")[0]
            for e, a in zip(result.episodes, result.applied, strict=True)
        }
        assert by_start[("2015-12-07", "2015-12-09", "orange")] == "beijing-2015"
        assert by_start[("2015-12-20", "2015-12-26", "red")] == "beijing-2015"
        assert by_start[("2016-12-17", "2016-12-21", "red")] == "bth-2017"
        for (start, _end, _level), code in by_start.items():
            expected = "beijing-2015" if start < "2016-12-15" else "bth-2017"
            assert code == expected, start
        # the December 2015 window lies wholly under beijing-2015: the same as naming it
        lo, hi = dt.date(2015, 11, 20), dt.date(2016, 1, 5)
        named = service.replay(
            session, city_code=BEIJING, start=lo, end=hi, criteria_code="beijing-2015"
        )
        in_force = service.replay(
            session, city_code=BEIJING, start=lo, end=hi, criteria_code="in-force"
        )
        assert in_force.episodes == named.episodes
        assert {a.split("@")[0] for a in in_force.applied} == {"beijing-2015"}
        # December 2016: episodes before the 15th are still Beijing's 2015 plan's
        late = service.replay(
            session,
            city_code=BEIJING,
            start=dt.date(2016, 12, 1),
            end=dt.date(2017, 1, 5),
            criteria_code="in-force",
        )
        for e, a in zip(late.episodes, late.applied, strict=True):
            code = "bth-2017" if e.start >= dt.date(2016, 12, 15) else "beijing-2015"
            assert a.split("@")[0] == code, e
