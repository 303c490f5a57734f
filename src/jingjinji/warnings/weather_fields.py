"""The quantities of a weather forecast row: their order, units and physical bounds (shared by
the store, the CSV upload and the forecast's inputs)."""

from __future__ import annotations

#: The measured quantities of a row, in the order of the CSV template and the frame.
VALUE_FIELDS: tuple[str, ...] = (
    "temp_mean",
    "temp_min",
    "temp_max",
    "dewp_mean",
    "rh_mean",
    "pres_mean",
    "wspm_mean",
    "wind_dir_deg",
    "wind_u",
    "wind_v",
    "rain_sum",
    "blh_mean",
)

#: Unit of each quantity (documented in docs/warnings.md, "Weather forecast input").
UNITS: dict[str, str] = {
    "temp_mean": "°C",
    "temp_min": "°C",
    "temp_max": "°C",
    "dewp_mean": "°C",
    "rh_mean": "%",
    "pres_mean": "hPa",
    "wspm_mean": "m/s",
    "wind_dir_deg": "degrees",
    "wind_u": "m/s",
    "wind_v": "m/s",
    "rain_sum": "mm",
    "blh_mean": "m",
}

#: Physical bounds (inclusive); a value outside is refused, naming the field.
BOUNDS: dict[str, tuple[float, float]] = {
    "temp_mean": (-60.0, 60.0),
    "temp_min": (-60.0, 60.0),
    "temp_max": (-60.0, 60.0),
    "dewp_mean": (-80.0, 40.0),
    "rh_mean": (0.0, 100.0),
    "pres_mean": (800.0, 1100.0),
    "wspm_mean": (0.0, 75.0),
    "wind_dir_deg": (0.0, 360.0),
    "wind_u": (-75.0, 75.0),
    "wind_v": (-75.0, 75.0),
    "rain_sum": (0.0, 1000.0),
    "blh_mean": (0.0, 6000.0),
}
