"""Credit demo: the registry and its records, loaded through the services.

Every subject is synthetic (``synthetic=True``, names marked 示例/虚构, codes from
``synthetic_uscc`` that pass both checks but belong to no real body): 60 subjects, 20 in each
jurisdiction, some renamed. Records, from the three market regulators and the three
environment agencies:

- licences and penalties published within 7 working days, dated so that some penalties are
  still public and some (decided in 2022 under the 2019 rules) are withdrawn by the
  end-of-publicity run;
- one Beijing penalty decided on Friday 2026-02-13 and published on 2026-03-03: late, across
  the Spring Festival holiday and its adjusted working Saturdays (deadline 2026-03-02);
- Tianjin penalties of Hebei subjects (the objection demo uses one);
- pending licences and penalties decided in the last days, so the publication queue is never
  empty;
- a Hebei black-list entry of a subject registered in Hebei, and red-list entries.

``ctx.values["credit_demo"]`` hands the later loaders (``demo/services.py``) what was made:
``subjects`` (USCC -> subject id), ``records`` (document number -> record id),
``black_list_uscc`` (the Hebei black-listed subject), ``late_record_id`` (the late penalty),
``pending_record_ids`` and ``withdrawn`` (how many records the run withdrew).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from jingjinji.credit import flows
from jingjinji.credit.kernels.identity import RESIDENT_ID_CARD, synthetic_id_card
from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.credit.schemas.records import RecordIn
from jingjinji.credit.schemas.subjects import SubjectIn
from jingjinji.credit.service import publication, records, subjects
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.timezone import china_today

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext

PROVINCES = {
    "110000": ("bj", "京", ("110101", "110105", "110108", "110115")),
    "120000": ("tj", "津", ("120101", "120104", "120116", "120118")),
    "130000": ("he", "冀", ("130102", "130203", "130602", "131002")),
}
TRADES = ("科技", "物流", "化工", "建材", "食品", "商贸", "制药", "机械", "环保", "餐饮")
LATE_DECISION = dt.date(2026, 2, 13)
LATE_PUBLISHED = dt.datetime(2026, 3, 3, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def _subjects(session: Session) -> dict[str, list[str]]:
    """20 synthetic subjects per province (every 10th an individual business)."""
    made: dict[str, list[str]] = {}
    for province, (_key, short, regions) in PROVINCES.items():
        codes = []
        for i in range(20):
            region = regions[i % len(regions)]
            category = "92" if i % 10 == 9 else "91"
            code = synthetic_uscc(category, region, int(province[:2]) * 1000 + i + 1)
            trade = TRADES[i % len(TRADES)]
            kind = "个体工商户" if category == "92" else "有限公司"
            subjects.register_subject(
                session,
                actor=SYSTEM_ACTOR,
                data=SubjectIn(
                    uscc=code,
                    name=f"{short}示例{trade}{i + 1:02d}{kind}（虚构）",
                    legal_representative=f"示例法人{i + 1:02d}",
                    registered_on=dt.date(2010 + i % 12, 1 + i % 12, 1 + i % 27),
                    synthetic=True,
                ),
            )
            codes.append(code)
        made[province] = codes
    # Two renames: search finds the former names.
    for province in ("110000", "130000"):
        code = made[province][0]
        old = subjects.get_subject(session, uscc=code)
        subjects.register_subject(
            session,
            actor=SYSTEM_ACTOR,
            data=SubjectIn(
                uscc=code,
                name=old.name.replace("（虚构）", "集团（虚构，已更名）"),
                renamed_on=dt.date(2024, 7, 1),
                synthetic=True,
            ),
        )
    return made


def _record(
    *,
    kind: str,
    uscc: str,
    org_id: int,
    number: str,
    decided: dt.date,
    **extra: Any,
) -> RecordIn:
    base: dict[str, Any] = {
        "kind": kind,
        "uscc": uscc,
        "source_organisation_id": org_id,
        "document_number": number,
        "title": {
            "licence": "食品经营许可",
            "penalty": "违反《中华人民共和国产品质量法》（示例）",
            "red_list": "A级纳税人（示例）",
            "black_list": "严重违法失信名单（示例）",
        }.get(kind, "示例记录"),
        "legal_basis": "示例法律依据（虚构数据）",
        "decision_date": decided.isoformat(),
        "synthetic": True,
    }
    if kind == "penalty":
        base.update(
            category="罚款",
            severity="ordinary",
            facts="示例违法事实（虚构）",
            content="罚款（示例）",
            fine_10k_cny="1.5",
            details={
                "legal_representative": "示例法人",
                "id_type": RESIDENT_ID_CARD,
                "id_number": synthetic_id_card("19800101", sum(map(ord, number)) % 1000),
            },
        )
    if kind == "licence":
        base.update(
            category="普通",
            content="准予许可（示例）",
            licence_number=f"JY{number[-6:]}",
            valid_from=decided.isoformat(),
            valid_to=(decided + dt.timedelta(days=5 * 365)).isoformat(),
        )
    base.update(extra)
    return RecordIn.model_validate(base)


def _published(session: Session, data: RecordIn, *, after_days: int) -> int:
    record = records.create_record(session, actor=SYSTEM_ACTOR, data=data)
    decided = record.decision_date
    moment = dt.datetime.combine(decided + dt.timedelta(days=after_days), dt.time(2), dt.UTC)
    publication.publish_record(session, actor=SYSTEM_ACTOR, record_id=record.id, now=moment)
    return record.id


def load(session: Session, ctx: DemoContext) -> None:
    orgs: dict[str, int] = ctx.values.get("organisations", {})
    if not all(f"{k}_samr" in orgs for k in ("bj", "tj", "he")):
        return
    made = _subjects(session)
    today = china_today()
    ids: dict[str, int] = {}
    pending: list[int] = []
    decisions = [dt.date(2025, 3, 12), dt.date(2025, 9, 3), dt.date(2026, 6, 10)]
    for province, (key, short, _regions) in PROVINCES.items():
        codes = made[province]
        for agency in ("samr", "env"):
            org_id = orgs.get(f"{key}_{agency}")
            if org_id is None:
                continue
            tag = "市监" if agency == "samr" else "环"
            for i, decided in enumerate(decisions):
                number = f"{short}{tag}罚〔{decided.year}〕{i + 1}号"
                ids[number] = _published(
                    session,
                    _record(
                        kind="penalty",
                        uscc=codes[i + 1],
                        org_id=org_id,
                        number=number,
                        decided=decided,
                    ),
                    after_days=3,
                )
                lic = f"{short}{tag}许〔{decided.year}〕{i + 1}号"
                ids[lic] = _published(
                    session,
                    _record(
                        kind="licence",
                        uscc=codes[i + 5],
                        org_id=org_id,
                        number=lic,
                        decided=decided,
                    ),
                    after_days=2,
                )
            old = f"{short}{tag}罚〔2022〕9号"  # 2019 rules: public one year, then withdrawn
            ids[old] = _published(
                session,
                _record(
                    kind="penalty",
                    uscc=codes[8],
                    org_id=org_id,
                    number=old,
                    decided=dt.date(2022, 5, 9),
                ),
                after_days=4,
            )
            for j, back in enumerate((1, 3)):
                decided = today - dt.timedelta(days=back)
                number = f"{short}{tag}待〔{decided.year}〕{j + 1}号"
                record = records.create_record(
                    session,
                    actor=SYSTEM_ACTOR,
                    data=_record(
                        kind="penalty" if j == 0 else "licence",
                        uscc=codes[10 + j],
                        org_id=org_id,
                        number=number,
                        decided=decided,
                    ),
                )
                ids[number] = record.id
                pending.append(record.id)
    # The late one: decided just before the Spring Festival, published after the deadline.
    late = records.create_record(
        session,
        actor=SYSTEM_ACTOR,
        data=_record(
            kind="penalty",
            uscc=made["110000"][12],
            org_id=orgs["bj_samr"],
            number="京市监罚〔2026〕88号",
            decided=LATE_DECISION,
        ),
    )
    publication.publish_record(session, actor=SYSTEM_ACTOR, record_id=late.id, now=LATE_PUBLISHED)
    # Tianjin penalties of Hebei subjects (cross-jurisdiction; the objection demo uses one).
    for i in range(2):
        number = f"津市监罚〔2026〕{30 + i}号"
        ids[number] = _published(
            session,
            _record(
                kind="penalty",
                uscc=made["130000"][13 + i],
                org_id=orgs["tj_samr"],
                number=number,
                decided=dt.date(2026, 5, 11 + i),
            ),
            after_days=2,
        )
    black_uscc = made["130000"][15]
    ids["冀市监黑〔2026〕1号"] = records.create_record(
        session,
        actor=SYSTEM_ACTOR,
        data=_record(
            kind="black_list",
            uscc=black_uscc,
            org_id=orgs["he_samr"],
            number="冀市监黑〔2026〕1号",
            decided=dt.date(2026, 9, 1),
            details={"list_reason": "拒不履行行政处罚决定（示例）"},
        ),
    ).id
    for key in ("bj", "tj"):
        province = "110000" if key == "bj" else "120000"
        number = f"{PROVINCES[province][1]}市监红〔2026〕1号"
        ids[number] = records.create_record(
            session,
            actor=SYSTEM_ACTOR,
            data=_record(
                kind="red_list",
                uscc=made[province][16],
                org_id=orgs[f"{key}_samr"],
                number=number,
                decided=dt.date(2026, 4, 20),
            ),
        ).id
    session.flush()
    withdrawn = publication.withdraw_expired(session, today=today)
    datasets = flows.register_datasets(session, actor=SYSTEM_ACTOR)
    session.commit()
    ctx.values["credit_demo"] = {
        "subjects": {
            code: subjects.get_subject(session, uscc=code).id
            for codes in made.values()
            for code in codes
        },
        "records": ids,
        "black_list_uscc": black_uscc,
        "late_record_id": late.id,
        "pending_record_ids": pending,
        "withdrawn": withdrawn,
        "datasets": datasets,
    }
