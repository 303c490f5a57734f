"""Signed credit reports: issue one (JSON and PDF), look an issued one up, verify a presented one.

A report is a payload (the subject, the records public on the report's date, its list status and
measures, the risk class for agency staff, the platform, when it was issued and its verification
code) signed with Ed25519 over its canonical JSON (sorted keys, no spaces, UTF-8). The key is the
platform's audit signing key (``JJJ_AUDIT_SIGNING_KEY`` or the current key of
``JJJ_AUDIT_KEY_DIR``, default ``var/audit-keys``; ``jjj audit keys generate`` makes one), read
through ``audit.service``: one key to guard and rotate, and its public keys (rotated ones
included) verify old reports. Without a key a report is refused (503), never issued unsigned.

Each issued report is stored in ``credit_reports`` (code, payload SHA-256, signature, key id), so
the platform can say later what it issued under a code. The PDF carries the signed JSON as an
attachment, so the file verifies alone (``jjj credit verify-report FILE``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import secrets
import zlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji import i18n
from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.models import CreditReport, CreditSubject
from jingjinji.credit.schemas.reports import (
    IssuedReportOut,
    ReportPayload,
    ReportPlatform,
    ReportSignature,
    ReportSubject,
    SignedReport,
    VerificationOut,
)
from jingjinji.credit.service import public, subjects
from jingjinji.db import utcnow
from jingjinji.errors import DomainError, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.labels import N_
from jingjinji.security import Actor
from jingjinji.web import environment

FORMAT = "jingjinji.credit-report/1"
PLATFORM_ZH = "京津冀协同发展平台 · 信用信息公示"
PLATFORM_EN = "Beijing-Tianjin-Hebei Coordination Platform · Credit Information"
VERIFY_PATH = "/credit/verify"
# Codes read aloud or typed: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 4
KEY_SETTINGS = msg(
    "no signing key is configured: set JJJ_AUDIT_KEY_DIR (default var/audit-keys, with a "
    "current key) or JJJ_AUDIT_SIGNING_KEY; `jjj audit keys generate` makes a key"
)


class SigningKeyMissing(DomainError):
    """No key to sign with: the platform issues no unsigned report."""

    status = 503
    title = N_("No signing key")
    type_slug = "no-signing-key"


def canonical(payload: dict[str, Any]) -> bytes:
    """The signed bytes of a payload."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def language_of(lang: str) -> str:
    """``zh_CN`` / ``zh-CN`` / ``en`` as the catalogue names them."""
    return "en" if lang == "en" else "zh_CN"


def _new_code(session: Session) -> str:
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4 * CODE_GROUPS))
        code = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
        taken = session.scalar(
            select(CreditReport.id).where(CreditReport.verification_code == code)
        )
        if taken is None:
            return code


def normalise_code(code: str) -> str:
    return code.strip().upper()


def _signer(session: Session, *, actor: Actor | None, uscc: str) -> audit.Signer:
    try:
        signer = audit.current_config().signer()
        problem: str | None = None if signer is not None else KEY_SETTINGS
    except audit.AuditKeyError as exc:
        signer, problem = None, f"the signing key cannot be read ({exc}); {KEY_SETTINGS}"
    if signer is None:
        raise audit.audited_refusal(
            session,
            SigningKeyMissing(problem or KEY_SETTINGS),
            actor=actor,
            action="credit.report.issue",
            object_type="credit_subject",
            object_id=uscc,
        )
    return signer


def _subject_part(session: Session, subject: CreditSubject) -> ReportSubject:
    return ReportSubject(
        uscc=subject.uscc,
        name=subject.name,
        name_en=subject.name_en,
        kind=subject.kind,
        registration_authority=subject.registration_authority,
        category=subject.category,
        region_code=subject.region_code,
        jurisdiction_code=subject.jurisdiction_code,
        registered_on=subject.registered_on,
        former_names=subjects.former_names(session, subject_id=subject.id),
    )


