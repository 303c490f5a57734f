"""The ports, dry ports and land ports of the region, their operators (demo organisations) and
the demo carriers.

UN/LOCODEs: CNTSN (Tianjin), CNTXG (Tianjin Xingang), CNSHP (Qinhuangdao), CNBJS (Beijing) and
CNSJW (Shijiazhuang) are codes of the UN/LOCODE list as commonly used in shipping. CNTGS
(Tangshan), CNCFD (Caofeidian) and CNHHA (Huanghua) are the codes the issue names; they could
not be checked against the UN list here and are marked ``code_assumed``. Xiong'an has no
UN/LOCODE known to us: CNXAN is the platform's own assumption, as are the facility codes of
the Beijing land ports (under CNBJS). Each assumed place says why (``reason``, shown as the
pages' "assumed code" marker's tooltip). Positions are approximate (read off public maps).
The operating organisations are demo organisations, not the real port companies.
"""

from __future__ import annotations

from typing import NamedTuple


class Place(NamedTuple):
    code: str
    facility: str
    name_en: str
    name_zh: str
    kind: str
    jurisdiction: str
    longitude: float
    latitude: float
    operator: str | None  # key of a demo organisation in OPERATORS
    assumed: bool
    # Why the code is assumed (models.CodeAssumption): "unverified" (named by the issue, used
    # in shipping, not checked in the UN/LOCODE list), "no_locode" (no code known: the
    # platform's own), "facility" (the city's UN/LOCODE, the facility code the platform's).
    reason: str = ""


PLACES: tuple[Place, ...] = (
    Place("CNTSN", "", "Tianjin", "天津港", "seaport", "120000", 117.74, 38.97, None, False),
    Place(
        "CNTXG", "", "Tianjin Xingang", "天津新港", "seaport", "120000", 117.79, 38.99,
        "tj_port", False,
    ),
    Place(
        "CNCFD", "", "Caofeidian (Tangshan)", "唐山港曹妃甸港区", "seaport", "130000", 118.52,
        38.94, "he_cfd", True, "unverified",
    ),
    Place(
        "CNTGS", "", "Tangshan (Jingtang)", "唐山港京唐港区", "seaport", "130000", 119.01, 39.21,
        "he_cfd", True, "unverified",
    ),
    Place(
        "CNHHA", "", "Huanghua", "黄骅港", "seaport", "130000", 117.87, 38.32, "he_hha", True,
        "unverified",
    ),
    Place(
        "CNSHP", "", "Qinhuangdao", "秦皇岛港", "seaport", "130000", 119.61, 39.91, None, False,
    ),
    Place(
        "CNSJW", "", "Shijiazhuang international dry port", "石家庄国际陆港", "dry_port",
        "130000", 114.61, 38.06, "he_sjz", False,
    ),
    Place(
        "CNXAN", "", "Xiong'an green-channel dry port", "雄安新区绿色通道陆港", "dry_port",
        "130000", 115.93, 39.02, None, True, "no_locode",
    ),
    Place(
        "CNBJS", "PGLP", "Beijing Pinggu international land port", "北京平谷国际陆港",
        "land_port", "110000", 117.12, 40.14, None, True, "facility",
    ),
    Place(
        "CNBJS", "CYLP", "Beijing Chaoyang land port", "北京朝阳口岸", "land_port", "110000",
        116.55, 39.92, None, True, "facility",
    ),
)  # fmt: skip

# key -> (jurisdiction, name_zh, name_en, USCC serial): demo operators, not real companies.
OPERATORS: dict[str, tuple[str, str, str, int]] = {
    "tj_port": (
        "120000",
        "天津港集装箱码头（演示）",
        "Tianjin port container terminal (demo)",
        901,
    ),
    "he_cfd": (
        "130000",
        "唐山港曹妃甸集装箱码头（演示）",
        "Caofeidian container terminal (demo)",
        902,
    ),
    "he_hha": ("130000", "黄骅港集装箱码头（演示）", "Huanghua container terminal (demo)", 903),
    "he_sjz": ("130000", "石家庄国际陆港（演示）", "Shijiazhuang dry port (demo)", 904),
    "carrier": ("120000", "渤海支线航运（演示）", "Bohai feeder line (demo)", 905),
}

# (SMDG code, name, operator key): the demo feeder line and the mainline carriers it serves.
CARRIERS: tuple[tuple[str, str, str | None], ...] = (
    ("BHF", "Bohai Feeder Line (synthetic)", "carrier"),
    ("COS", "COSCO Shipping Lines", None),
    ("MSK", "Maersk", None),
)

# Demo users of two terminals (steward role): username -> operator key.
TERMINAL_USERS: dict[str, str] = {"tj-port": "tj_port", "he-port": "he_cfd", "bh-feeder": "carrier"}
