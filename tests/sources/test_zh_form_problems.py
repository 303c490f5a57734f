"""Issue 15: the enforcement forms say what is wrong in the reader's language, the field by its
label on the form, never pydantic's English (both databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.service import exceedances
from tests.conftest import People, csrf_from, login
from tests.sources.conftest import Registry
from tests.sources.enforcement_support import hourly, store

PYDANTIC = ("should have", "Input should", "Value error", "Field required")
OPEN_CASE = {"HX-Request": "true", "HX-Target": "open-case"}


@pytest.mark.parametrize(
    ("lang", "blank", "none_checked"),
    [
        ("zh-CN", "案件名称：不得为空", "超标与异常事件：至少选择一项"),
        ("en", "Case title: must not be blank", "Exceedance events: choose at least one"),
    ],
)
def test_the_open_case_form_lists_its_problems_in_the_readers_language(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
    lang: str,
    blank: str,
    none_checked: str,
) -> None:
    batch_id = store(
        session_factory, registry.loggers["HE-A-G-001"], hourly("a21026", [40, 20, 50])
    )
    with session_factory() as session:
        ids = [e.id for e in exceedances.detect_for_batch(session, batch_id=batch_id)]
        session.commit()
    login(client, "he-env", people.password)
    headers = {**OPEN_CASE, "accept-language": lang}
    token = csrf_from(client.get("/sources/exceedances", headers=headers).text)
    refused = client.post(
        "/sources/cases",
        data={"csrf_token": token, "title": " ", "exceedance_ids": [str(i) for i in ids]},
        headers=headers,
    )
    assert refused.status_code == 422 and 'data-testid="open-case-errors"' in refused.text
    assert blank in refused.text
    empty = client.post("/sources/cases", data={"csrf_token": token, "title": "t"}, headers=headers)
    assert empty.status_code == 422 and none_checked in empty.text
    assert not any(english in refused.text + empty.text for english in PYDANTIC)
