"""Every write operation of the API with a request that is valid for its owner: refused
personas must be refused for who they are, not for a malformed body (a 422 fails the matrix)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.regions.demo import demo_uscc
from tests.air.support import obs
from tests.security.sources_world import sources_reads, sources_writes
from tests.security.support import (
    BJ_COMMITMENT,
    BJ_CONDITIONAL,
    BJ_DATASET,
    BJ_NOT_SHARED,
    CREDIT_USCC,
    YEAR_INDICATOR,
    World,
    penalty_fields,
    today_plus,
)
from tests.security.water_world import water_writes

NEW_PASSWORD = "Plum-Rain-Over-Hutong-42"


@dataclass(frozen=True)
class Write:
    """One write: method, path (``{name}`` filled from ``World.ids``), JSON body or files."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    query: dict[str, str] | None = None
    content: tuple[bytes, str] | None = None  # a raw body and its content type

    def url(self, world: World) -> str:
        return "/api/v1" + self.path.format(**world.ids)

    def send(self, world: World, persona: str) -> Any:
        kwargs: dict[str, Any] = {"params": self.query}
        if self.content is not None:
            body, content_type = self.content
            headers = {**world.headers[persona], "Content-Type": content_type}
            return world.client.request(
                self.method, self.url(world), content=body, headers=headers, params=self.query
            )
        if self.files is not None:
            kwargs["files"] = {k: (n, io.BytesIO(c), t) for k, (n, c, t) in self.files.items()}
        elif self.body is not None:
            kwargs["json"] = self.body
        return world.call(persona, self.method, self.url(world), **kwargs)


def _dataset_body(owner_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "title_zh": "排污许可",
        "title_en": "Discharge permits",
        "owner_organisation_id": owner_id,
        "domain": "environment",
        "update_cycle": "daily",
        "sharing_class": "unconditional",
        "fields": [{"name": "permit_no", "type": "string", "sharing_class": "unconditional"}],
        **extra,
    }


def _credit_record(world: World, number: str) -> dict[str, Any]:
    """A penalty of the Beijing subject from the Beijing market regulator (bj_samr)."""
    return {
        "kind": "penalty",
        "uscc": CREDIT_USCC,
        "source_organisation_id": world.ids["bj_samr"],
        "document_number": number,
        "title": "违反《中华人民共和国产品质量法》（攻击测试）",
        "legal_basis": "测试法律依据",
        "decision_date": today_plus(-10),
        **penalty_fields(),
    }


def _credit_upload(world: World) -> bytes:
    columns = "kind,uscc,source_agency_uscc,document_number,title,legal_basis,decision_date"
    fields = penalty_fields()
    row = (
        f"penalty,{CREDIT_USCC},{world.ids['bj_samr_uscc']},京市监攻〔3〕号,攻击测试,"
        f"测试法律依据,{today_plus(-10)}"
    )
    header = ",".join([columns, *fields])
    return f"{header}\n{row},{','.join(fields.values())}\n".encode()


def _weather(target_days: int) -> dict[str, Any]:
    return {
        "city_code": "110000",
        "target_date": today_plus(target_days),
        "issued_at": f"{today_plus(0)}T06:00:00+08:00",
        "source": "attack test",
        "temp_mean": -3.5,
    }


def credit_writes(world: World) -> list[Write]:
    """The credit domain's writes, aimed at the Beijing market regulator's objects; the public
    forms (objections, repairs, commitments, self-declarations) are open to anyone."""
    return [
        Write(
            "POST",
            "/credit/subjects",
            {"uscc": synthetic_uscc("91", "110108", 77002), "name": "京攻击测试有限公司（虚构）"},
        ),
        Write("POST", "/credit/records", _credit_record(world, "京市监攻〔1〕号")),
        Write(
            "POST", "/credit/records/batch", {"records": [_credit_record(world, "京市监攻〔2〕号")]}
        ),
        Write(
            "POST",
            "/credit/records/upload",
            files={"file": ("r.csv", _credit_upload(world), "text/csv")},
        ),
        Write("POST", "/credit/records/{credit_pending}/publish"),
        Write("POST", "/credit/records/{credit_entry}/lift", {"reason": "attack"}),
        Write(
            "POST",
            "/credit/objections",
            {
                "record_id": world.ids["credit_objection_record"],
                "objector_name": "攻击测试",
                "objector_contact": "010-00000000",
                "reason": "attack",
            },
        ),
        Write(
            "POST",
            "/credit/objections/{credit_objection}/answer",
            {"outcome": "upheld", "answer": "attack"},
        ),
        Write(
            "POST",
            "/credit/repairs",
            {
                "record_id": world.ids["credit_repair_record"],
                "applicant_name": "攻击测试",
                "evidence": "attack",
            },
        ),
        Write(
            "POST",
            "/credit/repairs/{credit_repair}/decision",
            {"outcome": "rejected", "note": "attack"},
        ),
        Write(
            "POST",
            "/credit/commitments",
            {
                "uscc": CREDIT_USCC,
                "representative_name": "攻击测试",
                "purpose": "attack",
                "content": "attack",
                "organisation_id": world.ids["bj_samr"],
            },
        ),
        Write(
            "POST",
            "/credit/commitments/{credit_commitment}/outcome",
            {"outcome": "kept", "note": "attack"},
        ),
        Write(
            "POST",
            "/credit/declarations",
            {
                "uscc": CREDIT_USCC,
                "kind": "other",
                "title": "attack",
                "declared_by_name": "攻击测试",
            },
        ),
        Write("POST", "/credit/declarations/{credit_declaration}/withdraw"),
    ]


