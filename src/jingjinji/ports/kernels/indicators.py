"""Port indicators computed from DCSA equipment events (polars, vectorised): container transit
throughput between Tianjin and Hebei ports, the Xiong'an green-channel volume and the dwell
time at each terminal. No database: the input is one row per stored EQUIPMENT event.

The rules (docs/ports-indicators.md gives the reasons and examples):

- **Events counted.** Only actual events (``ACT``; PLN/EST/REQ are plans) of the four moves:
  arrivals ``DISC`` (discharged from a vessel) and ``GTIN`` (gated in by truck or train), and
  departures ``LOAD`` (loaded onto a vessel) and ``GTOT`` (gated out). An event another event
  supersedes (a correction) is left out; the correction counts in its place. A container's
  moves are taken in order of ``eventDateTime`` (then of arrival at the platform).
- **TEU** from the first character of the ISO 6346 size-type code (ISO 6346 length code):
  ``2`` (20 ft) = 1 TEU, ``4`` (40 ft) and ``L`` (45 ft) = 2 TEU. Any other or no code: the
  move is counted in ``containers`` and ``unsized`` and adds no TEU (no guessing).
- **Empty and laden.** ``teu`` counts both, as port throughput statistics do (empty boxes
  repositioned between ports are handled like laden ones); ``laden_teu`` is the laden part
  (the ``emptyIndicatorCode`` of the departure for a transit, of the arrival otherwise; a
  missing code is counted as neither).
- **Transit.** An arrival (DISC or GTIN) at a port of the group whose container's previous
  move was a departure (LOAD or GTOT) from a port of the group in the *other* province: one
  transit from that port to this one, in the China-time month of the arrival. The Bohai feeder
  chain (DISC from the mainline at Tianjin Xingang, LOAD onto the feeder, DISC at Caofeidian)
  is one transit CNTXG -> CNCFD; a truck from Tianjin gated in at Huanghua is one too. A
  container seen at one port only, or whose departure is missing, makes none.
- **Green channel.** An arrival (DISC or GTIN) at the green-channel location: the end of the
  container's inbound journey there, in the month of the arrival.
- **Dwell.** A stay is the container's consecutive moves at one location: from its first
  arrival to its first departure after that. The hours between them count in the China-time
  month of the departure; a stay without a departure yet (still there) is not averaged.
- **Windows.** ``monthly`` computes each month from the events of its own window only (the
  month and a look-back before it): a month's figures never depend on an event outside it, so
  that stored months can be recomputed one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import polars as pl

ARRIVALS = ("DISC", "GTIN")
DEPARTURES = ("LOAD", "GTOT")
#: TEU by the ISO 6346 length code (the size-type code's first character).
TEU_BY_LENGTH: dict[str, float] = {"2": 1.0, "4": 2.0, "L": 2.0}

#: The columns of the input frame (one row per stored EQUIPMENT event).
COLUMNS: dict[str, type[pl.DataType]] = {
    "event_pk": pl.Int64,  # the platform's id of the event (corrections point at it)
    "equipment_reference": pl.String,
    "code": pl.String,  # equipmentEventTypeCode
    "classifier": pl.String,  # eventClassifierCode
    "event_at": pl.Datetime,  # eventDateTime, UTC
    "location": pl.String,  # UN/LOCODE where it happened
    "empty": pl.String,  # emptyIndicatorCode: EMPTY | LADEN | null
    "iso_code": pl.String,  # ISOEquipmentCode, e.g. 22G1, 45G1, L5G1
    "supersedes": pl.Int64,  # event_pk of the event this one corrects, or null
}
_CHINA_OFFSET = pl.duration(hours=8)  # China Standard Time has no daylight saving


def empty_events() -> pl.DataFrame:
    """An input frame without rows (a platform without events)."""
    return pl.DataFrame(schema={n: t for n, t in COLUMNS.items()})


def _checked(events: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in COLUMNS if c not in events.columns]
    if missing:
        raise ValueError(
            f"the events frame lacks the column(s) {', '.join(missing)}; "
            f"it needs {', '.join(COLUMNS)} (see kernels.indicators.COLUMNS)"
        )
    at = events.schema["event_at"]
    if not isinstance(at, pl.Datetime):
        raise ValueError(f"event_at must be a datetime column (UTC), not {at}")
    if at.time_zone is not None:
        events = events.with_columns(
            pl.col("event_at").dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        )
    return events


def teu(iso_code: pl.Expr) -> pl.Expr:
    """The TEU of a container from its ISO size-type code (null where the length is not 20, 40
    or 45 ft, or the code is missing)."""
    length = iso_code.str.strip_chars().str.to_uppercase().str.slice(0, 1)
    return length.replace_strict(TEU_BY_LENGTH, default=None, return_dtype=pl.Float64)


def _china_month(moment: pl.Expr) -> pl.Expr:
    return (moment + _CHINA_OFFSET).dt.strftime("%Y-%m")


def moves(events: pl.DataFrame) -> pl.DataFrame:
    """The counted moves (actual arrivals and departures, corrections applied), each with its
    TEU, in container order then time order."""
    events = _checked(events)
    superseded = events.get_column("supersedes").drop_nulls().unique()
    return (
        events.filter(
            pl.col("classifier") == "ACT",
            pl.col("code").is_in([*ARRIVALS, *DEPARTURES]),
            pl.col("equipment_reference").is_not_null(),
            pl.col("location").is_not_null(),
            ~pl.col("event_pk").is_in(superseded.implode()),
        )
        .with_columns(
            teu=teu(pl.col("iso_code")),
            arrival=pl.col("code").is_in(ARRIVALS),
            month=_china_month(pl.col("event_at")),
        )
        .sort("equipment_reference", "event_at", "event_pk")
    )


def _volume(frame: pl.DataFrame, keys: list[str], empty: str) -> pl.DataFrame:
    """containers, teu, laden_teu and unsized per ``keys`` (``empty``: the column telling
    whether the move was laden)."""
    return (
        frame.group_by(keys)
        .agg(
            containers=pl.len().cast(pl.Int64),
            teu=pl.col("teu").fill_null(0.0).sum(),
            laden_teu=pl.col("teu").filter(pl.col(empty) == "LADEN").fill_null(0.0).sum(),
            unsized=pl.col("teu").is_null().sum().cast(pl.Int64),
        )
        .sort(keys)
    )


def transits(events: pl.DataFrame, *, port_provinces: Mapping[str, str]) -> pl.DataFrame:
    """TEU moved between the ports of the group by month and port pair (``port_provinces``:
    UN/LOCODE -> province code of each port of the group): columns ``month``, ``from_port``,
    ``to_port``, ``containers``, ``teu``, ``laden_teu``, ``unsized``."""
    ports = pl.DataFrame(
        {"port": list(port_provinces), "province": list(port_provinces.values())},
        schema={"port": pl.String, "province": pl.String},
    )
    # Moves are sorted by container: the previous row is the same box's previous move when
    # its reference matches (a shift is much cheaper than a window over the references).
    same_box = pl.col("equipment_reference") == pl.col("equipment_reference").shift(1)
    frame = moves(events).with_columns(
        from_port=pl.when(same_box).then(pl.col("location").shift(1)),
        from_departure=pl.when(same_box).then(~pl.col("arrival").shift(1)).otherwise(False),
        departure_empty=pl.when(same_box).then(pl.col("empty").shift(1)),
    )
    found = (
        frame.filter(pl.col("arrival"), pl.col("from_departure"))
        .rename({"location": "to_port"})
        .join(ports.rename({"port": "to_port", "province": "to_province"}), on="to_port")
        .join(ports.rename({"port": "from_port", "province": "from_province"}), on="from_port")
        .filter(pl.col("to_province") != pl.col("from_province"))
    )
    return _volume(found, ["month", "from_port", "to_port"], "departure_empty")


def green_channel(events: pl.DataFrame, *, location: str) -> pl.DataFrame:
    """Containers arriving at the green-channel ``location`` by month: ``month``,
    ``containers``, ``teu``, ``laden_teu``, ``unsized``."""
    frame = moves(events).filter(pl.col("arrival"), pl.col("location") == location)
    return _volume(frame, ["month"], "empty")


def dwell(events: pl.DataFrame) -> pl.DataFrame:
    """Completed stays by month of departure and location: ``month``, ``location``, ``stays``,
    ``mean_hours``, ``median_hours``, ``max_hours``."""
    box = pl.col("equipment_reference")
    # A new stay starts where the box or the location changes (moves are sorted by box).
    starts = (box != box.shift(1)) | (pl.col("location") != pl.col("location").shift(1))
    frame = moves(events).with_columns(stay=starts.fill_null(True).cum_sum())
    arrivals = (
        frame.filter(pl.col("arrival"))
        .group_by("stay")
        .agg(arrived=pl.col("event_at").min(), location=pl.col("location").first())
    )
    stays = (
        frame.filter(~pl.col("arrival"))
        .select("stay", left=pl.col("event_at"))
        .join(arrivals, on="stay")
        .filter(pl.col("left") >= pl.col("arrived"))
        .group_by("stay", "location")
        .agg(arrived=pl.col("arrived").first(), left=pl.col("left").min())
        .with_columns(
            month=_china_month(pl.col("left")),
            hours=(pl.col("left") - pl.col("arrived")).dt.total_seconds() / 3600.0,
        )
        # In stay order: a group_by's rows come in no fixed order, and a mean summed in another
        # order can differ in its last bit (the same events must give the same figures).
        .sort("stay")
    )
    return (
        stays.group_by("month", "location")
        .agg(
            stays=pl.len().cast(pl.Int64),
            mean_hours=pl.col("hours").mean(),
            median_hours=pl.col("hours").median(),
            max_hours=pl.col("hours").max(),
        )
        .sort("month", "location")
    )


def monthly(
    events: pl.DataFrame,
    windows: Sequence[tuple[str, dt.datetime, dt.datetime]],
    *,
    port_provinces: Mapping[str, str],
    green_location: str,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The transits, green-channel and dwell rows of each ``(month, since, until)`` (naive UTC
    bounds), each month counted from the events in [since, until) only, in month order."""
    events = _checked(events)
    found: tuple[list[pl.DataFrame], list[pl.DataFrame], list[pl.DataFrame]] = ([], [], [])
    for month, since, until in windows or [("", dt.datetime.min, dt.datetime.min)]:
        part = events.filter(pl.col("event_at") >= since, pl.col("event_at") < until)
        in_month = pl.col("month") == month
        found[0].append(transits(part, port_provinces=port_provinces).filter(in_month))
        found[1].append(green_channel(part, location=green_location).filter(in_month))
        found[2].append(dwell(part).filter(in_month))
    return pl.concat(found[0]), pl.concat(found[1]), pl.concat(found[2])
