"""Forged form posts, kept as a test: every web form, signed in as the coordination office (who
may do nearly everything, so only the CSRF check stands in the way), posted without a token,
with another session's token, with a planted nonce cookie and its token, with the right token in
the wrong place, and as a GET. All are refused and change nothing.

Issue 10's attack: 0 of 76 forged posts accepted; this makes at least as many per backend."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import domains, views, web
from tests.conftest import People, csrf_from, login
from tests.security.ports_world import GATE_IN
from tests.security.support import (
    CREDIT_USCC,
    World,
    build_world,
    changed_tables,
    table_digests,
)

ISSUE_FORGERIES = 76
PAGE = "/account"  # a signed-in page carrying the session's CSRF token


@dataclass(frozen=True)
class Form:
    path: str
    data: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] | None = None
    anonymous: bool = False  # a form of a visitor not signed in (its token binds a nonce)


def _forms(world: World) -> list[Form]:
    ids = world.ids
    csv = ("o.csv", b"station_code,ts,pm2_5\n1001A,2016-12-20T00:00:00Z,5\n", "text/csv")
    return [
        Form("/login", {"username": "office", "password": world.people.password}, anonymous=True),
        Form("/login/totp", {"code": "123456"}, anonymous=True),
        Form("/logout", {}),
        Form("/account/tokens", {"name": "forged", "days_valid": "30"}),
        Form(f"/account/tokens/{ids['bj_token']}/revoke", {}),
        Form(
            "/account/password",
            {"current_password": world.people.password, "new_password": "Forged-Pass-Word-77"},
        ),
        Form("/account/totp", {}),
        Form("/account/totp/confirm", {"code": "123456"}),
        Form("/account/totp/disable", {"password": world.people.password, "code": "123456"}),
        Form("/account/users/bj-env/password", {"new_password": "Forged-Pass-Word-77"}),
        Form("/account/users/bj-env/active", {"active": "false"}),
        Form(f"/notifications/{ids['notification']}/read", {"follow": "true"}),
        Form("/notifications/read-all", {}),
        Form(
            "/notifications/preferences",
            {"email": "x@example.org", "email_kinds": "incident_opened"},
        ),
        Form(
            "/catalog/BJ-ENV-PENALTY/apply",
            {"purpose": "forged", "period_start": "2026-01-01", "period_end": "2026-12-31"},
        ),
        Form(f"/access-requests/{ids['pending_request']}/decide", {"decision": "reject"}),
        Form(f"/access-grants/{ids['grant']}/revoke", {"reason": "forged"}),
        Form("/air/upload", {}, files={"file": csv}),
        Form("/warnings/admin/webhooks", {"url": "https://forged.example/h", "event_types": "*"}),
        Form(f"/warnings/admin/webhooks/{ids['subscription']}/rotate", {}),
        Form(f"/warnings/admin/webhooks/{ids['subscription']}/active", {"active": "0"}),
        Form(f"/warnings/admin/deliveries/{ids['job']}/retry", {}),
        Form(f"/warnings/{ids['warning']}/open-consultation", {}),
        Form(f"/warnings/{ids['warning']}/answer", {"answer": "agree"}),
        Form(f"/warnings/{ids['warning']}/issue", {"level": "red"}),
        Form(f"/warnings/{ids['warning']}/level", {"level": "red"}),
        Form(f"/warnings/{ids['warning']}/lift", {"reason": "forged"}),
        Form(f"/warnings/{ids['warning']}/withdraw", {"reason": "forged"}),
        Form(
            "/progress/commitments/bjtj-01/status",
            {"status": "cancelled", "changed_on": "2026-01-01"},
        ),
        Form("/progress/upload", {}, files={"file": ("v.csv", b"x\n", "text/csv")}),
        *_credit_forms(world),
        *_water_forms(world),
        *_sources_forms(world),
    ]


def _credit_forms(world: World) -> list[Form]:
    """The credit agency's and desks' forms and the public forms on a subject's page."""
    ids = world.ids
    subject = f"/credit/subjects/{CREDIT_USCC}"
    return [
        Form("/credit/agency/records", {"kind": "penalty", "uscc": CREDIT_USCC}),
        Form("/credit/agency/upload", {}, files={"file": ("r.csv", b"x\n", "text/csv")}),
        Form(f"/credit/agency/records/{ids['credit_pending']}/publish", {}),
        Form(f"/credit/agency/records/{ids['credit_entry']}/lift", {"reason": "forged"}),
        Form(f"/credit/agency/records/{ids['credit_entry']}/revise", {"title": "forged"}),
        Form(
            f"{subject}/object",
            {
                "record_id": str(ids["credit_objection_record"]),
                "objector_name": "forged",
                "objector_contact": "010-00000000",
                "reason": "forged",
            },
        ),
        Form(
            f"{subject}/repair",
            {
                "record_id": str(ids["credit_repair_record"]),
                "applicant_name": "forged",
                "evidence": "forged",
            },
        ),
        Form(
            f"{subject}/commit",
            {
                "representative_name": "forged",
                "purpose": "forged",
                "content": "forged",
                "organisation_id": str(ids["bj_samr"]),
            },
        ),
        Form(
            f"{subject}/declare",
            {"kind": "other", "title": "forged", "declared_by_name": "forged"},
        ),
        Form(
            f"/credit/desk/objections/{ids['credit_objection']}/answer",
            {"outcome": "upheld", "answer": "forged"},
        ),
        Form(
            f"/credit/desk/repairs/{ids['credit_repair']}/decide",
            {"outcome": "rejected", "note": "forged"},
        ),
        Form(
            f"/credit/desk/commitments/{ids['credit_commitment']}/outcome",
            {"outcome": "kept", "note": "forged"},
        ),
    ]


