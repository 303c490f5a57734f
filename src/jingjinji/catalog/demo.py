"""Demo catalog: datasets of the three jurisdictions across the sharing classes, some records,
and access requests in each state (pending, approved, rejected, escalated).

Every enterprise, case and figure here is synthetic demo data. One conditional dataset per
jurisdiction is left without requests from the other jurisdictions' analysts, so a browser demo
can apply for it (e.g. ``he-analyst`` for ``BJ-ENV-PENALTY``, approved by ``bj-env``).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from jingjinji.accounts import service as accounts
from jingjinji.catalog import service
from jingjinji.catalog.presentation import SYNTHETIC_SAMPLE
from jingjinji.catalog.schemas import AccessRequestIn, DatasetIn, DecisionIn, FieldIn
from jingjinji.db import utcnow
from jingjinji.regions import uscc
from jingjinji.security import SYSTEM_ACTOR, Actor
from jingjinji.timezone import CHINA_TZ, china_date

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext

U, C, N = "unconditional", "conditional", "not_shared"

# (code, owner key, domain, cycle, class, public, title_zh, title_en, desc_zh, desc_en, fields)
# fields: (name, type, unit, description, class)
DATASETS: list[tuple[Any, ...]] = [
    (
        "BJ-STATS-ENT-BASIC",
        "bj_stats",
        "economy",
        "monthly",
        U,
        True,
        "北京市企业登记基本信息",
        "Beijing enterprise registration basics",
        "在京登记企业的统一社会信用代码、名称、行业与注册资本。",
        "Unified social credit code, name, industry and registered capital of enterprises "
        "registered in Beijing.",
        [
            ("uscc", "string", "", "Unified Social Credit Code", U),
            ("name", "string", "", "Registered name", U),
            ("district_code", "string", "", "GB/T 2260 district code", U),
            ("industry_code", "string", "", "GB/T 4754 industry code", U),
            ("registered_on", "date", "", "Registration date", U),
            ("registered_capital", "number", "10k CNY", "Registered capital", U),
        ],
    ),
    (
        "BJ-ENV-PENALTY",
        "bj_env",
        "environment",
        "monthly",
        C,
        False,
        "北京市企业环境行政处罚",
        "Beijing enterprise environmental penalties",
        "生态环境部门作出的行政处罚决定，用于跨区域联合执法与信用评价。",
        "Administrative penalty decisions of the ecology and environment bureau, for joint "
        "enforcement and credit assessment across the region.",
        [
            ("case_no", "string", "", "Penalty decision number", C),
            ("uscc", "string", "", "Enterprise credit code", C),
            ("enterprise_name", "string", "", "Enterprise name", C),
            ("violation", "string", "", "Violation found", C),
            ("fine_amount", "number", "10k CNY", "Fine", C),
            ("decided_on", "date", "", "Date of the decision", C),
            ("inspector_id", "string", "", "Inspecting officer's ID", N),
        ],
    ),
    (
        "BJ-ENV-PERMIT",
        "bj_env",
        "environment",
        "monthly",
        U,
        False,
        "北京市排污许可证发放信息",
        "Beijing pollutant discharge permits",
        "排污许可证编号、持证单位、行业类别与有效期。",
        "Permit number, holder, industry and validity of pollutant discharge permits.",
        [
            ("permit_no", "string", "", "Permit number", U),
            ("holder_uscc", "string", "", "Holder's credit code", U),
            ("holder_name", "string", "", "Holder", U),
            ("valid_until", "date", "", "Valid until", U),
            ("annual_cap_t", "number", "t/a", "Permitted annual emissions", C),
        ],
    ),
    (
        "BJ-STATS-HOUSEHOLD-SURVEY",
        "bj_stats",
        "population",
        "yearly",
        N,
        False,
        "北京市住户收支调查微观数据",
        "Beijing household income survey microdata",
        "含个人信息的住户调查样本数据，依法不予共享。",
        "Household survey records with personal information; not shared by law.",
        [
            ("household_id", "string", "", "Sample household", N),
            ("head_name", "string", "", "Head of household", N),
            ("income", "number", "CNY", "Disposable income", N),
        ],
    ),
    (
        "TJ-STATS-GDP-QUARTERLY",
        "tj_stats",
        "economy",
        "quarterly",
        U,
        True,
        "天津市分区地区生产总值（季度）",
        "Tianjin GDP by district (quarterly)",
        "各区季度地区生产总值及增速。",
        "Quarterly gross domestic product and growth by district.",
        [
            ("district_code", "string", "", "GB/T 2260 district code", U),
            ("quarter", "string", "", "Quarter, e.g. 2026Q2", U),
            ("gdp", "number", "100m CNY", "Gross domestic product", U),
            ("growth_pct", "number", "%", "Real growth on a year earlier", U),
        ],
    ),
    (
        "TJ-ENV-ONLINE-MONITORING",
        "tj_env",
        "environment",
        "hourly",
        C,
        False,
        "天津市重点排污单位自动监测数据",
        "Tianjin key polluters' online monitoring",
        "重点排污单位排放口的小时自动监测浓度。",
        "Hourly automatic monitoring of key polluters' discharge outlets.",
        [
            ("uscc", "string", "", "Enterprise credit code", C),
            ("outlet_id", "string", "", "Discharge outlet", C),
            ("measured_at", "datetime", "", "Hour of measurement", C),
            ("so2_mg_m3", "number", "mg/m3", "SO2 concentration", C),
            ("nox_mg_m3", "number", "mg/m3", "NOx concentration", C),
            ("dust_mg_m3", "number", "mg/m3", "Particulate concentration", C),
        ],
    ),
    (
        "TJ-BINHAI-PORT-THROUGHPUT",
        "tj_binhai",
        "transport",
        "monthly",
        U,
        True,
        "滨海新区港口吞吐量",
        "Binhai New Area port throughput",
        "各港区月度货物与集装箱吞吐量。",
        "Monthly cargo and container throughput by port area.",
        [
            ("port_area", "string", "", "Port area", U),
            ("month", "string", "", "Month, e.g. 2026-06", U),
            ("cargo_10k_t", "number", "10k t", "Cargo throughput", U),
            ("teu_10k", "number", "10k TEU", "Container throughput", U),
            ("top_shipper", "string", "", "Largest shipper", C),
        ],
    ),
    (
        "TJ-ENV-COMPLAINTS",
        "tj_env",
        "environment",
        "daily",
        N,
        False,
        "天津市生态环境信访投诉",
        "Tianjin environmental complaints",
        "含投诉人个人信息，不予共享。",
        "Includes complainants' personal data; not shared.",
        [
            ("ticket_no", "string", "", "Ticket", N),
            ("complainant_phone", "string", "", "Complainant's phone", N),
            ("content", "string", "", "Complaint", N),
        ],
    ),
    (
        "HE-ENV-PENALTY",
        "he_env",
        "environment",
        "monthly",
        C,
        False,
        "河北省企业环境行政处罚",
        "Hebei enterprise environmental penalties",
        "河北省生态环境部门的行政处罚决定。",
        "Administrative penalty decisions of Hebei's ecology and environment authorities.",
        [
            ("case_no", "string", "", "Penalty decision number", C),
            ("uscc", "string", "", "Enterprise credit code", C),
            ("enterprise_name", "string", "", "Enterprise name", C),
            ("city_code", "string", "", "GB/T 2260 city code", C),
            ("violation", "string", "", "Violation found", C),
            ("fine_amount", "number", "10k CNY", "Fine", C),
            ("decided_on", "date", "", "Date of the decision", C),
        ],
    ),
    (
        "HE-TRANSPORT-FREIGHT-MONTHLY",
        "he_transport",
        "transport",
        "monthly",
        U,
        True,
        "河北省公路水路货运量（月度）",
        "Hebei road and waterway freight (monthly)",
        "分市月度公路、水路货运量。",
        "Monthly road and waterway freight volume by city.",
        [
            ("city_code", "string", "", "GB/T 2260 city code", U),
            ("month", "string", "", "Month, e.g. 2026-06", U),
            ("road_10k_t", "number", "10k t", "Road freight", U),
            ("waterway_10k_t", "number", "10k t", "Waterway freight", U),
        ],
    ),
    (
        "HE-STATS-ENT-ENERGY",
        "he_stats",
        "energy",
        "yearly",
        C,
        False,
        "河北省重点用能单位能源消费",
        "Hebei key energy consumers' consumption",
        "重点用能单位年度综合能源消费量。",
        "Annual total energy consumption of key energy-consuming enterprises.",
        [
            ("uscc", "string", "", "Enterprise credit code", C),
            ("enterprise_name", "string", "", "Enterprise name", C),
            ("year", "integer", "", "Year", C),
            ("energy_tce", "number", "tce", "Total energy consumption", C),
            ("coal_share_pct", "number", "%", "Share of coal", C),
        ],
    ),
    (
        "HE-ENV-PERMIT",
        "he_env",
        "environment",
        "monthly",
        U,
        False,
        "河北省排污许可证发放信息",
        "Hebei pollutant discharge permits",
        "排污许可证编号、持证单位与有效期。",
        "Permit number, holder and validity.",
        [
            ("permit_no", "string", "", "Permit number", U),
            ("holder_name", "string", "", "Holder", U),
            ("city_code", "string", "", "GB/T 2260 city code", U),
            ("valid_until", "date", "", "Valid until", U),
        ],
    ),
    (
        "HE-STATS-CENSUS-MICRO",
        "he_stats",
        "population",
        "irregular",
        N,
        False,
        "河北省人口普查个人记录",
        "Hebei population census person records",
        "人口普查个人记录，依法不予共享。",
        "Census person records; not shared by law.",
        [
            ("person_id", "string", "", "Person", N),
            ("birth_date", "date", "", "Date of birth", N),
            ("county_code", "string", "", "County", N),
        ],
    ),
]


def _uscc(region: str, serial: int) -> str:
    body = f"91{region}MA{serial:07d}"[:17]
    return body + uscc.check_character(body)


def _records(code: str, rng: random.Random) -> list[dict[str, Any]]:
    if code == "BJ-STATS-ENT-BASIC":
        districts = ["110101", "110102", "110105", "110106", "110108"]
        industries = ["I6510", "M7320", "C3914", "F5191", "L7212"]
        names = [
            "京城示例科技有限公司",
            "燕园示例软件有限公司",
            "朝阳示例贸易有限公司",
            "海淀示例数据服务有限公司",
            "丰台示例制造有限公司",
            "西城示例咨询有限公司",
        ]
        return [
            {
                "uscc": _uscc(districts[i % 5], 1000 + i),
                "name": name,
                "district_code": districts[i % 5],
                "industry_code": industries[i % 5],
                "registered_on": (dt.date(2015, 3, 1) + dt.timedelta(days=173 * i)).isoformat(),
                "registered_capital": round(rng.uniform(50, 5000), 1),
            }
            for i, name in enumerate(names)
        ]
    if code == "BJ-ENV-PENALTY":
        violations = [
            "超标排放大气污染物",
            "未按规定运行污染防治设施",
            "未依法取得排污许可证",
            "扬尘污染防治措施不到位",
        ]
        return [
            {
                "case_no": f"京环罚〔2026〕{100 + i}号",
                "uscc": _uscc("110105", 2000 + i),
                "enterprise_name": f"示例企业{i + 1}号",
                "violation": violations[i % 4],
                "fine_amount": round(rng.uniform(2, 80), 1),
                "decided_on": (dt.date(2026, 1, 12) + dt.timedelta(days=23 * i)).isoformat(),
                "inspector_id": f"BJ-INSP-{300 + i}",
            }
            for i in range(8)
        ]
    if code == "TJ-STATS-GDP-QUARTERLY":
        rows = []
        for district, base in (
            ("120101", 310.0),
            ("120102", 280.0),
            ("120116", 2100.0),
            ("120104", 420.0),
        ):
            for q in (1, 2):
                rows.append(
                    {
                        "district_code": district,
                        "quarter": f"2026Q{q}",
                        "gdp": round(base * (0.95 + 0.05 * q), 1),
                        "growth_pct": round(rng.uniform(3.0, 6.5), 1),
                    }
                )
        return rows
    if code == "TJ-ENV-ONLINE-MONITORING":
        start = dt.datetime(2026, 6, 1, 0, 0, tzinfo=CHINA_TZ)
        return [
            {
                "uscc": _uscc("120116", 3000 + i % 3),
                "outlet_id": f"DA00{1 + i % 3}",
                "measured_at": (start + dt.timedelta(hours=i)).isoformat(),
                "so2_mg_m3": round(rng.uniform(5, 35), 1),
                "nox_mg_m3": round(rng.uniform(20, 90), 1),
                "dust_mg_m3": round(rng.uniform(1, 9), 1),
            }
            for i in range(12)
        ]
    if code == "TJ-BINHAI-PORT-THROUGHPUT":
        return [
            {
                "port_area": area,
                "month": month,
                "cargo_10k_t": round(rng.uniform(800, 3000)),
                "teu_10k": round(rng.uniform(40, 200), 1),
                "top_shipper": f"示例航运{j + 1}公司",
            }
            for j, area in enumerate(["北疆港区", "南疆港区", "东疆港区"])
            for month in ("2026-05", "2026-06")
        ]
    if code == "HE-ENV-PENALTY":
        cities = ["130100", "130200", "130600", "130900"]
        return [
            {
                "case_no": f"冀环罚〔2026〕{40 + i}号",
                "uscc": _uscc(cities[i % 4], 4000 + i),
                "enterprise_name": f"河北示例企业{i + 1}号",
                "city_code": cities[i % 4],
                "violation": "超标排放大气污染物" if i % 2 else "未落实重污染天气应急减排措施",
                "fine_amount": round(rng.uniform(5, 120), 1),
                "decided_on": (dt.date(2026, 2, 3) + dt.timedelta(days=19 * i)).isoformat(),
            }
            for i in range(8)
        ]
    if code == "HE-TRANSPORT-FREIGHT-MONTHLY":
        return [
            {
                "city_code": city,
                "month": month,
                "road_10k_t": round(rng.uniform(1500, 9000)),
                "waterway_10k_t": round(rng.uniform(0, 3000)),
            }
            for city in ("130100", "130200", "130300", "130600")
            for month in ("2026-05", "2026-06")
        ]
    if code == "HE-STATS-ENT-ENERGY":
        return [
            {
                "uscc": _uscc("130200", 5000 + i),
                "enterprise_name": f"唐山示例钢铁{i + 1}公司",
                "year": 2025,
                "energy_tce": round(rng.uniform(2e5, 3e6)),
                "coal_share_pct": round(rng.uniform(55, 85), 1),
            }
            for i in range(5)
        ]
    return []


def _user(session: Session, username: str) -> Actor:
    """A demo user of accounts/demo.py acting (loaded before the catalog)."""
    return accounts.actor_of(accounts.get_user(session, username=username), channel="system")


# Keywords of the demo datasets by domain (zh, en).
DOMAIN_TAGS: dict[str, tuple[list[str], list[str]]] = {
    "environment": (["生态环境"], ["environment"]),
    "economy": (["经济", "企业"], ["economy", "enterprises"]),
    "transport": (["交通运输"], ["transport"]),
    "population": (["人口"], ["population"]),
    "energy": (["能源"], ["energy"]),
}

# The fields' descriptions in Chinese (the demo's owners describe their fields in both languages).
FIELD_DESCRIPTIONS_ZH: dict[str, str] = {
    "Cargo throughput": "货物吞吐量",
    "Complainant's phone": "投诉人电话",
    "Complaint": "投诉内容",
    "Container throughput": "集装箱吞吐量",
    "County": "区县",
    "Date of birth": "出生日期",
    "Date of the decision": "决定日期",
    "Discharge outlet": "排放口",
    "Disposable income": "可支配收入",
    "Enterprise credit code": "企业统一社会信用代码",
    "Enterprise name": "企业名称",
    "Fine": "罚款金额",
    "GB/T 2260 city code": "GB/T 2260 城市代码",
    "GB/T 2260 district code": "GB/T 2260 区县代码",
    "GB/T 4754 industry code": "GB/T 4754 行业代码",
    "Gross domestic product": "地区生产总值",
    "Head of household": "户主",
    "Holder": "持证单位",
    "Holder's credit code": "持证单位统一社会信用代码",
    "Hour of measurement": "监测时刻（小时）",
    "Inspecting officer's ID": "执法人员证件号",
    "Largest shipper": "最大货主",
    "Month, e.g. 2026-06": "月份，如 2026-06",
    "NOx concentration": "氮氧化物浓度",
    "Particulate concentration": "颗粒物浓度",
    "Penalty decision number": "处罚决定书文号",
    "Permit number": "许可证编号",
    "Permitted annual emissions": "许可年排放量",
    "Person": "人员",
    "Port area": "港区",
    "Quarter, e.g. 2026Q2": "季度，如 2026Q2",
    "Real growth on a year earlier": "实际同比增长",
    "Registered capital": "注册资本",
    "Registered name": "登记名称",
    "Registration date": "登记日期",
    "Road freight": "公路货运量",
    "SO2 concentration": "二氧化硫浓度",
    "Sample household": "样本户",
    "Share of coal": "煤炭占比",
    "Ticket": "工单",
    "Total energy consumption": "能源消费总量",
    "Unified Social Credit Code": "统一社会信用代码",
    "Valid until": "有效期至",
    "Violation found": "违法事实",
    "Waterway freight": "水路货运量",
    "Year": "年份",
    "Achievement": "成果名称",
    "Achievement number": "成果编号",
    "Applications close": "申请截止日期",
    "Asking price": "挂牌价格",
    "Card taps": "刷卡次数",
    "City (GB/T 2260)": "城市（GB/T 2260）",
    "Date of the filing": "备案日期",
    "Discipline": "学科",
    "District of the resource": "资源所在区县",
    "First day of the month": "月份首日",
    "Institution in Binhai New Area": "滨海新区设站单位",
    "Listed on": "挂牌日期",
    "Listing number": "挂牌编号",
    "Operating right, route or joint project": "经营权、线路或合作项目",
    "Positions open": "招收名额",
    "Postdoctoral research station": "博士后科研工作站",
    "Practising licence number": "执业证书编号",
    "Project": "项目",
    "Province of the first practice (110000, 130000)": "第一执业地所在省份（110000、130000）",
    "Province of the holder": "持有人所在省份",
    "Province of the station": "工作站所在省份",
    "Registered specialty": "注册执业专业",
    "Registration number of the filing": "备案登记号",
    "Taps by cards issued elsewhere": "外省市发卡的刷卡次数",
    "Technology field": "技术领域",
    "Technology readiness level (1-9)": "技术成熟度等级（1-9）",
    "Trained jointly with another jurisdiction": "是否与其他省市联合培养",
    "Transfer, licence or equity": "转让、许可或作价入股",
    "bus or metro": "公交或地铁",
}


def _field_ins(fields: list[tuple[Any, ...]]) -> list[FieldIn]:
    """Fields given as (name, type, unit, description, class), described in both languages."""
    return [
        FieldIn(
            name=n,
            type=t,
            unit=u,
            description=d,
            description_zh=FIELD_DESCRIPTIONS_ZH.get(d, ""),
            sharing_class=c,
        )
        for n, t, u, d, c in fields
    ]


def demo_datasets(orgs: dict[str, int]) -> list[DatasetIn]:
    """The demo datasets, owned by the demo organisations (keys of regions/demo.py); those
    open to the public under CC BY 4.0."""
    return [
        DatasetIn(
            code=code,
            title_zh=tzh,
            title_en=ten,
            description_zh=dzh,
            description_en=den,
            owner_organisation_id=orgs[owner],
            domain=domain,
            update_cycle=cycle,
            sharing_class=cls,
            open_to_public=public,
            licence="CC-BY-4.0" if public else "",
            tags_zh=DOMAIN_TAGS.get(domain, ([], []))[0],
            tags_en=DOMAIN_TAGS.get(domain, ([], []))[1],
            fields=_field_ins(fields),
        )
        for code, owner, domain, cycle, cls, public, tzh, ten, dzh, den, fields in DATASETS
    ]


# --------------------------------------------------------------------- shared registers
# Other registers the three jurisdictions agreed to share, kept as ordinary catalog datasets
# (no module of their own). Each sample is a handful of synthetic rows, and says so.
SYNTHETIC_ZH = "示例记录为演示用合成数据，不是真实登记信息。"
SYNTHETIC_EN = "The sample records are synthetic demo data, not real registrations."
SYNTHETIC_TAGS = (["合成示例数据"], [SYNTHETIC_SAMPLE])  # the Chinese is its label's

# (code, owner key, domain, cycle, class, public, licence, title_zh, title_en, desc_zh,
#  desc_en, tags_zh, tags_en, fields); fields: (name, type, unit, description, class)
REGISTERS: list[tuple[Any, ...]] = [
    (
        "TJ-BINHAI-MED-MULTISITE",
        "tj_binhai",
        "health",
        "monthly",
        C,
        False,
        "",
        "京冀医师在滨海新区多机构执业备案",
        "Beijing and Hebei physicians registered to practise at several institutions in Binhai",
        "北京、河北医师在天津滨海新区医疗机构多点执业的备案登记。滨海新区的协同发展回顾统计，"
        "截至2021年共有149名京冀医师完成多机构执业备案。" + SYNTHETIC_ZH,
        "Registrations of physicians from Beijing and Hebei who also practise at medical "
        "institutions in Tianjin's Binhai New Area. The new area's review of coordinated "
        "development counted 149 such Beijing and Hebei physicians by 2021. " + SYNTHETIC_EN,
        ["多点执业", "医师", "医疗协同"],
        ["multi-site practice", "physicians", "health cooperation"],
        [
            ("registration_no", "string", "", "Registration number of the filing", C),
            ("home_province", "string", "", "Province of the first practice (110000, 130000)", C),
            ("specialty", "string", "", "Registered specialty", C),
            ("host_institution", "string", "", "Institution in Binhai New Area", C),
            ("registered_on", "date", "", "Date of the filing", C),
            ("licence_no", "string", "", "Practising licence number", N),
        ],
    ),
    (
        "JJJ-POSTDOC-EXCHANGE",
        "office",
        "talent",
        "monthly",
        U,
        True,
        "CC-BY-4.0",
        "京津冀博士后信息交流",
        "Beijing-Tianjin-Hebei postdoctoral information exchange",
        "三地博士后科研流动站、工作站发布的招收岗位与联合培养信息。" + SYNTHETIC_ZH,
        "Openings and joint training offered by the postdoctoral research stations of the "
        "three jurisdictions. " + SYNTHETIC_EN,
        ["博士后", "人才交流"],
        ["postdoctoral", "talent exchange"],
        [
            ("station", "string", "", "Postdoctoral research station", U),
            ("province_code", "string", "", "Province of the station", U),
            ("discipline", "string", "", "Discipline", U),
            ("openings", "integer", "", "Positions open", U),
            ("joint_training", "boolean", "", "Trained jointly with another jurisdiction", U),
            ("closes_on", "date", "", "Applications close", U),
        ],
    ),
    (
        "TJ-TOURISM-RESOURCE-TRADING",
        "tj_drc",
        "tourism",
        "monthly",
        U,
        False,
        "",
        "京津旅游资源交易平台挂牌项目",
        "Beijing-Tianjin tourism resources trading platform: listed projects",
        "京津旅游资源交易平台挂牌的景区经营权、线路与合作项目。" + SYNTHETIC_ZH,
        "Operating rights of scenic areas, routes and joint projects listed on the "
        "Beijing-Tianjin tourism resources trading platform. " + SYNTHETIC_EN,
        ["旅游", "资源交易"],
        ["tourism", "resource trading"],
        [
            ("listing_no", "string", "", "Listing number", U),
            ("project", "string", "", "Project", U),
            ("district_code", "string", "", "District of the resource", U),
            ("kind", "string", "", "Operating right, route or joint project", U),
            ("asking_price", "number", "10k CNY", "Asking price", U),
            ("listed_on", "date", "", "Listed on", U),
        ],
    ),
    (
        "BJ-TECH-ACHIEVEMENTS-TRANSFER",
        "bj_drc",
        "science",
        "monthly",
        U,
        True,
        "CC-BY-4.0",
        "京津冀可转化科技成果",
        "Beijing-Tianjin-Hebei technology achievements offered for transfer",
        "京津冀科技成果转化联盟汇集的可转让、许可或作价入股的科技成果。" + SYNTHETIC_ZH,
        "Technology achievements offered for transfer, licensing or as equity through the "
        "region's alliance for the transformation of achievements. " + SYNTHETIC_EN,
        ["科技成果转化", "技术转移"],
        ["technology transfer", "innovation"],
        [
            ("achievement_no", "string", "", "Achievement number", U),
            ("title", "string", "", "Achievement", U),
            ("field", "string", "", "Technology field", U),
            ("holder_province", "string", "", "Province of the holder", U),
            ("transfer_mode", "string", "", "Transfer, licence or equity", U),
            ("readiness_level", "integer", "", "Technology readiness level (1-9)", U),
        ],
    ),
    (
        "HE-TRANSPORT-CARD-INTEROP",
        "he_transport",
        "transport",
        "monthly",
        U,
        True,
        "CC-BY-4.0",
        "京津冀交通一卡通互联互通使用量",
        "Beijing-Tianjin-Hebei transport card interconnection: monthly use",
        "按城市和月份统计的京津冀互联互通交通卡在公交、地铁的刷卡次数。" + SYNTHETIC_ZH,
        "Monthly taps of the interconnected Beijing-Tianjin-Hebei transport card on buses and "
        "metros, by city. " + SYNTHETIC_EN,
        ["交通一卡通", "互联互通", "公共交通"],
        ["transport card", "interconnection", "public transport"],
        [
            ("month", "date", "", "First day of the month", U),
            ("city_code", "string", "", "City (GB/T 2260)", U),
            ("mode", "string", "", "bus or metro", U),
            ("taps", "integer", "", "Card taps", U),
            ("cards_from_other_provinces", "integer", "", "Taps by cards issued elsewhere", U),
        ],
    ),
]


def register_datasets(orgs: dict[str, int]) -> list[DatasetIn]:
    """The shared registers as catalog datasets (owners are keys of regions/demo.py)."""
    return [
        DatasetIn(
            code=code,
            title_zh=tzh,
            title_en=ten,
            description_zh=dzh,
            description_en=den,
            owner_organisation_id=orgs[owner],
            domain=domain,
            update_cycle=cycle,
            sharing_class=cls,
            open_to_public=public,
            licence=licence,
            maintainer_name="数据共享联络员 / data sharing liaison",
            maintainer_email=f"{code.lower()}@data.jingjinji.example",
            temporal_start=dt.date(2021, 1, 1),
            temporal_end=dt.date(2021, 12, 31),
            tags_zh=[*tags_zh, *SYNTHETIC_TAGS[0]],
            tags_en=[*tags_en, *SYNTHETIC_TAGS[1]],
            fields=_field_ins(fields),
        )
        for (
            code,
            owner,
            domain,
            cycle,
            cls,
            public,
            licence,
            tzh,
            ten,
            dzh,
            den,
            tags_zh,
            tags_en,
            fields,
        ) in REGISTERS
    ]


def _register_records(code: str) -> list[dict[str, Any]]:
    """A few synthetic rows per register."""
    if code == "TJ-BINHAI-MED-MULTISITE":
        specialties = ["心血管内科", "儿科", "骨科", "肿瘤科", "眼科", "呼吸内科"]
        return [
            {
                "registration_no": f"BH-DD-2021-{i + 1:04d}",
                "home_province": "110000" if i % 2 == 0 else "130000",
                "specialty": specialty,
                "host_institution": "滨海新区示例医院" if i % 3 else "滨海新区示例中心医院",
                "registered_on": f"2021-{i + 3:02d}-15",
                "licence_no": f"SYN-{110000 + i * 7919}",
            }
            for i, specialty in enumerate(specialties)
        ]
    if code == "JJJ-POSTDOC-EXCHANGE":
        stations = [
            ("北京示例大学博士后科研流动站", "110000", "环境科学与工程", 3, True),
            ("天津示例大学博士后科研流动站", "120000", "化学工程", 2, False),
            ("河北示例研究院博士后科研工作站", "130000", "材料科学", 1, True),
            ("滨海新区示例企业博士后工作站", "120000", "人工智能", 2, True),
        ]
        return [
            {
                "station": st,
                "province_code": pc,
                "discipline": disc,
                "openings": n,
                "joint_training": joint,
                "closes_on": f"2021-{6 + i:02d}-30",
            }
            for i, (st, pc, disc, n, joint) in enumerate(stations)
        ]
    if code == "TJ-TOURISM-RESOURCE-TRADING":
        listings = [
            ("示例古镇景区经营权", "120116", "operating right", 1200.0),
            ("京津海河游船联合线路", "120101", "route", 85.5),
            ("示例湿地公园研学合作", "120225", "joint project", 260.0),
        ]
        return [
            {
                "listing_no": f"JJ-TR-2021-{i + 1:03d}",
                "project": project,
                "district_code": district,
                "kind": kind,
                "asking_price": price,
                "listed_on": f"2021-0{i + 4}-01",
            }
            for i, (project, district, kind, price) in enumerate(listings)
        ]
    if code == "BJ-TECH-ACHIEVEMENTS-TRANSFER":
        achievements = [
            ("低温脱硝催化剂（示例）", "environment", "110000", "licence", 7),
            ("海水淡化膜组件（示例）", "water", "120000", "transfer", 6),
            ("钢铁烧结烟气余热回收（示例）", "energy", "130000", "equity", 8),
            ("港口集装箱智能调度算法（示例）", "logistics", "120000", "licence", 5),
        ]
        return [
            {
                "achievement_no": f"JJJ-TA-2021-{i + 1:03d}",
                "title": title,
                "field": field,
                "holder_province": province,
                "transfer_mode": mode,
                "readiness_level": trl,
            }
            for i, (title, field, province, mode, trl) in enumerate(achievements)
        ]
    if code == "HE-TRANSPORT-CARD-INTEROP":
        usage = [
            ("130100", "bus", 812_000, 41_500),
            ("130100", "metro", 655_000, 38_200),
            ("130200", "bus", 530_000, 22_900),
            ("130600", "bus", 498_000, 61_300),
        ]
        return [
            {
                "month": "2021-06-01",
                "city_code": city,
                "mode": mode,
                "taps": taps,
                "cards_from_other_provinces": other,
            }
            for city, mode, taps, other in usage
        ]
    return []


def load(session: Session, ctx: DemoContext) -> None:
    orgs: dict[str, int] = ctx.values["organisations"]
    rng = random.Random(20261122)
    for data in demo_datasets(orgs):
        service.ensure_dataset(session, actor=SYSTEM_ACTOR, data=data)
        rows = _records(data.code, rng)
        if rows:
            service.write_records(session, actor=SYSTEM_ACTOR, dataset_code=data.code, rows=rows)
    for data in register_datasets(orgs):
        service.ensure_dataset(session, actor=SYSTEM_ACTOR, data=data)
        service.write_records(
            session, actor=SYSTEM_ACTOR, dataset_code=data.code, rows=_register_records(data.code)
        )
    session.flush()

    # Requests, as the demo users make them (see accounts/demo.py).
    tj_analyst = _user(session, "tj-analyst")
    he_analyst = _user(session, "he-analyst")
    bj_analyst = _user(session, "bj-analyst")
    tj_env = _user(session, "tj-env")
    he_env = _user(session, "he-env")
    settings = ctx.values.get("settings")
    now = utcnow()
    today = china_date(now)
    year_on = today + dt.timedelta(days=365)

    # Pending: Tianjin's analysts want Beijing's penalty decisions.
    service.create_access_request(
        session,
        actor=tj_analyst,
        data=AccessRequestIn(
            dataset_code="BJ-ENV-PENALTY",
            purpose="京津联合执法：核查在津注册企业在京的环境违法记录，纳入信用联合惩戒名单。",
            fields=["uscc", "enterprise_name", "violation", "fine_amount", "decided_on"],
            period_start=today,
            period_end=year_on,
        ),
        settings=settings,
        now=now - dt.timedelta(days=2),
    )
    # Approved: Hebei's analysts read Tianjin's online monitoring (outlet-level subset).
    approved = service.create_access_request(
        session,
        actor=he_analyst,
        data=AccessRequestIn(
            dataset_code="TJ-ENV-ONLINE-MONITORING",
            purpose="Regional transport of SO2 and NOx during heavy-pollution episodes: compare "
            "Tianjin's coastal industry emissions with Hebei's receptor stations.",
            fields=["uscc", "outlet_id", "measured_at", "so2_mg_m3", "nox_mg_m3", "dust_mg_m3"],
            period_start=today - dt.timedelta(days=20),
            period_end=year_on,
        ),
        settings=settings,
        now=now - dt.timedelta(days=20),
    )
    service.decide_access_request(
        session,
        actor=tj_env,
        request_id=approved.id,
        data=DecisionIn(
            decision="approve",
            fields=["outlet_id", "measured_at", "so2_mg_m3", "nox_mg_m3"],
            reason="Outlet-level data suffices; enterprise identifiers are not needed.",
        ),
        now=now - dt.timedelta(days=16),
    )
    # Rejected: Beijing's analysts asked for Hebei's penalties without a stated legal basis.
    rejected = service.create_access_request(
        session,
        actor=bj_analyst,
        data=AccessRequestIn(
            dataset_code="HE-ENV-PENALTY",
            purpose="Background research on enforcement intensity.",
            fields=["enterprise_name", "fine_amount"],
            period_start=today - dt.timedelta(days=30),
            period_end=year_on,
        ),
        settings=settings,
        now=now - dt.timedelta(days=30),
    )
    service.decide_access_request(
        session,
        actor=he_env,
        request_id=rejected.id,
        data=DecisionIn(
            decision="reject",
            reason="请说明依据的联合执法协议或工作任务；一般性研究可使用公开的处罚公示信息。",
        ),
        now=now - dt.timedelta(days=27),
    )
    # Left undecided past its deadline: escalated to the coordination office.
    service.create_access_request(
        session,
        actor=tj_analyst,
        data=AccessRequestIn(
            dataset_code="HE-STATS-ENT-ENERGY",
            purpose="京津冀能耗双控协同：测算跨省产业转移项目的能源消费影响。",
            fields=["enterprise_name", "year", "energy_tce", "coal_share_pct"],
            period_start=today - dt.timedelta(days=25),
            period_end=year_on,
        ),
        settings=settings,
        now=now - dt.timedelta(days=25),
    )
    service.escalate_overdue(session, now=now)
