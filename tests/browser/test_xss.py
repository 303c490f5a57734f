"""Stored XSS: a script stored in any free-text field never runs, on any page.

An attacker's strings go in through the services, as the fixtures build data: dataset titles,
descriptions, field units and descriptions, access request purposes and decision reasons,
organisation names, a user's display name (shown by the API only), indicator names, units and
descriptions, agreement titles, commitment texts, status notes, evidence titles, value sources
and notes, target sources, consultation answers and lift reasons, webhook descriptions. (Station
names are not writable: the stations come from the fixed national list.) Then every page of the
statement-budget list and the detail pages of the objects just made are read:

- as HTML (TestClient, SQLite and PostgreSQL): the markup of the payload never appears
  unescaped, and every page carries the Content-Security-Policy without inline scripts;
- in chromium (SQLite), anonymous and as the coordination office: no payload script ran
  (``window.__xss`` stays undefined, no dialog opened) and no page broke its own CSP (every
  ``securitypolicyviolation`` event is recorded by an init script).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import service as accounts
from jingjinji.accounts.schemas import UserIn
from jingjinji.air import demo as air_demo
from jingjinji.catalog import demo as catalog_demo
from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import AccessRequestIn, DecisionIn
from jingjinji.credit import demo as credit_demo
from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.credit.schemas.records import RecordIn
from jingjinji.credit.schemas.services import DeclarationIn
from jingjinji.credit.schemas.subjects import SubjectIn
from jingjinji.credit.service import declarations, publication, records, subjects
from jingjinji.demo import DemoContext
from jingjinji.progress import demo as progress_demo
from jingjinji.progress import service as progress
from jingjinji.progress.schemas import TargetIn
from jingjinji.regions import service as regions
from jingjinji.regions import uscc
from jingjinji.regions.schemas import OrganisationIn
from jingjinji.security import SYSTEM_ACTOR, Actor, Role
from jingjinji.sources.models import OutletKind
from jingjinji.sources.schemas.enforcement import CaseCloseIn, CaseOpenIn, TaskDoneIn, TaskIn
from jingjinji.sources.schemas.registry import EnterpriseIn, FactorIn, LoggerIn, OutletIn
from jingjinji.sources.service import cases as source_cases
from jingjinji.sources.service import exceedances as source_exceedances
from jingjinji.sources.service import registry as source_registry
from jingjinji.timezone import china_today
from jingjinji.warnings import demo as warnings_demo
from jingjinji.warnings import service as warnings
from jingjinji.warnings import webhooks
from jingjinji.water.schemas.incidents import IncidentIn, MeasureIn
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.schemas.sections import SectionIn
from jingjinji.water.service import incidents as water_incidents
from jingjinji.water.service import samples as water_samples
from jingjinji.water.service import sections as water_sections
from tests.browser_support import LiveServer, browser_login
from tests.conftest import People, login
from tests.sources.enforcement_support import hourly, store
from tests.test_statement_budgets import BUDGETS

# Breaks out of an attribute, a <script> block and a template; each part sets window.__xss.
PAYLOAD = (
    "'\"><svg onload=window.__xss=1><img src=x onerror=window.__xss=1>"
    "</script><script>window.__xss=1</script>{{7*7}}"
)
# For columns of 40 characters (units): out of a <script> block and into an element.
SHORT = "'\"></script><svg onload=__xss=1>"
# What the payloads look like when a page failed to escape them.
RAW_MARKUP = ("<svg onload", "<img src=x onerror", "<script>window.__xss")
DATASET = "XSS-PAYLOAD"
INDICATOR = "bh_pm25"
COMMITMENT = "bjtj-23"
SOURCES_PAGES_SHOWING = ("/sources/outlets/", "/sources/exceedances", "/sources/cases")
XSS_USER = "xss-display"
XSS_PASSWORD = "Stored-XSS tests: a long unusual password 7431"


def _payloaded_progress(documents: dict[str, Any]) -> dict[str, Any]:
    """The progress demo documents with the payload in every free-text value."""
    for ind in documents["indicators"]:
        ind.update(name_zh=PAYLOAD, name_en=PAYLOAD, unit=SHORT, description=PAYLOAD)
    for ag in documents["agreements"]:
        ag.update(title_zh=PAYLOAD, title_en=PAYLOAD, source_document=PAYLOAD)
    for c in documents["commitments"]:
        c.update(text_zh=PAYLOAD, text_en=PAYLOAD, locator=PAYLOAD)
        if c["status"] != "in_progress":
            c["status_note"] = PAYLOAD
        for ev in c["evidence"]:
            ev["title"] = PAYLOAD
    for v in documents["values"]:
        v.update(locator=PAYLOAD, note=PAYLOAD)
    return documents


def _store_payloads(
    factory: sessionmaker[Session], people: People, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """The demo data with the payload in every free-text field; returns the detail pages of the
    objects made here."""
    documents = _payloaded_progress(progress_demo.demo_data())
    monkeypatch.setattr(progress_demo, "demo_data", lambda: documents)
    ctx = DemoContext(values={"organisations": people.organisations, "skip_air_history": True})
    for module in (catalog_demo, air_demo, warnings_demo, progress_demo, credit_demo):
        with factory() as session:
            module.load(session, ctx)
            session.commit()
    credit_pages = _credit_payloads(factory, people)
    water_pages = _water_payloads(factory, people)
    sources_pages = _sources_payloads(factory, people)
    with factory() as session:

        def user(name: str) -> Actor:
            return accounts.actor_of(accounts.get_user(session, username=name), channel="api")

        office = user("office")
        progress.set_target(
            session,
            actor=SYSTEM_ACTOR,
            data=TargetIn(
                indicator_code=INDICATOR,
                jurisdiction_code="120116",
                target_value=30,
                target_year=2030,
                source=PAYLOAD,
            ),
        )
        body = "91110000" + "X0000000A"
        org = regions.create_organisation(
            session,
            actor=SYSTEM_ACTOR,
            data=OrganisationIn(
                uscc=body + uscc.check_character(body),
                name_zh=PAYLOAD,
                name_en=PAYLOAD,
                jurisdiction_code="110000",
            ),
        )
        demo_sets = catalog_demo.demo_datasets(people.organisations)
        template = next(d for d in demo_sets if d.code == "BJ-ENV-PENALTY")
        catalog.ensure_dataset(
            session,
            actor=SYSTEM_ACTOR,
            data=template.model_copy(
                update={
                    "code": DATASET,
                    "title_zh": PAYLOAD,
                    "title_en": PAYLOAD,
                    "description_zh": PAYLOAD,
                    "description_en": PAYLOAD,
                    "fields": [
                        f.model_copy(update={"unit": SHORT, "description": PAYLOAD})
                        for f in template.fields
                    ],
                }
            ),
        )
        today = china_today()
        field_names = [template.fields[0].name]
        for i in range(2):
            request = catalog.create_access_request(
                session,
                actor=user("tj-analyst"),
                data=AccessRequestIn(
                    dataset_code=DATASET,
                    purpose=PAYLOAD,
                    fields=field_names,
                    period_start=today,
                    period_end=today + dt.timedelta(days=30),
                ),
            )
            if i == 0:
                catalog.decide_access_request(
                    session,
                    actor=user("bj-env"),
                    request_id=request.id,
                    data=DecisionIn(decision="reject", reason=PAYLOAD),
                )
        accounts.create_user(
            session,
            actor=SYSTEM_ACTOR,
            data=UserIn(
                username=XSS_USER,
                display_name=PAYLOAD,
                password=XSS_PASSWORD,
                role=Role.ANALYST,
                jurisdiction_code="110000",
                organisation_id=org.id,
            ),
        )
        webhooks.create_subscription(
            session,
            actor=office,
            url="https://hooks.example.org/jjj",
            event_types=["*"],
            description=PAYLOAD,
            resolver=lambda host, port: ["93.184.216.34"],
        )
        warning_ids = []
        for lifted in (True, False):
            w = warnings.propose(
                session,
                actor=office,
                cities=["110000", "120000"],
                level="orange",
                start=today,
                end=today + dt.timedelta(days=2),
                max_aqi=260,
                criteria_code="bth-2017",
                basis="manual",
            )
            warnings.open_consultation(session, actor=office, warning_id=w.id)
            for name in ("bj-env", "tj-env", "he-env"):
                warnings.answer(
                    session, actor=user(name), warning_id=w.id, agree=True, reason=PAYLOAD
                )
            if lifted:
                warnings.issue(session, actor=office, warning_id=w.id)
                warnings.lift(session, actor=office, warning_id=w.id, reason=PAYLOAD)
            warning_ids.append(w.id)
        session.commit()
    return [
        *credit_pages,
        *water_pages,
        *sources_pages,
        f"/catalog/{DATASET}",
        f"/progress/indicators/{INDICATOR}",
        f"/progress/commitments/{COMMITMENT}",
        "/progress/report",
        "/progress/upload",
        *(f"/warnings/{i}" for i in warning_ids),
        "/warnings/admin/webhooks",
        "/air/cities/110000",
        "/air/upload",
        "/account",
        "/login",
        "/api/v1/docs",
        f"/api/v1/datasets/{DATASET}",
        "/api/v1/users",
    ]


def _credit_payloads(factory: sessionmaker[Session], people: People) -> list[str]:
    """A credit subject named with the payload, a published penalty and a self-declaration
    carrying it; returns the pages that show them."""
    code = synthetic_uscc("91", "110105", 88_888_888)
    with factory() as session:
        subjects.register_subject(
            session,
            actor=SYSTEM_ACTOR,
            data=SubjectIn(uscc=code, name=PAYLOAD[:300], legal_representative=SHORT),
        )
        record = records.create_record(
            session,
            actor=SYSTEM_ACTOR,
            data=RecordIn.model_validate(
                {
                    "kind": "penalty",
                    "uscc": code,
                    "source_organisation_id": people.organisations["bj_samr"],
                    "document_number": PAYLOAD[:120],
                    "title": PAYLOAD[:300],
                    "legal_basis": PAYLOAD,
                    "facts": PAYLOAD,
                    "content": PAYLOAD,
                    "decision_date": china_today().isoformat(),
                    "severity": "ordinary",
                }
            ),
        )
        publication.publish_record(session, actor=SYSTEM_ACTOR, record_id=record.id)
        declarations.declare(
            session,
            actor=None,
            data=DeclarationIn(
                uscc=code,
                kind="honour",
                title=PAYLOAD[:300],
                content=PAYLOAD,
                declared_by_name=SHORT,
            ),
        )
        session.commit()
    return [f"/credit/subjects/{code}", f"/credit?q={code}", f"/api/v1/credit/subjects/{code}"]


def _water_payloads(factory: sessionmaker[Session], people: People) -> list[str]:
    """A cross-border section named with the payload, a sample at it, and an incident whose
    report, measure and closure carry it; returns the pages that show them."""
    code = "XSS-W-1"
    with factory() as session:
        water_sections.save_section(
            session,
            actor=SYSTEM_ACTOR,
            data=SectionIn.model_validate(
                {
                    "code": code,
                    "name_zh": PAYLOAD[:100],
                    "name_en": PAYLOAD[:100],
                    "river_zh": PAYLOAD[:60],
                    "river_en": PAYLOAD[:60],
                    "river_system": SHORT,
                    "kind": "cross_border",
                    "longitude": 116.9,
                    "latitude": 39.8,
                    "jurisdiction_code": "110000",
                    "organisation_id": people.organisations["bj_env"],
                    "upstream_jurisdiction_code": "110000",
                    "downstream_jurisdiction_code": "130000",
                    "source": PAYLOAD,
                }
            ),
        )
        at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=40)
        water_samples.record_samples(
            session,
            actor=SYSTEM_ACTOR,
            rows=[SampleIn(section_code=code, sampled_at=at, kind="manual", item="nh3n", value=1)],
            channel="api",
            source=PAYLOAD,
        )
        incident = water_incidents.report_incident(
            session,
            actor=SYSTEM_ACTOR,
            data=IncidentIn(
                section_code=code,
                summary=PAYLOAD,
                severity="serious",
                observed_at=at,
                location=PAYLOAD[:300],
                estimated_amount=PAYLOAD[:200],
            ),
        )
        water_incidents.record_measure(
            session, actor=SYSTEM_ACTOR, incident_id=incident.id, data=MeasureIn(text=PAYLOAD)
        )
        session.commit()
    return [
        "/water",
        f"/water/sections/{code}",
        "/water/incidents",
        f"/water/incidents/{incident.id}",
        f"/api/v1/water/sections/{code}",
        f"/api/v1/water/incidents/{incident.id}",
    ]


def _sources_payloads(factory: sessionmaker[Session], people: People) -> list[str]:
    """A Beijing enterprise and its outlet named with the payload (near the Hebei border), a
    COD limit exceeded three times: a closed case whose title, task description, result and
    conclusion carry the payload, an open case with such a task, and an event still open;
    returns the pages that show them."""
    with factory() as session:
        enterprise = source_registry.save_enterprise(
            session,
            actor=SYSTEM_ACTOR,
            data=EnterpriseIn(
                uscc=synthetic_uscc("91", "110115", 88_888_001),
                name_zh=PAYLOAD[:200],
                name_en=PAYLOAD[:200],
                jurisdiction_code="110000",
                industry=SHORT,
                synthetic=True,
            ),
        )
        outlet = source_registry.save_outlet(
            session,
            actor=SYSTEM_ACTOR,
            enterprise_id=enterprise.id,
            data=OutletIn(
                code="DW-XSS",
                name_zh=PAYLOAD[:200],
                name_en=PAYLOAD[:200],
                kind=OutletKind.WASTEWATER,
                longitude=116.6,
                latitude=39.6,
                border_distance_km=3.0,
                neighbour_jurisdiction_code="130000",
            ),
        )
        logger = source_registry.save_logger(
            session,
            actor=SYSTEM_ACTOR,
            outlet_id=outlet.id,
            data=LoggerIn(mn="XSS-W-001", password="123456", protocol_version=2017, st="32"),
        )
        source_registry.save_factor(
            session,
            actor=SYSTEM_ACTOR,
            outlet_id=outlet.id,
            data=FactorIn(code="w01018", unit="mg/L", hourly_limit=30.0, daily_limit=20.0),
        )
        session.commit()
        logger_id = logger.id
    batch = store(factory, logger_id, hourly("w01018", [40, 20, 50, 20, 60, 20]))
    with factory() as session:
        events = sorted(e.id for e in source_exceedances.detect_for_batch(session, batch_id=batch))
        case_ids, task_ids = [], []
        for event in events[:2]:
            case = source_cases.open_case(
                session,
                actor=SYSTEM_ACTOR,
                data=CaseOpenIn(exceedance_ids=[event], title=PAYLOAD[:300]),
            )
            task = source_cases.add_task(
                session,
                actor=SYSTEM_ACTOR,
                case_id=case.id,
                data=TaskIn.model_validate(
                    {
                        "kind": "inspection",
                        "organisation_id": people.organisations["he_env"],
                        "due_at": "2099-01-01T09:00",
                        "description": PAYLOAD,
                    }
                ),
            )
            case_ids.append(case.id)
            task_ids.append(task.id)
        source_cases.complete_task(
            session,
            actor=SYSTEM_ACTOR,
            case_id=case_ids[0],
            task_id=task_ids[0],
            data=TaskDoneIn(result=PAYLOAD),
        )
        source_cases.close_case(
            session, actor=SYSTEM_ACTOR, case_id=case_ids[0], data=CaseCloseIn(conclusion=PAYLOAD)
        )
        session.commit()
    return [
        "/sources",
        f"/sources/outlets/{outlet.id}",
        "/sources/exceedances",
        "/sources/cases",
        *(f"/sources/cases/{i}" for i in case_ids),
        f"/api/v1/sources/enterprises/{enterprise.id}",
        f"/api/v1/sources/outlets/{outlet.id}",
        f"/api/v1/sources/outlets/{outlet.id}/series?cn=2061",
        *(f"/api/v1/sources/cases/{i}" for i in case_ids),
        "/api/v1/sources/exceedances",
    ]


def _urls(details: list[str]) -> list[str]:
    return list(dict.fromkeys([*BUDGETS, *details]))


def _check_html(client: TestClient, urls: list[str], who: str) -> int:
    """Every page's HTML escapes the payloads; returns how many pages showed them (escaped)."""
    shown = 0
    for url in urls:
        response = client.get(url)
        # Anonymous visitors are refused the non-public pages; the office reads every one.
        allowed = (200, 401, 403, 404) if who == "anonymous" else (200,)
        assert response.status_code in allowed, (who, url, response.status_code)
        kind = response.headers["content-type"]
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        if not kind.startswith("text/html"):
            assert kind.startswith(("application/json", "application/problem+json")), (url, kind)
            continue
        html = response.text
        raw = [m for m in RAW_MARKUP if m in html]
        assert raw == [], f"{who} {url}: unescaped payload {raw}"
        shown += "&lt;svg onload" in html or "\\u003csvg onload" in html
    return shown