def writes(world: World) -> list[Write]:
    """The write operations, aimed at Beijing's objects (owner: the Beijing ecology bureau)."""
    bj_env = world.people.organisations["bj_env"]
    value = {
        "indicator_code": YEAR_INDICATOR,
        "jurisdiction_code": "110000",
        "period": "2024",
        "value": 1.5,
        "source": "attack test",
    }
    csv_obs = b"station_code,ts,pm2_5\n1001A,2016-12-20T00:00:00Z,5\n"
    csv_values = b"indicator_code,jurisdiction_code,period,value,unit,source,note\n" + (
        f"{YEAR_INDICATOR},110000,2023,2.5,,attack test,\n".encode()
    )
    weather = {**_weather(2), "target_hour": ""}  # a day (a file without the column: a 500)
    csv_weather = (",".join(weather) + "\n" + ",".join(map(str, weather.values())) + "\n").encode()
    return [
        Write(
            "POST",
            "/organisations",
            {
                "uscc": demo_uscc("110000", 99),
                "name_zh": "北京测试局",
                "name_en": "Beijing test bureau",
                "jurisdiction_code": "110000",
            },
        ),
        Write("DELETE", "/tokens/{bj_token}"),
        Write(
            "POST",
            "/users",
            {
                "username": "bj-intruder",
                "display_name": "planted steward",
                "password": "Correct-Horse-Battery-9",
                "role": "steward",
                "organisation_id": bj_env,
            },
        ),
        Write("POST", "/jobs/{job}/retry"),
        Write("POST", "/notifications/{notification}/read"),
        Write("POST", "/notifications/read-all"),
        Write("PUT", "/notifications/preferences", {"email": "x@example.org", "email_kinds": []}),
        Write("POST", "/datasets", {"code": "BJ-PLANTED", **_dataset_body(bj_env)}),
        Write("PUT", f"/datasets/{BJ_DATASET}", _dataset_body(bj_env, title_en="Defaced")),
        Write("POST", f"/datasets/{BJ_DATASET}/records", {"rows": [{"permit_no": "P-1"}]}),
        Write(
            "POST",
            "/access-requests/{pending_request}/decision",
            {"decision": "reject", "reason": "attack"},
        ),
        Write("POST", "/access-grants/{grant}/revoke", {"reason": "attack"}),
        Write("POST", "/air/observations", {"observations": [obs("1001A")]}),
        Write("POST", "/air/observations/csv", files={"file": ("o.csv", csv_obs, "text/csv")}),
        Write(
            "POST",
            "/warnings",
            {
                "cities": ["110000"],
                "level": "orange",
                "start_date": today_plus(1),
                "end_date": today_plus(3),
                "max_aqi": 250.0,
            },
        ),
        Write(
            "POST",
            "/warnings/criteria/adoptions",
            {
                "jurisdiction_code": "110000",
                "criteria_code": "bth-2019",
                "effective_from": today_plus(30),
            },
        ),
        Write(
            "POST",
            "/warnings/webhooks",
            {"url": "https://planted.example/h", "event_types": ["*"]},
        ),
        Write("POST", "/warnings/webhooks/{subscription}/rotate", {}),
        Write("POST", "/warnings/webhooks/{subscription}/active", {"active": False}),
        Write("POST", "/warnings/webhooks/deliveries/{job}/retry"),
        Write("POST", "/warnings/{warning}/consultation", {}),
        Write("POST", "/warnings/{warning}/answers", {"answer": "agree"}),
        Write("POST", "/warnings/{warning}/issue", {}),
        Write("POST", "/warnings/{warning}/level", {"level": "red"}),
        Write("POST", "/warnings/{warning}/lift", {"reason": "attack"}),
        Write("POST", "/warnings/{warning}/withdraw", {"reason": "attack"}),
        Write(
            "POST",
            "/progress/agreements",
            {
                "code": "planted",
                "title_zh": "假协议",
                "title_en": "Planted agreement",
                "parties": ["110000", "120000"],
            },
        ),
        Write(
            "POST",
            "/progress/commitments",
            {
                "agreement_code": "bj-tj-integration",
                "code": "planted-01",
                "text_zh": "假承诺",
                "text_en": "Planted commitment",
                "area": "ecology",
                "lead_jurisdiction_code": "110000",
            },
        ),
        Write(
            "POST",
            f"/progress/commitments/{BJ_COMMITMENT}/status-changes",
            {"status": "cancelled", "changed_on": today_plus(0)},
        ),
        Write(
            "POST",
            f"/progress/commitments/{BJ_COMMITMENT}/evidence",
            {"url": "https://planted.example/doc", "title": "planted"},
        ),
        Write(
            "POST",
            "/progress/indicators",
            {
                "code": "planted",
                "name_zh": "假指标",
                "name_en": "Planted",
                "unit": "%",
                "direction": "higher_is_better",
                "period_type": "year",
                "area": "ecology",
            },
        ),
        Write("POST", "/progress/values", value),
        Write("POST", "/progress/values/batch", {"values": [value]}),
        Write("DELETE", "/progress/values/{bj_value}"),
        Write(
            "POST",
            "/progress/targets",
            {
                "indicator_code": YEAR_INDICATOR,
                "jurisdiction_code": "110000",
                "target_value": 99.0,
                "target_year": 2030,
            },
        ),
        Write("POST", "/progress/upload", files={"file": ("v.csv", csv_values, "text/csv")}),
        Write("POST", "/warnings/weather-forecasts", {"rows": [_weather(1)]}),
        Write(
            "POST",
            "/warnings/weather-forecasts/csv",
            files={"file": ("w.csv", csv_weather, "text/csv")},
        ),
        *credit_writes(world),
        *water_writes(world),
        *sources_writes(world),
        # A DCSA event at Tianjin Xingang: no persona operates a port, so only the office
        # records it (ports/policy.py).
        Write(
            "POST",
            "/ports/events",
            {
                "eventID": "a77ac000-0000-4000-8000-000000000001",
                "eventType": "EQUIPMENT",
                "eventClassifierCode": "ACT",
                "eventCreatedDateTime": "2026-09-01T10:00:00+08:00",
                "eventDateTime": "2026-09-01T10:00:00+08:00",
                "equipmentEventTypeCode": "DISC",
                "equipmentReference": "CSQU3054383",
                "emptyIndicatorCode": "LADEN",
                "transportCall": {
                    "transportCallID": "attack",
                    "UNLocationCode": "CNTXG",
                    "modeOfTransport": "VESSEL",
                },
            },
        ),
        Write(
            "POST",
            "/access-requests",
            {
                "dataset_code": BJ_CONDITIONAL,
                "purpose": "attack",
                "fields": ["uscc"],
                "period_start": today_plus(0),
                "period_end": today_plus(30),
            },
        ),
        Write("POST", "/tokens", {"name": "attack"}),
        Write(
            "POST",
            "/me/password",
            {"current_password": world.people.password, "new_password": NEW_PASSWORD},
        ),
        # Last: they lock a Beijing steward out and let it in again.
        Write("POST", "/users/bj-stats/deactivate"),
        Write("POST", "/users/bj-stats/reactivate"),
        Write("POST", "/users/bj-stats/password", {"new_password": NEW_PASSWORD}),
    ]