def _water_forms(world: World) -> list[Form]:
    """The water upload and the incident forms."""
    incident = f"/water/incidents/{world.ids['water_incident']}"
    csv = ("s.csv", b"section_code,sampled_at,kind,nh3n\n", "text/csv")
    return [
        Form("/water/upload", {}, files={"file": csv}),
        Form(
            "/water/incidents/new",
            {
                "section_code": world.ids["water_section"],
                "summary": "forged",
                "severity": "general",
                "observed_at": "2026-01-01T08:00",
            },
        ),
        Form(f"{incident}/acknowledge", {}),
        Form(f"{incident}/answer", {"answer": "agree", "text": "forged"}),
        Form(f"{incident}/sampling", {"sampled_at": "2026-01-01T08:00", "values": "nh3n=1"}),
        Form(f"{incident}/measure", {"text": "forged"}),
    ]


def _sources_forms(world: World) -> list[Form]:
    """The enforcement forms: open a case, involve, give, complete a task, close."""
    ids = world.ids
    case = f"/sources/cases/{ids['sources_case']}"
    port_subscription = f"/ports/subscriptions/{ids['ports_office_subscription']}"
    return [
        Form("/sources/cases", {"exceedance_ids": str(ids["sources_open_event"]), "title": "f"}),
        Form(f"/sources/cases/{ids['sources_case_b']}/involve", {"jurisdiction_code": "120000"}),
        Form(
            f"{case}/tasks",
            {
                "kind": "inspection",
                "organisation_id": str(world.people.organisations["he_env"]),
                "due_at": "2099-01-01T09:00",
            },
        ),
        Form(f"{case}/tasks/{ids['sources_task']}/complete", {"result": "forged"}),
        Form(f"{case}/close", {"conclusion": "forged"}),
        Form("/ports/edifact", {}, files={"file": ("g.edi", GATE_IN.read_bytes(), "text/plain")}),
        Form("/ports/subscriptions", {"callback_url": "https://forged.example/dcsa"}),
        Form(f"{port_subscription}/secret", {}),
        Form(f"{port_subscription}/pause", {"paused": "true"}),
        Form(f"{port_subscription}/delete", {"confirm": "yes"}),
        Form(f"{port_subscription}/edit", {"callback_url": "https://forged.example/dcsa"}),
    ]


