"""E-mail: a real SMTP sink (aiosmtpd) on loopback receives what the job sends, in the
recipient's language, only for the kinds they chose; with the SMTP server down the request
still succeeds and the job retries until the server is back. ``jjj notifications test-email``
checks the configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DecisionIn
from jingjinji.cli import app as cli
from jingjinji.config import get_settings
from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job
from jingjinji.notifications import service
from jingjinji.notifications.schemas import PreferencesIn
from jingjinji.notifications.service import EMAIL_JOB, Kind
from tests.catalog.support import build_catalog, request_in
from tests.conftest import People
from tests.notifications.support import free_port, smtp_sink, use_smtp


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    yield
    get_settings.cache_clear()


def _prefer(
    session_factory: sessionmaker[Session],
    people: People,
    username: str,
    kinds: list[Kind],
    language: str = "zh_CN",
) -> str:
    address = f"{username}@example.org"
    with session_factory() as session:
        service.set_preferences(
            session,
            actor=people[username],
            data=PreferencesIn(email=address, language=language, email_kinds=kinds),
        )
        session.commit()
    return address


def _apply_over_http(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> int:
    request = request_in("BJ-COND", ["x"])
    response = client.post(
        "/api/v1/access-requests",
        json=request.model_dump(mode="json"),
        headers=people.headers(session_factory, "he-analyst"),
    )
    assert response.status_code == 201, response.text
    request_id: int = response.json()["id"]
    return request_id


def _emails(session_factory: sessionmaker[Session], username: str, people: People) -> list[str]:
    with session_factory() as session:
        page = service.list_inbox(session, actor=people[username])
        return [n.email_status for n in page.items]


def test_notifications_arrive_at_the_smtp_sink_as_each_recipient_chose(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    build_catalog(session_factory, people)
    with smtp_sink() as sink:
        use_smtp(monkeypatch, tmp_path, sink.port)
        steward = _prefer(session_factory, people, "bj-env", [Kind.ACCESS_REQUESTED])
        # Beijing's administrator wants e-mail of decisions only: the request stays in the inbox.
        admin = _prefer(session_factory, people, "bj-admin", [Kind.ACCESS_DECIDED])
        analyst = _prefer(session_factory, people, "he-analyst", [Kind.ACCESS_DECIDED], "en")

        request_id = _apply_over_http(client, people, session_factory)
        assert sink.received == []  # nothing is sent inside the request
        assert jobs.run_pending(session_factory) >= 1

        [message] = sink.to(steward)
        assert sink.to(admin) == []
        assert message["Subject"] == "[京津冀协同发展平台] 数据集 BJ-COND (BJ-COND) 有新的数据申请"
        assert message["From"] == "platform@jjj.test"
        text = message.get_body(preferencelist=("plain",))
        assert text is not None
        assert "he-analyst 申请字段 `x`" in text.get_content()
        assert "https://jjj.test/access-requests" in text.get_content()
        assert _emails(session_factory, "bj-env", people) == ["sent"]
        assert _emails(session_factory, "bj-admin", people) == ["none"]

        # The rejection's reason is the rejecter's text: escaped in the HTML part.
        with session_factory() as session:
            catalog.decide_access_request(
                session,
                actor=people["bj-env"],
                request_id=request_id,
                data=DecisionIn(decision="reject", reason="<script>alert(1)</script>"),
            )
            session.commit()
        jobs.run_pending(session_factory)
        [decision] = sink.to(analyst)
        assert "was rejected" in decision["Subject"]
        html = decision.get_body(preferencelist=("html",))
        assert html is not None
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.get_content()
        assert "<script>" not in html.get_content()
        plain = decision.get_body(preferencelist=("plain",))
        assert plain is not None and "Reason: <script>alert(1)</script>" in plain.get_content()


def test_smtp_down_the_request_succeeds_and_the_job_retries_until_it_is_back(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    build_catalog(session_factory, people)
    port = free_port()  # nothing listens there yet
    use_smtp(monkeypatch, tmp_path, port)
    steward = _prefer(session_factory, people, "bj-env", [Kind.ACCESS_REQUESTED])

    _apply_over_http(client, people, session_factory)  # 201 although no SMTP server answers
    jobs.run_pending(session_factory)
    with session_factory() as session:
        [job] = [
            j for j in jobs.list_jobs(session, actor=people["office"]).items if j.kind == EMAIL_JOB
        ]
        assert job.status == "queued" and job.attempts == 1  # retried after the backoff
        assert job.last_error and "notification" in job.last_error
        assert job.run_after > job.created_at
        job_id = job.id
    assert _emails(session_factory, "bj-env", people) == ["queued"]
    with session_factory() as session:
        [note] = service.list_inbox(session, actor=people["bj-env"]).items
        assert note.email_error and "ConnectionRefusedError" in note.email_error

    with smtp_sink(port) as sink:
        assert jobs.run_pending(session_factory) == 0  # not due yet: the backoff holds it
        with session_factory() as session:
            jobs.retry(session, actor=people["office"], job_id=job_id)  # due now
            session.commit()
        assert jobs.run_pending(session_factory) == 1
        assert len(sink.to(steward)) == 1
    with session_factory() as session:
        job_row = session.get(Job, job_id)
        assert job_row is not None and job_row.status == "done"
    assert _emails(session_factory, "bj-env", people) == ["sent"]


def test_test_email_command_reaches_the_sink_or_names_the_problem(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runner = CliRunner()
    with smtp_sink() as sink:
        use_smtp(monkeypatch, tmp_path, sink.port)
        result = runner.invoke(
            cli, ["notifications", "test-email", "ops@example.org", "--lang", "en"]
        )
        assert result.exit_code == 0, result.output
        [message] = sink.to("ops@example.org")
        assert message["Subject"] == "Test message from the Jing-Jin-Ji coordination platform"
    down = free_port()
    use_smtp(monkeypatch, tmp_path, down)
    result = runner.invoke(cli, ["notifications", "test-email", "ops@example.org"])
    assert result.exit_code == 1 and f"127.0.0.1:{down}" in result.output
    result = runner.invoke(cli, ["notifications", "test-email", "not-an-address"])
    assert result.exit_code == 1 and "not one e-mail address" in result.output
