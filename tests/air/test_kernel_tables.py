"""compute_aqi's precomputed IAQI tables against np.interp and against a plain HJ 633 reference.

The hot path reads every IAQI from tables (``iaqi.binned_iaqi``: np.interp's formula per integer
bin; ``iaqi.rounded_iaqi``: the IAQI per rounded value). The reference below is the standard's
formula written out in Python floats, one value at a time, with the conventions of docs/aqi.md
(ceiling after a 1e-9 snap, half-up rounding of HJ 633-2026 daily values, missing values, the
rules above the truncated tables, the 2026 missing-data rule). Breakpoints are typed in again
from the fact sheet (shared/reference/standards.md).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingjinji.air import kernels
from jingjinji.air.kernels import compute_aqi, hj633, iaqi

IAQI = (0, 50, 100, 150, 200, 300, 400, 500)
SHEET: dict[str, tuple[int, ...]] = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "pm10_24h_2012": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm10_24h_2026": (0, 50, 120, 250, 350, 420, 500, 600),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm2_5_24h_2012": (0, 35, 75, 115, 150, 250, 350, 500),
    "pm2_5_24h_2026": (0, 35, 60, 115, 150, 250, 350, 500),
}
SNAP = 1e-9
ABOVE = "above"  # a value above a truncated table: the special rules decide


# -- the reference: HJ 633 one value at a time ---------------------------------------------


def ref_rounded(x: float, decimals: int) -> float:
    """Half up as docs/aqi.md writes it: floor(|x| * 10^d + 0.5 + 1e-9) / 10^d; NaN when
    missing (NaN, negative, infinite, or infinite after scaling)."""
    if not x >= 0 or math.isinf(x):
        return math.nan
    scaled = abs(x) * 10.0**decimals + (0.5 + SNAP)
    return math.nan if math.isinf(scaled) else math.floor(scaled) / 10.0**decimals


def ref_iaqi(c: float, table: str) -> float | str:
    """(IAQI_hi - IAQI_lo) / (BP_hi - BP_lo) * (C - BP_lo) + IAQI_lo, then the ceiling."""
    if not c >= 0 or math.isinf(c):
        return math.nan
    points = SHEET[table]
    if c > points[-1]:
        return 500.0 if len(points) == 8 else ABOVE
    j = max(i for i in range(len(points)) if points[i] <= c)
    if j == len(points) - 1:
        return float(IAQI[j])
    raw = (IAQI[j + 1] - IAQI[j]) / (points[j + 1] - points[j]) * (c - points[j]) + IAQI[j]
    return math.ceil(raw - SNAP) + 0.0


def reference_row(
    row: dict[str, float], standard: str, report: str, rounding: bool
) -> tuple[dict[str, float], float, int, str, str]:
    """IAQIs, AQI, level, primary and non-attainment pollutants of one row."""
    spec = kernels.INDICATORS[(standard, report)]  # type: ignore[index]

    def iaqi_of(key: str, table: str) -> float | str:
        value = row[key]
        if rounding:
            value = ref_rounded(value, 1 if key == "co" else 0)
        return ref_iaqi(value, table)

    got: dict[str, float | str] = {k: iaqi_of(k, t) for k, t in spec.items() if k in row}
    iaqis: dict[str, float] = {}
    for key, value in got.items():
        if value != ABOVE:
            iaqis[key] = float(value)
        elif standard == "hj633-2026":
            iaqis[key] = 200.0 if spec[key] == "so2_1h" else 300.0
        elif spec[key] == "so2_1h":  # 2012: the IAQI of the SO2 24h mean
            aux = iaqi_of("so2_24h", "so2_24h") if "so2_24h" in row else math.nan
            iaqis[key] = float(aux) if aux != ABOVE else math.nan
        else:  # 2012 O3 8h: the IAQI of the O3 1h value
            o3_1h = got.get("o3_1h", math.nan)
            iaqis[key] = float(o3_1h) if o3_1h != ABOVE else math.nan
    available = [v for v in iaqis.values() if not math.isnan(v)]
    aqi = max(available) if available else math.nan
    if standard == "hj633-2026" and len(available) < len(spec) and not aqi > 100:
        aqi = math.nan
    level = 0 if math.isnan(aqi) else 1 + sum(aqi > upper for upper in (50, 100, 150, 200, 300))
    primary = ";".join(k for k, v in iaqis.items() if v == aqi) if aqi > 50 else ""
    non_attainment = ""
    if standard == "hj633-2012":
        non_attainment = ";".join(k for k, v in iaqis.items() if v > 100)
    return iaqis, aqi, level, primary, non_attainment


# -- values: off-grid floats, decimal grids, breakpoints +- eps, special values --------------

BREAKPOINTS = sorted({float(b) for points in SHEET.values() for b in points})
EPS = (0.0, 1e-12, -1e-12, 1e-9, -1e-9, 2e-9, -2e-9, 1e-6, -1e-6, 0.05, -0.05, 0.5, -0.5, 1.0)
SPECIAL = [math.nan, math.inf, -math.inf, -0.0, -1e-300, 1e-300, -0.3, -0.5, -2.0, -1e308]
SPECIAL += [1e308, 5e307, 1e20, 2.2, 1.15, 0.05, 0.15, 59.5, 800.4, 800.5, 850.0]


def _next(b: float, up: bool) -> float:
    return float(np.nextafter(b, math.inf if up else -math.inf))


VALUE = st.one_of(
    st.floats(min_value=0.0, max_value=4500.0),  # off-grid
    st.tuples(st.integers(0, 45_000), st.integers(0, 3)).map(lambda t: t[0] / 10 ** t[1]),
    st.tuples(st.sampled_from(BREAKPOINTS), st.sampled_from(EPS)).map(lambda t: t[0] + t[1]),
    st.tuples(st.sampled_from(BREAKPOINTS), st.booleans()).map(lambda t: _next(*t)),
    st.tuples(st.integers(0, 4000), st.integers(0, 1)).map(  # halves: the rounding edge
        lambda t: (t[0] + 0.5) / 10 ** t[1]
    ),
    st.sampled_from(SPECIAL),
)
CONFIG = st.tuples(
    st.sampled_from(kernels.STANDARDS),
    st.sampled_from(kernels.REPORTS),
    st.sampled_from([None, True, False]),
)


@settings(max_examples=250, deadline=None)
@given(
    config=CONFIG,
    keys=st.sets(st.sampled_from(kernels.KNOWN_KEYS), min_size=1),
    data=st.data(),
)
def test_compute_aqi_equals_the_reference(
    config: tuple[str, str, bool | None], keys: set[str], data: st.DataObject
) -> None:
    standard, report, round_concentrations = config
    n = data.draw(st.integers(1, 25))
    columns = {k: np.array(data.draw(st.lists(VALUE, min_size=n, max_size=n))) for k in keys}
    rounding = round_concentrations
    if rounding is None:
        rounding = standard == "hj633-2026" and report == "daily"
    with pytest.MonkeyPatch.context() as m:
        m.setattr(hj633, "CHUNK_ROWS", 4)  # several blocks, the last one partial
        got = compute_aqi(
            columns,
            standard=standard,  # type: ignore[arg-type]
            report=report,  # type: ignore[arg-type]
            round_concentrations=round_concentrations,
        )
    for i in range(n):
        row = {k: float(v[i]) for k, v in columns.items()}
        iaqis, aqi, level, primary, non_attainment = reference_row(row, standard, report, rounding)
        assert {k: float(v[i]) for k, v in got.iaqi.items()} == pytest.approx(
            iaqis, abs=0, rel=0, nan_ok=True
        ), row
        assert got.aqi[i] == aqi or (math.isnan(aqi) and math.isnan(got.aqi[i])), row
        assert (got.level[i], got.primary[i], got.non_attainment[i]) == (
            level,
            primary,
            non_attainment,
        ), row


# -- the tables themselves -----------------------------------------------------------------


def test_every_breakpoint_is_an_integer() -> None:
    """The binned tables need it: a bin [k, k + 1) must lie inside one segment."""
    assert kernels.TABLES.keys() == SHEET.keys()
    for table, points in kernels.TABLES.items():
        assert tuple(points) == SHEET[table]
        assert all(float(b).is_integer() for b in points), table


def assert_bitwise_equal(a: np.ndarray, b: np.ndarray) -> None:
    """NaN at the same places, every other value the same bits (0.0 is not -0.0)."""
    nan = np.isnan(a)
    np.testing.assert_array_equal(nan, np.isnan(b))
    np.testing.assert_array_equal(a[~nan].view(np.uint64), b[~nan].view(np.uint64))


def _probe_values(table: str) -> np.ndarray:
    last = SHEET[table][-1]
    rng = np.random.default_rng(len(table))
    values = [np.arange(0.0, last + 3.0, 0.125), rng.uniform(0.0, last * 1.05, 20_000)]
    for b in map(float, SHEET[table]):
        values.append(np.array([b + e for e in EPS] + [_next(b, True), _next(b, False)]))
        values.append(np.array([b + 1 - 2.0**-40, b + 1 - 1e-12]))
    values.append(np.array(SPECIAL))
    return np.concatenate(values)


@pytest.mark.parametrize("table", sorted(SHEET))
def test_binned_iaqi_is_np_interp_bit_for_bit(table: str) -> None:
    c = _probe_values(table)
    out = np.empty_like(c)
    above = np.empty(c.shape, dtype=np.bool_)
    index, scratch = np.empty(c.shape, dtype=np.intp), np.empty_like(c)
    iaqi.binned_iaqi(c, table, out, index=index, scratch=scratch, above=above)
    expected = iaqi.raw_iaqi(c, table)
    last = float(SHEET[table][-1])
    # the documented exceptions: +inf is missing; above a truncated table the rules decide
    expected[c == math.inf] = math.nan
    if table in kernels.TRUNCATED_TABLES:
        between = (c > last) & (c < last + 1)
        np.testing.assert_array_equal(out[between], float(IAQI[len(SHEET[table]) - 1]))
        keep = ~between
        out, expected = out[keep], expected[keep]
    assert_bitwise_equal(out, expected)
    np.testing.assert_array_equal(above, (c > last) & (c < math.inf))


@pytest.mark.parametrize("table", sorted(SHEET))
@pytest.mark.parametrize("decimals", [0, 1])
def test_rounded_iaqi_is_the_iaqi_of_the_rounded_value(table: str, decimals: int) -> None:
    step = 10.0**-decimals
    grid = np.arange(0.0, SHEET[table][-1] + 3.0, step)
    halves = np.concatenate([grid + step / 2, grid + step / 2 - 2e-9, grid + step / 2 - 1e-6])
    c = np.concatenate([_probe_values(table), grid, halves])
    out = np.empty_like(c)
    above = np.empty(c.shape, dtype=np.bool_)
    index, scratch = np.empty(c.shape, dtype=np.intp), np.empty_like(c)
    assert iaqi.rounded_iaqi(c, table, decimals, out, index=index, scratch=scratch, above=above)
    with np.errstate(over="ignore"):
        rounded = kernels.round_half_up(c, decimals)
    rounded[c < 0] = math.nan
    np.testing.assert_array_equal(out, iaqi.iaqi_from_table(rounded, table))
    np.testing.assert_array_equal(above, (rounded > SHEET[table][-1]) & (rounded < math.inf))


def test_level_of_every_aqi() -> None:
    """compute_aqi reads the level of its integer AQIs from a table."""
    assert hj633._LEVEL_OF_AQI[0] == 0  # NaN
    np.testing.assert_array_equal(hj633._LEVEL_OF_AQI[1:], kernels.level_of(np.arange(501.0)))


def test_iaqi_arrays_are_the_rows_of_one_array() -> None:
    columns = {"pm2_5": [10.0, 80.0], "no2": [50.0, 90.0]}
    r = compute_aqi(columns, standard="hj633-2012", report="daily")
    assert r.iaqi["pm2_5"].tolist() == [15.0, 107.0] and r.iaqi["no2"].tolist() == [63.0, 105.0]
    assert all(v.flags.c_contiguous and v.flags.writeable for v in r.iaqi.values())
    r.iaqi["pm2_5"][:] = -1.0  # a caller writing into one array leaves the others alone
    assert r.iaqi["no2"].tolist() == [63.0, 105.0]