def _post_paths(routes: Iterable[Any], prefix: str = "") -> Iterator[str]:
    """POST paths of ``routes``, through routers a package's router includes (FastAPI keeps
    them as included routers with their prefix, not as copied routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            if "POST" in (route.methods or set()):
                yield prefix + route.path
        elif (context := getattr(route, "include_context", None)) is not None:
            yield from _post_paths(context.included_router.routes, prefix + context.prefix)


def _form_routes() -> set[str]:
    """The paths of every POST form of the pages (views), as templates."""
    routes: set[str] = set()
    for module in [views, *domains.modules("views")]:
        routes.update(_post_paths(module.router.routes))
    return routes


@pytest.fixture
def second_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as other:
        yield other


def _send(
    client: TestClient,
    form: Form,
    *,
    data: dict[str, Any],
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    files = form.files
    return client.post(
        form.path,
        data=data,
        files=files,
        params=params,
        headers={"accept": "text/html", **(headers or {})},
        follow_redirects=False,
    )


def test_forged_form_posts_are_refused_and_change_nothing(
    client: TestClient,
    second_client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    engine: Engine,
    app: FastAPI,
) -> None:
    world = build_world(client, session_factory, people)
    forms = _forms(world)
    covered = {f.path for f in forms}
    templates = _form_routes()
    assert len(forms) == len(templates), sorted(templates)
    # The victim: the office, signed in. The attacker: bj-admin in another browser.
    login(client, "office", people.password)
    victim_token = csrf_from(client.get(PAGE).text)
    login(second_client, "bj-admin", people.password)
    attacker_token = csrf_from(second_client.get(PAGE).text)
    # A nonce cookie and its token, as any visitor gets them from the login page.
    with TestClient(app) as visitor:
        login_page = visitor.get("/login").text
        planted_token = login_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        planted_nonce = visitor.cookies.get(web.csrf_cookie_name(app.state.settings))
    assert planted_nonce

    wrong: list[str] = []
    forged = 0
    for form in forms:
        attempts: dict[str, dict[str, Any]] = {
            "no token": {"data": form.data},
            "another session's token": {"data": {**form.data, "csrf_token": attacker_token}},
            "token in the wrong field": {"data": {**form.data, "csrf": victim_token}},
            "token in the query": {"data": form.data, "params": {"csrf_token": victim_token}},
            "malformed token": {"data": {**form.data, "csrf_token": "x." + "é" * 40}},
        }
        if not form.anonymous:
            attempts["planted nonce cookie and its token"] = {
                "data": {**form.data, "csrf_token": planted_token},
                "planted": True,
            }
        before = table_digests(engine)
        for what, request in attempts.items():
            planted = request.pop("planted", False)
            name = web.csrf_cookie_name(app.state.settings)
            if planted:
                client.cookies.set(name, planted_nonce)
            response = _send(client, form, **request)
            if planted:
                client.cookies.delete(name)
            forged += 1
            if response.status_code != 403:
                wrong.append(f"POST {form.path} with {what}: {response.status_code}")
        # A GET of the same URL with the form's fields never does the form's work (the digest
        # below): it is a 405, or the page the form is on.
        response = client.get(form.path, params={k: str(v) for k, v in form.data.items()})
        forged += 1
        if response.status_code >= 500:
            wrong.append(f"GET {form.path}: {response.status_code}")
        changed = changed_tables(before, table_digests(engine))
        if changed:
            wrong.append(f"{form.path}: forged requests changed {changed}")
    # The victim is still signed in (the forged logout did nothing), and the same post with its
    # own token in the right field is done: the refusals above were the CSRF check's.
    assert client.get(PAGE, follow_redirects=False).status_code == 200
    before = table_digests(engine)
    token_form = next(f for f in forms if f.path == "/account/tokens")
    done = _send(client, token_form, data={**token_form.data, "csrf_token": victim_token})
    assert done.status_code in {200, 303}, done.text[:300]
    assert "api_tokens" in changed_tables(before, table_digests(engine))
    print(f"\nCSRF: {forged} forged requests to {len(covered)} forms refused")
    assert not wrong, "\n".join(wrong)
    assert forged >= ISSUE_FORGERIES
