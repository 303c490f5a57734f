"""The EDIFACT intake's pages: the upload form posts the file (CSRF, htmx), the job records it,
the organisation's list and the submission's report show the status, the message problems by
segment and element and the events with links to their containers, in Chinese and English;
a refused upload shows its reason in the page."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts.demo import DEMO_PASSWORD
from jingjinji.jobs import service as jobs
from jingjinji.ports.kernels import edifact as kernel
from tests.conftest import csrf_from, login
from tests.ports.conftest import Ports
from tests.statements import count_request

FILES = Path(__file__).parents[2] / "src" / "jingjinji" / "ports" / "data" / "edifact"
ZH = {"accept-language": "zh-CN"}
EN = {"accept-language": "en"}


def _upload(client: TestClient, name: str, *, htmx: bool) -> tuple[int, str]:
    token = csrf_from(client.get("/ports/edifact").text)
    answer = client.post(
        "/ports/edifact",
        data={"csrf_token": token},
        files={"file": (name, (FILES / name).read_bytes(), "application/octet-stream")},
        headers={"HX-Request": "true", "HX-Target": "edifact-result"} if htmx else {},
        follow_redirects=False,
    )
    return answer.status_code, answer.headers.get("location") or answer.text


def test_an_upload_is_queued_then_reported_in_both_languages(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", DEMO_PASSWORD)
    status, fragment = _upload(client, "bad_mixed_messages.edi", htmx=True)
    assert status == 202, fragment
    assert 'id="edifact-result"' in fragment and 'data-testid="submission-link"' in fragment
    listed = client.get("/ports/edifact", headers=EN).text
    assert "bad_mixed_messages.edi" in listed and ">queued<" in listed
    assert 'hx-trigger="every 2s"' in listed  # it refreshes while a submission is pending
    link = fragment.split('href="', 1)[1].split('"', 1)[0]
    assert jobs.run_pending(session_factory) >= 1
    listed = client.get("/ports/edifact", headers=ZH).text
    assert 'data-testid="submission-status">已完成<' in listed
    assert 'hx-trigger="every 2s"' not in listed
    report = client.get(link, headers=EN)
    assert report.status_code == 200
    text = report.text
    assert 'data-testid="submission-errors"' in text
    assert "<code>BGM</code>" in text and "<code>1:1</code>" in text and "<code>M2</code>" in text
    assert 'data-testid="submission-events"' in text
    assert 'href="/ports/containers/' in text
    zh = client.get(link, headers=ZH).text
    assert "段标签" in zh and "本文件的事件" in zh


def test_a_plain_form_redirects_to_the_report(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", DEMO_PASSWORD)
    status, location = _upload(client, "codeco_gatein_cntxg.edi", htmx=False)
    assert status == 303 and location.startswith("/ports/edifact/")
    jobs.run_pending(session_factory)
    page = client.get(location, headers=EN).text
    assert 'data-testid="recorded">2<' in page


def test_a_refused_upload_shows_why_in_the_page(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", DEMO_PASSWORD)
    token = csrf_from(client.get("/ports/edifact").text)
    answer = client.post(
        "/ports/edifact",
        data={"csrf_token": token},
        files={"file": ("notes.txt", b"not an interchange", "text/plain")},
        headers={"HX-Request": "true", **ZH},
    )
    assert answer.status_code == 422
    assert 'id="edifact-result"' in answer.text
    assert "不是 EDIFACT 报文交换文件" in answer.text
    # another terminal's file: accepted, then failed by the job with the reason on the page
    status, fragment = _upload(client, "codeco_gateout_cncfd.edi", htmx=True)
    assert status == 202
    link = fragment.split('href="', 1)[1].split('"', 1)[0]
    jobs.run_pending(session_factory)
    page = client.get(link, headers=EN).text
    assert 'data-testid="failure"' in page and "CNCFD" in page


def test_who_operates_no_port_sees_no_form_and_is_refused(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "bj-env", DEMO_PASSWORD)
    page = client.get("/ports/edifact", headers=EN)
    assert page.status_code == 200 and 'data-testid="may-not-submit"' in page.text
    answer = client.post(
        "/ports/edifact",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("a.edi", (FILES / "codeco_gatein_cntxg.edi").read_bytes(), "text/plain")},
        headers={"HX-Request": "true", **EN},
    )
    assert answer.status_code == 403
    assert 'id="edifact-result"' in answer.text and "may not submit" in answer.text


def test_the_pages_statements_do_not_grow_with_the_submissions(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    first = _api_submit(client, headers, "bad_mixed_messages.edi")
    urls = ["/ports/edifact", f"/ports/edifact/{first}"]
    small = {u: count_request(client, u, headers=headers).count for u in urls}
    for name in ("codeco_gatein_cntxg.edi", "coarri_discharge_cntxg.edi", "warn_check_digit.edi"):
        _api_submit(client, headers, name)
    jobs.run_pending(session_factory)
    large = {u: count_request(client, u, headers=headers).count for u in urls}
    # The token's last-use stamp is written at most once a minute: compare without growth.
    assert all(large[u] <= small[u] for u in urls), (small, large)
    assert small["/ports/edifact"] <= 8 and small[f"/ports/edifact/{first}"] <= 8, small


def _api_submit(client: TestClient, headers: dict[str, str], name: str) -> int:
    answer = client.post(
        "/api/v1/ports/edifact",
        content=(FILES / name).read_bytes(),
        headers={**headers, "Content-Type": "application/edifact"},
    )
    assert answer.status_code == 202, answer.text
    submission_id: int = answer.json()["id"]
    return submission_id


def test_the_size_limit_reads_as_one_sentence_in_chinese(client: TestClient, ports: Ports) -> None:
    """The zh-CN page read "最大 1 MB." (two strings, an English full stop): one translated
    sentence with the number inside it."""
    login(client, "tj-port", DEMO_PASSWORD)
    mb = round(kernel.MAX_BYTES / 1_000_000)
    zh = client.get("/ports/edifact", headers=ZH).text
    assert f'data-testid="upload-limit">最大 {mb} MB。</p>' in zh
    assert not re.search(r"MB\.</p>", zh)
    en = client.get("/ports/edifact", headers=EN).text
    assert f'data-testid="upload-limit">At most {mb} MB.</p>' in en
