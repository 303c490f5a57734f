"""The check every map page passes in a real browser (tests/<domain>/test_map_browser.py): the
region's province boundaries are drawn under the page's points, in English and Chinese, on a
desktop and a 390 px phone screen, without widening the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.browser_support import LiveServer, page_errors

LOCALES = {"en-US": ["Beijing", "Tianjin", "Hebei"], "zh-CN": ["北京市", "天津市", "河北省"]}
WIDTHS = (1280, 390)

# What the page's map shows, read from the browser: the SVG boundary paths (ECharts draws each
# province's outline with the geo component's border colour), the province labels, the series
# and the legend, and whether anything is wider than the window.
FACTS = """
(testid) => {
  const el = document.querySelector(`[data-testid=${testid}]`);
  const chart = echarts.getInstanceByDom(el);
  const option = chart.getOption();
  const geo = option.geo[0];
  const box = el.getBoundingClientRect();
  const boundaries = [...el.querySelectorAll("svg path")]
    .filter((p) => (p.getAttribute("stroke") || "").toLowerCase() === geo.itemStyle.borderColor);
  const union = boundaries.map((p) => p.getBoundingClientRect()).reduce((u, r) => ({
    left: Math.min(u.left, r.left), right: Math.max(u.right, r.right),
    top: Math.min(u.top, r.top), bottom: Math.max(u.bottom, r.bottom),
  }), {left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity});
  const points = option.series.filter((s) => s.type === "scatter")
    .flatMap((s) => s.data.map((d) => d.value || d));
  const onMap = points.every((v) => {
    const [x, y] = chart.convertToPixel({geoIndex: 0}, [v[0], v[1]]);
    return x >= 0 && x <= box.width && y >= 0 && y <= box.height;
  });
  return {
    map: geo.map,
    features: echarts.getMap(geo.map).geoJSON.features.length,
    boundaries: boundaries.length,
    drawnWidth: union.right - union.left,
    drawnHeight: union.bottom - union.top,
    inside: union.left >= box.left - 1 && union.right <= box.right + 1,
    boxWidth: box.width,
    labels: [...el.querySelectorAll("svg text")].map((t) => t.textContent),
    onGeo: option.series.every((s) => s.coordinateSystem === "geo"),
    points: points.length,
    onMap: onMap,
    legend: option.legend.length ? (option.legend[0].data || option.series).length : 0,
    pageWidth: document.documentElement.scrollWidth,
    windowWidth: window.innerWidth,
    caption: el.closest("figure").querySelector("figcaption").textContent,
    ariaLabel: el.getAttribute("aria-label"),
  };
}
"""


@dataclass(frozen=True)
class MapCheck:
    locale: str
    width: int
    facts: dict[str, Any]


def check_region_map(browser: Any, server: LiveServer, path: str, testid: str) -> list[MapCheck]:
    """Open ``path`` in each language at each width; assert the boundaries are drawn and the page
    fits the window; return what was seen (for the page's own assertions on its points)."""
    seen = []
    for locale, provinces in LOCALES.items():
        for width in WIDTHS:
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15_000)
            errors = page_errors(page)
            try:
                page.goto(f"{server.url}{path}")
                page.wait_for_selector(f"[data-testid={testid}][data-map-ready=true] svg path")
                facts = page.evaluate(FACTS, testid)
            finally:
                context.close()
            where = f"{path} at {width} px in {locale}: {facts!r}"
            assert errors == [], where
            assert facts["map"] == "jingjinji" and facts["features"] == 3, where
            # Three provinces (Hebei in several parts) outlined, filling most of the map's box.
            assert facts["boundaries"] >= 3, where
            assert facts["inside"], where
            assert facts["drawnWidth"] >= 0.5 * facts["boxWidth"], where
            assert facts["drawnHeight"] >= 200, where
            assert all(name in facts["labels"] for name in provinces), where
            assert facts["onGeo"] and facts["onMap"], where
            assert facts["legend"] >= 1, where
            assert facts["pageWidth"] <= facts["windowWidth"], where
            assert "Natural Earth" in facts["caption"] and facts["ariaLabel"], where
            seen.append(MapCheck(locale, width, facts))
    return seen
