"""How the dataset page shows a dataset's tags: in the reader's language first; a tag of the
other language follows (marked with its ``lang``) unless it is a known tag, which is shown in
the reader's language instead (the demo's "synthetic sample" reads 合成示例数据 on a Chinese page,
once, not in English beside it)."""

from __future__ import annotations

from jingjinji import labels
from jingjinji.catalog import service
from jingjinji.labels import N_

#: The tag the demo gives its synthetic sample records (docs/catalog.md).
SYNTHETIC_SAMPLE = "synthetic sample"
#: Tags with a label in both languages: the English tag, its label (translated in
#: catalog_demo_tags.po).
TAGS = labels.register("catalog.tag", {SYNTHETIC_SAMPLE: N_("synthetic sample")})


def shown_tags(lang: str, tags_zh: list[str], tags_en: list[str]) -> tuple[list[str], list[str]]:
    """(the tags in ``lang``, the other language's tags shown as they are)."""
    zh_of = {english: labels.label("zh_CN", "catalog.tag", english) for english in TAGS}
    if lang == "zh_CN":
        own, foreign, into_own = tags_zh, tags_en, zh_of
    else:
        own, foreign = tags_en, tags_zh
        into_own = {zh: english for english, zh in zh_of.items()}
    shown, other = list(own), []
    for tag in foreign:
        known = into_own.get(tag)
        if known is None:
            other.append(tag)
        elif known not in shown:
            shown.append(known)
    return shown, other


#: The enumerations of the demo's registers (catalog/demo.py ``REGISTERS``): their rows keep
#: the values, their dataset pages show the labels (translated in catalog_demo_values.po).
DEMO_VALUE_LABELS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "TJ-TOURISM-RESOURCE-TRADING": {
        "kind": (
            "catalog.demo.listing_kind",
            {
                "operating right": N_("operating right"),
                "route": N_("route"),
                "joint project": N_("joint project"),
            },
        ),
    },
    "BJ-TECH-ACHIEVEMENTS-TRANSFER": {
        "field": (
            "catalog.demo.technology_field",
            {
                "environment": N_("environment"),
                "water": N_("water"),
                "energy": N_("energy"),
                "logistics": N_("logistics"),
            },
        ),
        "transfer_mode": (
            "catalog.demo.transfer_mode",
            {"licence": N_("licence"), "transfer": N_("transfer"), "equity": N_("equity")},
        ),
    },
    "HE-TRANSPORT-CARD-INTEROP": {
        "mode": ("catalog.demo.transport_mode", {"bus": N_("bus"), "metro": N_("metro")}),
    },
}


def _register_demo_value_labels() -> None:
    for code, fields in DEMO_VALUE_LABELS.items():
        for kind, values in fields.values():
            labels.register(kind, values)
        service.register_value_labels(
            code, {field: service.ValueLabels(kind) for field, (kind, _) in fields.items()}
        )


_register_demo_value_labels()
