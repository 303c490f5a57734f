"""The dataset page as CKAN's, on both backends: metadata (licence, maintainer, tags, temporal
coverage, last update, record count or "not available"), downloads with their API calls for a
reader the grants allow and a visible refusal otherwise, and the activity stream (changes,
requests decided, grants given and revoked) from the audit chain, paged, in en and zh-CN."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from tests.catalog.support import apply_and_approve, build_catalog, dataset_in
from tests.conftest import People, login

EN = {"accept-language": "en"}
ZH = {"accept-language": "zh-CN"}


def _describe_open(session_factory: sessionmaker[Session], people: People) -> None:
    build_catalog(session_factory, people)
    data = dataset_in(
        "BJ-OPEN",
        people.organisations["bj_env"],
        open_to_public=True,
        specs=(
            ("a", "integer", "unconditional"),
            ("b", "string", "conditional"),
            ("c", "number", "not_shared"),
        ),
    ).model_copy(
        update={
            "licence": "CC-BY-4.0",
            "maintainer_name": "Data office",
            "maintainer_email": "data@example.org",
            "temporal_start": dt.date(2025, 1, 1),
            "temporal_end": dt.date(2025, 12, 31),
            "tags_zh": ["空气质量"],
            "tags_en": ["air quality"],
        }
    )
    with session_factory() as session:
        service.ensure_dataset(session, actor=people["bj-env"], data=data)
        session.commit()


def _testid(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</dd>', html, re.S)
    assert match, testid
    return match.group(1)


def test_metadata_and_downloads_for_an_anonymous_reader(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _describe_open(session_factory, people)
    html = client.get("/catalog/BJ-OPEN", headers=EN).text
    assert "CC-BY-4.0" in _testid(html, "meta-licence")
    assert "mailto:data@example.org" in _testid(html, "meta-maintainer")
    assert "air quality" in _testid(html, "meta-tags") and "空气质量" in html
    assert "2025-01-01" in _testid(html, "meta-temporal")
    assert 'data-count="3"' in html  # three records
    for fmt in ("csv", "jsonl", "parquet"):
        assert f'data-format="{fmt}"' in html
        url = f"http://testserver/api/v1/datasets/BJ-OPEN/download.{fmt}"
        assert f"curl -o BJ-OPEN.{fmt} '{url}'" in html
    assert "download-refused" not in html
    # In Chinese, the same facts in Chinese.
    html = client.get("/catalog/BJ-OPEN", headers=ZH).text
    assert "许可协议" in html and "时间范围" in html and "记录数" in html and "下载" in html


def test_a_reader_without_readable_fields_sees_why_no_download(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    build_catalog(session_factory, people)
    login(client, "tj-env", people.password)
    html = client.get("/catalog/BJ-COND", headers=EN).text
    assert 'data-testid="download-refused"' in html
    assert 'data-testid="download-link"' not in html
    # A dataset served by another domain's source has no count.
    assert 'data-count="2"' in html  # the two records of BJ-COND


def test_the_activity_stream_shows_changes_and_access_steps(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    build_catalog(session_factory, people)
    _, grant_id = apply_and_approve(
        session_factory, people["tj-analyst"], people["bj-env"], "BJ-COND", ["x"]
    )
    with session_factory() as session:
        service.revoke_grant(session, actor=people["bj-env"], grant_id=grant_id, reason="ended")
        session.commit()
    headers = people.headers(session_factory, "tj-analyst")
    items = client.get("/api/v1/datasets/BJ-COND/activity", headers=headers).json()["items"]
    assert [i["action"] for i in items] == [
        "catalog.grant.revoke",
        "catalog.access_request.approve",
        "catalog.access_request.create",
        "catalog.records.write",
        "catalog.dataset.create",
    ]
    # Usernames are shown to those who administer the dataset only.
    assert {i["actor"] for i in items} == {None}
    assert items[1]["organisation_id"] == people.organisations["tj_drc"]
    assert items[1]["fields"] == ["x"]
    owner = people.headers(session_factory, "bj-env")
    first = client.get("/api/v1/datasets/BJ-COND/activity?limit=2", headers=owner).json()
    assert [i["actor"] for i in first["items"]] == ["bj-env", "bj-env"]
    rest = client.get(
        "/api/v1/datasets/BJ-COND/activity",
        params={"limit": 2, "cursor": first["next_cursor"]},
        headers=owner,
    ).json()
    assert [i["action"] for i in rest["items"]] == [
        "catalog.access_request.create",
        "catalog.records.write",
    ]
    # The page shows it, in both languages.
    login(client, "bj-env", people.password)
    html = client.get("/catalog/BJ-COND", headers=EN).text
    assert html.count('data-testid="activity-item"') == 5
    assert "Grant revoked" in html and "Access requested" in html
    html = client.get("/catalog/BJ-COND", headers=ZH).text
    assert "授权已撤销" in html


def test_anonymous_visitors_see_changes_only(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    build_catalog(session_factory, people)
    apply_and_approve(session_factory, people["tj-analyst"], people["bj-env"], "BJ-OPEN", ["b"])
    items = client.get("/api/v1/datasets/BJ-OPEN/activity").json()["items"]
    assert [i["action"] for i in items] == ["catalog.records.write", "catalog.dataset.create"]
    assert client.get("/api/v1/datasets/BJ-COND/activity").status_code == 401


def test_a_dataset_served_by_another_domain_has_no_record_count(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    """The air domain serves the rows of ``AIR-`` datasets: the catalog cannot count them."""
    with session_factory() as session:
        service.create_dataset(
            session,
            actor=people["bj-env"],
            data=dataset_in("AIR-CATALOG-COUNT", people.organisations["bj_env"]),
        )
        session.commit()
    headers = people.headers(session_factory, "bj-env")
    body = client.get("/api/v1/datasets/AIR-CATALOG-COUNT", headers=headers).json()
    assert body["record_source"] == "registered"
    assert body["record_count"] is None
    assert body["last_updated"] == body["updated_at"]
    built = client.get("/api/v1/datasets", params={"q": "AIR-CATALOG"}, headers=headers).json()
    assert [d["record_count"] for d in built["items"]] == [None]


def test_preview_shows_moments_on_cst_and_booleans_in_words(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    """Found by trying the demo: the preview showed 2013-02-28T16:00:00+00:00 and True/False
    (English on a zh-CN page); a moment reads on China Standard Time, a boolean as yes/no."""
    build_catalog(session_factory, people)
    data = dataset_in(
        "BJ-MOMENTS",
        people.organisations["bj_env"],
        open_to_public=True,
        specs=(("ts", "datetime", "unconditional"), ("ok", "boolean", "unconditional")),
    )
    with session_factory() as session:
        service.ensure_dataset(session, actor=people["bj-env"], data=data)
        service.write_records(
            session,
            actor=people["bj-env"],
            dataset_code="BJ-MOMENTS",
            rows=[
                {"ts": "2013-02-28T16:00:00+00:00", "ok": True},
                {"ts": "2013-02-28T17:00:00+00:00", "ok": False},
            ],
        )
        session.commit()
    zh = client.get("/catalog/BJ-MOMENTS", headers=ZH).text
    preview = zh.split('data-testid="preview-table"', 1)[1].split("</table>", 1)[0]
    assert '<time datetime="2013-02-28T16:00:00+00:00">2013-03-01 00:00</time>' in preview
    assert "2013-03-01 01:00" in preview
    assert "T16:00:00+00:00</" not in preview
    assert "<td>是</td>" in preview and "<td>否</td>" in preview
    assert "True" not in preview and "False" not in preview
    en = client.get("/catalog/BJ-MOMENTS", headers=EN).text
    assert "<td>Yes</td>" in en and "<td>No</td>" in en
