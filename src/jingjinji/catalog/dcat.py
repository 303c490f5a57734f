"""DCAT-AP (2 and 3) descriptions of datasets and of the catalog as JSON-LD, for other portals
to harvest (docs/catalog.md, "DCAT-AP"). Pure shaping of output schemas: which datasets a
feed lists is the service's decision. The context is written inline, so that a harvester
needs nothing from the network to read it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from jingjinji.catalog.schemas import DOWNLOAD_FORMATS, DatasetOut

MEDIA_TYPE = "application/ld+json"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "adms": "http://www.w3.org/ns/adms#",
}
EU = "http://publications.europa.eu/resource/authority/"
FREQUENCIES = {
    "realtime": "CONT",
    "hourly": "HOURLY",
    "daily": "DAILY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
}
FILE_TYPES = {"csv": "CSV", "jsonl": "JSON", "parquet": "PARQUET"}
IANA_TYPES = {"csv": "text/csv", "jsonl": None, "parquet": "application/vnd.apache.parquet"}
FORMAT_TITLES = {"csv": "CSV", "jsonl": "JSON Lines", "parquet": "Parquet"}
CATALOG_TITLE = {"zh": "京津冀协同发展数据目录", "en": "Beijing-Tianjin-Hebei data catalog"}
CATALOG_DESCRIPTION = {
    "zh": "北京、天津、河北三地机构发布的数据集及其共享类别。",
    "en": "Datasets the agencies of Beijing, Tianjin and Hebei publish, with their sharing class.",
}
PUBLISHER_NAME = {
    "zh": "京津冀协同发展协调办公室",
    "en": "Beijing-Tianjin-Hebei coordination office",
}


def _texts(zh: str, en: str) -> list[dict[str, str]]:
    return [{"@value": v, "@language": lang} for lang, v in (("zh", zh), ("en", en)) if v]


def _access_rights(d: DatasetOut) -> str:
    if d.sharing_class == "not_shared":
        return "NON_PUBLIC"
    return "PUBLIC" if d.open_to_public else "RESTRICTED"


def _licence(d: DatasetOut) -> dict[str, str] | None:
    return {"@id": f"https://spdx.org/licenses/{d.licence}"} if d.licence else None


def _distribution(d: DatasetOut, base: str, file_format: str) -> dict[str, Any]:
    url = f"{base}/api/v1/datasets/{d.code}/download.{file_format}"
    node: dict[str, Any] = {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": FORMAT_TITLES[file_format],
        "dcat:accessURL": {"@id": f"{base}/catalog/{d.code}"},
        "dcat:downloadURL": {"@id": url},
        "dct:format": {"@id": f"{EU}file-type/{FILE_TYPES[file_format]}"},
    }
    media = IANA_TYPES[file_format]
    if media:
        node["dcat:mediaType"] = {"@id": f"https://www.iana.org/assignments/media-types/{media}"}
    if licence := _licence(d):
        node["dct:license"] = licence
    return node


def _contact(d: DatasetOut) -> dict[str, Any]:
    contact: dict[str, Any] = {
        "@type": "vcard:Kind",
        "vcard:fn": d.maintainer_name or d.owner_name_en,
    }
    if d.maintainer_email:
        contact["vcard:hasEmail"] = {"@id": f"mailto:{d.maintainer_email}"}
    return contact


def dataset_node(d: DatasetOut, base: str) -> dict[str, Any]:
    """One dataset; ``base`` is the platform's address (no trailing slash)."""
    node: dict[str, Any] = {
        "@id": f"{base}/catalog/{d.code}",
        "@type": "dcat:Dataset",
        "dct:identifier": d.code,
        "dct:title": _texts(d.title_zh, d.title_en),
        "dct:description": _texts(d.description_zh or d.title_zh, d.description_en or d.title_en),
        "dcat:keyword": [{"@value": t, "@language": "zh"} for t in d.tags_zh]
        + [{"@value": t, "@language": "en"} for t in d.tags_en],
        "dct:publisher": {
            "@type": "foaf:Agent",
            "foaf:name": _texts(d.owner_name_zh, d.owner_name_en),
        },
        "dcat:contactPoint": _contact(d),
        "dct:issued": {"@value": d.created_at.isoformat(), "@type": "xsd:dateTime"},
        "dct:modified": {"@value": d.last_updated.isoformat(), "@type": "xsd:dateTime"},
        "dct:accrualPeriodicity": {"@id": f"{EU}frequency/{FREQUENCIES[d.update_cycle]}"},
        "dct:accessRights": {"@id": f"{EU}access-right/{_access_rights(d)}"},
        "dcat:landingPage": {"@id": f"{base}/catalog/{d.code}"},
        "dcat:distribution": [_distribution(d, base, f) for f in DOWNLOAD_FORMATS],
    }
    if licence := _licence(d):
        node["dct:license"] = licence
    if d.temporal_start or d.temporal_end:
        period: dict[str, Any] = {"@type": "dct:PeriodOfTime"}
        if d.temporal_start:
            period["dcat:startDate"] = {"@value": d.temporal_start.isoformat(), "@type": "xsd:date"}
        if d.temporal_end:
            period["dcat:endDate"] = {"@value": d.temporal_end.isoformat(), "@type": "xsd:date"}
        node["dct:temporal"] = period
    return node


def dataset_document(d: DatasetOut, base: str) -> dict[str, Any]:
    return {"@context": CONTEXT, **dataset_node(d, base)}


def catalog_document(datasets: Sequence[DatasetOut], base: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@id": f"{base}/api/v1/catalog/dcat.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": _texts(CATALOG_TITLE["zh"], CATALOG_TITLE["en"]),
        "dct:description": _texts(CATALOG_DESCRIPTION["zh"], CATALOG_DESCRIPTION["en"]),
        "dct:publisher": {
            "@type": "foaf:Agent",
            "foaf:name": _texts(PUBLISHER_NAME["zh"], PUBLISHER_NAME["en"]),
        },
        "foaf:homepage": {"@id": f"{base}/catalog"},
        "dct:language": [
            {"@id": f"{EU}language/ZHO"},
            {"@id": f"{EU}language/ENG"},
        ],
        "dcat:dataset": [dataset_node(d, base) for d in datasets],
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False)
