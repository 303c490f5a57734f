"""The validation rules (``rules``) run on stored values: at entry, together with the new
values, and on demand over everything stored."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.progress import rules as rules_mod
from jingjinji.progress.models import Indicator, IndicatorValue
from jingjinji.progress.schemas import ValidationReport, ViolationOut
from jingjinji.progress.service.checking import CleanRow, RowProblem
from jingjinji.progress.service.indicators import get_indicator
from jingjinji.regions import service as regions


def _indicator_infos(session: Session) -> dict[str, rules_mod.IndicatorInfo]:
    return {
        i.code: rules_mod.IndicatorInfo(i.code, i.unit, i.period_type)
        for i in session.scalars(select(Indicator))
    }


def _stored_map(
    session: Session, *, jurisdictions: Iterable[str] | None = None
) -> dict[rules_mod.Key, float]:
    stmt = select(
        Indicator.code,
        IndicatorValue.jurisdiction_code,
        IndicatorValue.period,
        IndicatorValue.value,
    ).join(Indicator, Indicator.id == IndicatorValue.indicator_id)
    if jurisdictions is not None:
        stmt = stmt.where(IndicatorValue.jurisdiction_code.in_(list(jurisdictions)))
    return {(c, j, p): v for c, j, p, v in session.execute(stmt).all()}


def rule_check(
    session: Session, clean: Sequence[CleanRow], *, ruleset: rules_mod.RuleSet | None = None
) -> tuple[list[RowProblem], dict[int, list[dict[str, str]]]]:
    """Run the rules on new values together with the stored ones.

    Returns errors (severity ``error``: the value is rejected) and warnings per row index
    (severity ``warning``: the value is stored and flagged)."""
    ruleset = ruleset or rules_mod.shipped_ruleset()
    values = _stored_map(session, jurisdictions={c.jurisdiction_code for c in clean})
    keys: dict[rules_mod.Key, int] = {}
    for c in clean:
        key = (c.indicator.code, c.jurisdiction_code, str(c.period))
        values[key] = c.value
        keys[key] = c.index
    violations = rules_mod.evaluate(ruleset, values, _indicator_infos(session), scope=keys)
    errors: list[RowProblem] = []
    warnings: dict[int, list[dict[str, str]]] = defaultdict(list)
    for v in violations:
        involved = [keys[k] for k in v.keys if k in keys]
        if v.severity == "error":
            for index in involved:
                errors.append(RowProblem(index, "value", f"rule {v.rule_id}: {v.message}"))
        else:
            for index in involved:
                warnings[index].append(v.as_dict())
    return errors, dict(warnings)


def validate(
    session: Session,
    *,
    ruleset: rules_mod.RuleSet | None = None,
    indicator: str | None = None,
    jurisdiction: str | None = None,
) -> ValidationReport:
    """Every violation of the rule set among the stored values (optionally narrowed to the
    violations that concern one indicator and/or jurisdiction)."""
    ruleset = ruleset or rules_mod.shipped_ruleset()
    if indicator:
        get_indicator(session, code=indicator)
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
    values = _stored_map(session)
    violations = rules_mod.evaluate(ruleset, values, _indicator_infos(session))
    if indicator:
        violations = [v for v in violations if any(k[0] == indicator for k in v.keys)]
    if jurisdiction:
        violations = [v for v in violations if v.jurisdiction_code == jurisdiction]
    return ValidationReport(
        checked_values=len(values),
        rules=len(ruleset.rules),
        violations=[ViolationOut(**v.as_dict()) for v in violations],
    )