def reads() -> list[str]:
    """A GET of each operation that can serve something not public, aimed at Beijing's objects
    (the other GET operations serve public data, or each reader's own view of a listing)."""
    return [
        "/audit/entries",
        "/audit/verify",
        "/me",
        "/tokens",
        "/users",
        "/jobs",
        f"/datasets/{BJ_NOT_SHARED}",
        f"/datasets/{BJ_NOT_SHARED}/access",
        f"/datasets/{BJ_NOT_SHARED}/records",
        f"/datasets/{BJ_CONDITIONAL}/records",
        f"/datasets/{BJ_DATASET}/records",
        # and the other provinces' datasets that are not for everyone
        "/datasets/TJ-ENV-COMPLAINTS/records",
        "/datasets/TJ-ENV-ONLINE-MONITORING/records",
        "/datasets/HE-STATS-CENSUS-MICRO/records",
        # whole-dataset downloads read through the same access
        f"/datasets/{BJ_NOT_SHARED}/download.csv",
        "/datasets/TJ-ENV-ONLINE-MONITORING/download.jsonl",
        "/datasets/HE-STATS-CENSUS-MICRO/download.parquet",
        f"/datasets/{BJ_DATASET}",
        "/access-requests",
        "/access-requests/{pending_request}",
        "/access-grants",
        "/access-grants/{grant}",
        "/air/stations/1001A/observations",
        "/air/export?kind=raw&station=1001A",
        "/warnings/webhooks",
        "/warnings/webhooks/dead-letters",
        "/warnings/{warning}",
        # the credit registry: a pending record, the agencies' desks and queues, the joint check
        "/credit/records/{credit_pending}",
        "/credit/objections",
        "/credit/objections/{credit_objection}",
        "/credit/repairs",
        "/credit/repairs/{credit_repair}",
        "/credit/commitments",
        "/credit/publication/queue",
        "/credit/publication/timeliness",
        "/credit/check?uscc={credit_uscc}&purpose=procurement",
        # a water incident (Beijing and Hebei are told, Tianjin is not) and a sample batch
        "/water/incidents/{water_incident}",
        "/water/ingestions/{water_ingestion}",
        *sources_reads(),
    ]