def test_stored_payloads_are_escaped_in_every_page(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    urls = _urls(_store_payloads(session_factory, people, monkeypatch))
    anonymous = _check_html(client, urls, "anonymous")
    login(client, "office", people.password)
    office = _check_html(client, urls, "office")
    # Each sources page that names the enterprise, outlet or cases shows the office the payload.
    for url in urls:
        if url == "/sources" or url.startswith(SOURCES_PAGES_SHOWING):
            html = client.get(url).text
            assert "&lt;svg onload" in html or "\\u003csvg onload" in html, url
    # The payloads are on the pages (escaped), so the check above looked at them.
    assert anonymous >= 8, anonymous
    assert office >= 12, office


# Recorded before any page script runs: CSP violations and dialogs a payload might open.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" +
                    e.lineNumber);
});
"""


def _visit_all(page: Any, server: LiveServer, urls: list[str], who: str) -> list[str]:
    problems: list[str] = []
    for url in urls:
        page.goto(f"{server.url}{url}", wait_until="load")
        page.wait_for_timeout(150)  # charts draw and fetch after load
        ran = page.evaluate("typeof window.__xss")
        if ran != "undefined":
            problems.append(f"{who} {url}: a payload script ran")
        violations = page.evaluate("window.__csp || []")
        problems += [f"{who} {url}: CSP violation {v}" for v in violations]
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_stored_payloads_never_run_in_a_browser(
    page: Any,
    live_server: LiveServer,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    details = _store_payloads(live_server.session_factory, people, monkeypatch)
    urls = [u for u in _urls(details) if not u.startswith("/api/v1/") or u == "/api/v1/docs"]
    dialogs: list[str] = []
    console: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(WATCH)
    problems = _visit_all(page, live_server, urls, "anonymous")
    browser_login(page, live_server, "office", people.password)
    problems += _visit_all(page, live_server, urls, "office")
    assert problems == [], "\n".join(problems)
    assert dialogs == [], dialogs
    assert console == [], console