def issue_report(
    session: Session,
    *,
    actor: Actor | None,
    uscc: str,
    as_of: dt.date | None = None,
    lang: str = "zh_CN",
) -> SignedReport:
    """Issue, sign and store a report of the subject at ``as_of`` (default today). Anyone may
    (the public window); the risk class is in it only for agency staff. Flushes; the caller
    commits."""
    language = language_of(lang)
    day = public.checked_day(as_of, loc=["query", "as_of"])
    subject = subjects.get_subject(session, uscc=uscc)
    subject_id, code_of_subject = subject.id, subject.uscc
    signer = _signer(session, actor=actor, uscc=code_of_subject)
    subject = subjects.get_subject_by_id(session, subject_id=subject_id)
    # The public view: a report says what the public could see on the day.
    records = public.visible_records(session, actor=None, subject=subject, day=day, lang=language)
    code = _new_code(session)
    issued_at = utcnow()
    payload = ReportPayload(
        verification_code=code,
        issued_at=issued_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        as_of=day,
        language="en" if language == "en" else "zh_CN",
        platform=ReportPlatform(name_zh=PLATFORM_ZH, name_en=PLATFORM_EN, verify_url=VERIFY_PATH),
        subject=_subject_part(session, subject),
        list_status=public.list_status(records),
        risk_class=subject.risk_class if policy.is_agency_staff(actor) else None,
        records=records,
        self_declarations=public.self_declarations(session, subject_id=subject.id, day=day),
    )
    body = canonical(payload.model_dump(mode="json"))
    digest = hashlib.sha256(body).hexdigest()
    signature = signer.sign(body)
    session.add(
        CreditReport(
            subject_id=subject.id,
            verification_code=code,
            as_of=day,
            language=language,
            payload_sha256=digest,
            signature=signature,
            key_id=signer.key_id,
            requested_by_user_id=actor.user_id if actor is not None else None,
            created_at=issued_at,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="credit.report.issue",
        object_type="credit_report",
        object_id=code,
        jurisdiction_code=subject.jurisdiction_code,
        detail={
            "uscc": subject.uscc,
            "as_of": day.isoformat(),
            "language": language,
            "key_id": signer.key_id,
            "payload_sha256": digest,
        },
    )
    session.flush()
    return SignedReport(
        payload=payload,
        signature=ReportSignature(key_id=signer.key_id, payload_sha256=digest, value=signature),
    )


def document_bytes(report: SignedReport) -> bytes:
    """The report as a JSON file (readable; verification re-canonicalises the payload)."""
    text = json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def fingerprint(signature_b64: str) -> str:
    """A short fingerprint of a signature to print: 16 hex digits of its SHA-256, in fours."""
    digest = hashlib.sha256(signature_b64.encode("ascii")).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def attachment_name(code: str) -> str:
    return f"credit-report-{code}.json"


def render_html(report: SignedReport) -> str:
    """The report as a printable HTML document in its language."""
    lang = report.payload.language
    translations = i18n.translations(lang)
    template = environment().get_template("credit/report_document.html")
    return template.render(
        report=report.payload,
        signature=report.signature,
        fingerprint=fingerprint(report.signature.value),
        lang=lang,
        _=translations.gettext,
        gettext=translations.gettext,
        ngettext=translations.ngettext,
    )


def render_pdf(report: SignedReport) -> bytes:
    """The report as a PDF in its language, with the signed JSON attached."""
    from weasyprint import HTML, Attachment

    attachment = Attachment(
        file_obj=io.BytesIO(document_bytes(report)),
        name=attachment_name(report.payload.verification_code),
        description="Signed credit report (JSON)",
    )
    pdf: bytes = HTML(string=render_html(report)).write_pdf(attachments=[attachment])
    return pdf


def issued_report(session: Session, *, code: str) -> IssuedReportOut:
    """What the platform issued under a verification code (404 naming it when none)."""
    wanted = normalise_code(code)
    row = session.execute(
        select(CreditReport, CreditSubject)
        .join(CreditSubject, CreditSubject.id == CreditReport.subject_id)
        .where(CreditReport.verification_code == wanted)
    ).first()
    if row is None:
        raise NotFound(
            msg("no credit report was issued with verification code {wanted}", wanted=repr(wanted))
        )
    report, subject = row
    return IssuedReportOut(
        verification_code=report.verification_code,
        uscc=subject.uscc,
        subject_name=subject.name,
        as_of=report.as_of,
        language=report.language,
        issued_at=report.created_at,
        payload_sha256=report.payload_sha256,
        key_id=report.key_id,
    )


def check_code(code: str) -> str:
    """A verification code as typed, or a 422 naming ``code``."""
    wanted = normalise_code(code)
    if not re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", wanted):
        reason = msg(
            "a verification code is four groups of four letters or digits (XXXX-XXXX-XXXX-XXXX)"
        )
        raise InvalidInput(reason, errors=[field_error(["path", "code"], reason)])
    return wanted


# --------------------------------------------------------------------------- verification

_STREAM = re.compile(rb"stream\r?\n")


class Unreadable(ValueError):
    """Not a report this platform issues (no JSON document, no attachment found)."""


def _pdf_documents(data: bytes) -> list[dict[str, Any]]:
    """The signed JSON documents attached to a PDF: every embedded-file stream that inflates
    (or is plain) to a JSON object with a payload of our format and a signature. Streams live
    outside object streams, so their dictionaries are found without parsing the whole file."""
    found: list[dict[str, Any]] = []
    for match in _STREAM.finditer(data):
        header = data[data.rfind(b"obj", 0, match.start()) : match.start()]
        if b"/EmbeddedFile" not in header:
            continue
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        raw = data[start:end]
        try:
            text = zlib.decompressobj().decompress(raw)
        except zlib.error:
            text = raw
        if not text.lstrip().startswith(b"{"):
            continue
        try:
            doc = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(doc, dict) and _is_report(doc) and doc not in found:
            found.append(doc)
    return found


def _is_report(doc: dict[str, Any]) -> bool:
    payload = doc.get("payload")
    return (
        isinstance(payload, dict)
        and payload.get("format") == FORMAT
        and isinstance(doc.get("signature"), dict)
    )


def read_document(data: bytes) -> dict[str, Any]:
    """The signed document of a JSON file or of a PDF's attachment."""
    if data.startswith(b"%PDF"):
        docs = _pdf_documents(data)
        if not docs:
            raise Unreadable("the PDF carries no signed credit report attachment")
        if len(docs) > 1:
            raise Unreadable("the PDF carries more than one credit report attachment")
        return docs[0]
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"neither a PDF nor a JSON document: {exc}") from None
    if not isinstance(doc, dict) or not _is_report(doc):
        raise Unreadable(f"not a signed credit report (format {FORMAT} with a signature)")
    return doc


