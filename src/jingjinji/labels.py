"""Labels of enum values (roles, actions, statuses, period types, metric codes, event names,
units) in both languages, shown through one helper.

A domain registers its values' English labels once, marked with ``N_`` (their Chinese is in the
catalogs, ``locale/zh_CN/LC_MESSAGES/*.po``), under a kind of its own::

    labels.register("credit.record_kind", {"penalty": N_("administrative penalty"), ...})

Pages show a value with ``{{ label("credit.record_kind", r.kind) }}`` (``web.render`` passes
``label``); Python code with ``labels.label(lang, kind, value)``. A value without a label is shown
as it is (a code), so a new value is never hidden; ``tests/test_zh_pages.py`` finds it on the
Chinese pages.
"""

from __future__ import annotations

from jingjinji import i18n


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; it is translated where shown."""
    return message


_LABELS: dict[str, dict[str, str]] = {}


def register(kind: str, labels: dict[str, str]) -> dict[str, str]:
    """Add English labels of ``kind``'s values (a kind may be registered in parts); returns
    ``labels``, so that a module can keep its table: ``X = register("kind", {...})``."""
    _LABELS.setdefault(kind, {}).update(labels)
    return labels


def kinds() -> frozenset[str]:
    """The kinds that have labels."""
    return frozenset(_LABELS)


def label(lang: str, kind: str, value: object) -> str:
    """The label of an enum value in ``lang`` (the value as it is where it has none)."""
    text = str(value.value if hasattr(value, "value") else value)
    known = _LABELS.get(kind, {}).get(text)
    return i18n.gettext_for(lang, known) if known is not None else text


def msg_label(kind: str, value: object) -> i18n.Msg | str:
    """A value's label as a message to put in another message (translated with it)."""
    text = str(value.value if hasattr(value, "value") else value)
    known = _LABELS.get(kind, {}).get(text)
    return i18n.Msg(known) if known is not None else text


ROLES = register(
    "role",
    {
        "office_admin": N_("coordination office administrator"),
        "jurisdiction_admin": N_("jurisdiction administrator"),
        "steward": N_("data steward"),
        "analyst": N_("analyst"),
    },
)
# How an actor reached the platform (the audit record's channel).
CHANNELS = register(
    "channel",
    {"web": N_("web page"), "api": N_("API"), "cli": N_("command line"), "system": N_("system")},
)
# The kinds of objects the audit record names (its object_type).
OBJECTS = register(
    "object",
    {
        "access_grant": N_("access grant"),
        "access_request": N_("access request"),
        "agreement": N_("agreement"),
        "air_ingestion": N_("air data upload"),
        "air_station": N_("air monitoring station"),
        "api_token": N_("API token"),
        "audit_entry": N_("audit entry"),
        "commitment": N_("commitment"),
        "credit_commitment": N_("credit commitment"),
        "credit_declaration": N_("credit self-declaration"),
        "credit_objection": N_("credit objection"),
        "credit_record": N_("credit record"),
        "credit_repair": N_("credit repair"),
        "credit_report": N_("credit report"),
        "credit_subject": N_("credit subject"),
        "dataset": N_("dataset"),
        "forecast_model": N_("forecast model"),
        "indicator": N_("indicator"),
        "indicator_value": N_("indicator value"),
        "job": N_("background job"),
        "organisation": N_("organisation"),
        "request": N_("request"),
        "source_batch": N_("monitoring data batch"),
        "source_enterprise": N_("enterprise"),
        "source_factor": N_("monitored factor"),
        "source_logger": N_("data logger"),
        "source_outlet": N_("outlet"),
        "source_packets": N_("data packets"),
        "source_park": N_("industrial park"),
        "source_registry": N_("pollution source registry"),
        "target": N_("target"),
        "user": N_("user"),
        "warning": N_("pollution warning"),
        "warning_criteria": N_("warning criteria"),
        "warning_criteria_adoption": N_("adoption of warning criteria"),
        "warning_measures": N_("warning measures"),
        "water_incident": N_("water incident"),
        "water_ingestion": N_("water data upload"),
        "water_section": N_("water section"),
        "weather_forecast": N_("weather forecast"),
        "webhook_delivery": N_("event push delivery"),
        "webhook_subscription": N_("event push subscription"),
    },
)
# The pseudo-users of the audit record: the platform itself and a caller without a login.
ACTORS = register("actor", {"system": N_("system"), "anonymous": N_("anonymous")})
