"""Issue 15: a subscription's refused filters read in the reader's language on the page, naming
the allowed values (pydantic's English named them in English only); the English page names
them too (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import csrf_from, login
from tests.ports.conftest import Ports, subscription_settings

HX = {"HX-Request": "true", "HX-Target": "subscription-result"}
URL = "https://rx.example/dcsa/callback"
PYDANTIC = ("should have", "Input should", "Value error", "Field required")


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The sealing key in this test's var directory; rx.example stands for a public receiver."""
    yield from subscription_settings(monkeypatch, tmp_path, allowed_hosts="rx.example")


def test_an_unknown_code_reads_in_chinese_with_the_allowed_values(
    client: TestClient, ports: Ports
) -> None:
    login(client, "tj-port", ports.people.password)
    token = csrf_from(client.get("/ports/subscriptions").text)
    data = {"csrf_token": token, "callback_url": URL, "transport_event_type_code": "XXXX"}
    zh = client.post("/ports/subscriptions", data=data, headers={**HX, "accept-language": "zh-CN"})
    assert zh.status_code == 422 and 'data-testid="refusal"' in zh.text
    assert "不被接受：不是允许的取值之一，可选：&#39;ARRI&#39;、&#39;DEPA&#39;" in zh.text
    assert not any(english in zh.text for english in PYDANTIC)
    en = client.post("/ports/subscriptions", data=data, headers={**HX, "accept-language": "en"})
    assert "not accepted: not one of the allowed values: &#39;ARRI&#39;, &#39;DEPA&#39;" in en.text
    assert not any(english in en.text for english in PYDANTIC)
