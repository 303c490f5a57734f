"""DCAT-AP JSON-LD, on both backends: parsed with rdflib, the catalog and each dataset carry
the properties DCAT-AP makes mandatory (and the recommended ones the catalog knows); an
anonymous harvester sees the datasets open to the public only; the dataset page embeds it."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.catalog import service
from tests.catalog.support import build_catalog, dataset_in
from tests.conftest import People

# rdflib's JSON-LD parser builds a ConjunctiveGraph internally, which rdflib itself deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
BASE = "http://testserver"


def _described(session_factory: sessionmaker[Session], people: People) -> None:
    """BJ-OPEN (built by ``build_catalog``) with licence, contact, coverage and tags."""
    build_catalog(session_factory, people)
    org = people.organisations["bj_env"]
    data = dataset_in(
        "BJ-OPEN",
        org,
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


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="json-ld")


def _check_dataset(g: Graph, node: URIRef) -> None:
    """DCAT-AP mandatory: dct:title, dct:description; each distribution a dcat:accessURL."""
    assert (node, RDF.type, DCAT.Dataset) in g
    titles = [t for t in g.objects(node, DCTERMS.title) if isinstance(t, Literal)]
    assert {t.language for t in titles} == {"zh", "en"}
    assert list(g.objects(node, DCTERMS.description))
    distributions = list(g.objects(node, DCAT.distribution))
    assert len(distributions) == 3
    for dist in distributions:
        assert (dist, RDF.type, DCAT.Distribution) in g
        assert list(g.objects(dist, DCAT.accessURL))
        assert list(g.objects(dist, DCAT.downloadURL))
        assert list(g.objects(dist, DCTERMS["format"]))


def test_the_dataset_document_is_dcat_ap(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _described(session_factory, people)
    r = client.get("/api/v1/datasets/BJ-OPEN/dcat.jsonld")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    g = _graph(r.text)
    node = URIRef(f"{BASE}/catalog/BJ-OPEN")
    _check_dataset(g, node)
    assert g.value(node, DCTERMS.license) == URIRef("https://spdx.org/licenses/CC-BY-4.0")
    keywords = set(g.objects(node, DCAT.keyword))
    assert keywords == {Literal("空气质量", lang="zh"), Literal("air quality", lang="en")}
    contact = g.value(node, DCAT.contactPoint)
    assert str(g.value(contact, VCARD.fn)) == "Data office"
    assert g.value(contact, VCARD.hasEmail) == URIRef("mailto:data@example.org")
    period = g.value(node, DCTERMS.temporal)
    assert g.value(period, DCAT.startDate).toPython() == dt.date(2025, 1, 1)  # type: ignore[union-attr]
    assert g.value(period, DCAT.endDate).toPython() == dt.date(2025, 12, 31)  # type: ignore[union-attr]
    assert isinstance(g.value(node, DCTERMS.modified).toPython(), dt.datetime)  # type: ignore[union-attr]
    publisher = g.value(node, DCTERMS.publisher)
    names = [n for n in g.objects(publisher, FOAF.name) if isinstance(n, Literal)]
    assert {n.language for n in names} == {"zh", "en"}
    downloads = {str(u) for u in g.objects(None, DCAT.downloadURL)}
    assert f"{BASE}/api/v1/datasets/BJ-OPEN/download.parquet" in downloads


def test_the_public_catalog_lists_open_datasets_only(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _described(session_factory, people)
    r = client.get("/api/v1/catalog/dcat.jsonld")
    assert r.status_code == 200
    g = _graph(r.text)
    catalog = URIRef(f"{BASE}/api/v1/catalog/dcat.jsonld")
    assert (catalog, RDF.type, DCAT.Catalog) in g
    assert list(g.objects(catalog, DCTERMS.title))
    assert list(g.objects(catalog, DCTERMS.description))
    assert g.value(catalog, DCTERMS.publisher) is not None
    listed = set(g.objects(catalog, DCAT.dataset))
    assert listed == {URIRef(f"{BASE}/catalog/BJ-OPEN")}
    for node in listed:
        _check_dataset(g, node)  # type: ignore[arg-type]
    # A closed dataset's own document is refused to anonymous harvesters.
    assert client.get("/api/v1/datasets/BJ-SECRET/dcat.jsonld").status_code == 401

    # Logged in, the feed lists what the catalog lists: every entry.
    headers = people.headers(session_factory, "tj-env")
    g = _graph(client.get("/api/v1/catalog/dcat.jsonld", headers=headers).text)
    codes = {str(c) for c in g.objects(None, DCTERMS.identifier)}
    assert codes == {"BJ-OPEN", "BJ-COND", "BJ-SECRET", "BJ-INTERNAL"}
    secret = URIRef(f"{BASE}/catalog/BJ-SECRET")
    rights = g.value(secret, DCTERMS.accessRights)
    assert str(rights).endswith("access-right/NON_PUBLIC")


def test_the_dataset_page_embeds_its_json_ld(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _described(session_factory, people)
    html = client.get("/catalog/BJ-OPEN").text
    start = html.index('<script type="application/ld+json" id="dataset-dcat">')
    block = html[html.index(">", start) + 1 : html.index("</script>", start)]
    g = _graph(block)
    _check_dataset(g, URIRef(f"{BASE}/catalog/BJ-OPEN"))
