"""`jjj credit verify-report FILE`: a downloaded report (JSON or PDF) is valid; a tampered one,
one signed with an unknown key or one whose code this database never issued is not (exit 1)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.audit import keys as audit_keys
from jingjinji.cli import app
from jingjinji.credit.service import reports
from tests.credit.public_support import PublicData, configure_key


@pytest.fixture
def cli_env(
    session_factory: sessionmaker[Session],
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """`jjj` against the test's database."""
    from jingjinji.config import get_settings

    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def verify(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["credit", "verify-report", *args], prog_name="jjj")
    return result.exit_code, result.output


def _download(client: TestClient, uscc: str, tmp_path: Path, fmt: str, lang: str = "en") -> Path:
    response = client.get(
        f"/api/v1/credit/subjects/{uscc}/report", params={"format": fmt, "lang": lang}
    )
    assert response.status_code == 200, response.text
    path = tmp_path / f"report-{lang}.{fmt}"
    path.write_bytes(response.content)
    return path


def test_downloaded_json_and_pdf_are_valid(
    client: TestClient, public_data: PublicData, report_key: str, tmp_path: Path, cli_env: None
) -> None:
    for fmt, lang in (("json", "en"), ("pdf", "zh_CN"), ("pdf", "en")):
        path = _download(client, public_data.uscc, tmp_path, fmt, lang)
        code, out = verify(str(path))
        assert code == 0, out
        assert out.startswith("valid:") and "issued with this payload" in out
        assert public_data.uscc in out and report_key in out
    code, out = verify(str(path), "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["valid"] is True and result["checked_against_database"] is True
    assert result["uscc"] == public_data.uscc


def test_tampered_reports_are_invalid(
    client: TestClient, public_data: PublicData, report_key: str, tmp_path: Path, cli_env: None
) -> None:
    path = _download(client, public_data.uscc, tmp_path, "json")
    raw = path.read_bytes()
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(raw.replace(b'"black"', b'"none"', 1))
    code, out = verify(str(tampered))
    assert code == 1 and out.startswith("invalid:") and "changed after signing" in out
    code, out = verify(str(tampered), "--format", "json")
    assert code == 1 and json.loads(out)["reason_code"] == "tampered_payload"

    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\nnot a report\n%%EOF\n")
    code, out = verify(str(garbage))
    assert code == 1 and "no signed credit report" in out
    code, out = verify(str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in out


def test_unknown_key_and_a_code_never_issued(
    client: TestClient, public_data: PublicData, report_key: str, tmp_path: Path, cli_env: None
) -> None:
    path = _download(client, public_data.uscc, tmp_path, "pdf")
    other_dir = tmp_path / "other-keys"
    configure_key(other_dir)
    code, out = verify(str(path), "--format", "json")
    assert code == 1 and json.loads(out)["reason_code"] == "unknown_key"

    # A report signed with a trusted key whose code this database never issued.
    signer = audit_keys.directory_signer(other_dir)
    assert signer is not None
    doc = reports.read_document(path.read_bytes())
    doc["payload"]["verification_code"] = "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    body = reports.canonical(doc["payload"])
    doc["signature"] = {
        "algorithm": "Ed25519",
        "key_id": signer.key_id,
        "payload_sha256": hashlib.sha256(body).hexdigest(),
        "value": signer.sign(body),
    }
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out = verify(str(foreign))
    assert code == 1 and "no report was issued with code" in out
    code, out = verify(str(foreign), "--offline")
    assert code == 0 and "signature only" in out