def _result(
    reason_code: str | None, reason: str | None, doc: dict[str, Any] | None, *, db: bool
) -> VerificationOut:
    payload: dict[str, Any] = doc["payload"] if doc else {}
    sig: dict[str, Any] = doc["signature"] if doc else {}
    found = payload.get("subject")
    subject: dict[str, Any] = found if isinstance(found, dict) else {}

    def text(value: object) -> str | None:
        return value if isinstance(value, str) else None

    return VerificationOut.model_validate(
        {
            "valid": reason_code is None,
            "reason": reason,
            "reason_code": reason_code,
            "verification_code": text(payload.get("verification_code")),
            "key_id": text(sig.get("key_id")),
            "uscc": text(subject.get("uscc")),
            "as_of": text(payload.get("as_of")),
            "checked_against_database": db,
        }
    )


def verify_document(data: bytes, *, session: Session | None = None) -> VerificationOut:
    """Whether a presented report (JSON or PDF bytes) is one the platform signed and, with a
    session, issued under its code with this very payload."""
    try:
        doc = read_document(data)
    except Unreadable as exc:
        return _result("unreadable", str(exc), None, db=False)
    db = session is not None
    body = canonical(doc["payload"])
    digest = hashlib.sha256(body).hexdigest()
    sig = doc["signature"]
    if sig.get("payload_sha256") != digest:
        return _result(
            "tampered_payload",
            "the payload was changed after signing (its SHA-256 is not the signed one)",
            doc,
            db=db,
        )
    key_id, value = sig.get("key_id"), sig.get("value")
    key = audit.current_config().public_keys().get(key_id) if isinstance(key_id, str) else None
    if key is None:
        return _result("unknown_key", f"signed with key {key_id!r}, unknown here", doc, db=db)
    if not isinstance(value, str) or not audit.verify_signature(key, body, value):
        return _result("bad_signature", "the signature does not match the payload", doc, db=db)
    if session is not None:
        code = doc["payload"].get("verification_code")
        stored = session.scalar(
            select(CreditReport).where(CreditReport.verification_code == str(code))
        )
        if stored is None:
            return _result("unknown_code", f"no report was issued with code {code!r}", doc, db=True)
        if stored.payload_sha256 != digest:
            return _result(
                "not_issued_with_this_payload",
                f"the report issued as {code} had another payload",
                doc,
                db=True,
            )
    return _result(None, None, doc, db=db)
