"""Credit datasets in the catalog: field-level sharing, served from the credit tables."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.catalog import service as catalog
from jingjinji.credit import flows
from jingjinji.credit.service import records
from jingjinji.security import SYSTEM_ACTOR
from tests.conftest import People
from tests.credit.records_support import HE_CO, ID_NUMBER, record_in


def test_datasets_share_public_fields_and_never_identity_data(
    session: Session, people: People
) -> None:
    codes = flows.register_datasets(session, actor=SYSTEM_ACTOR)
    assert "CREDIT-130000-PENALTIES" in codes and len(codes) == 12
    assert flows.register_datasets(session, actor=SYSTEM_ACTOR) == codes  # idempotent
    published = records.create_record(
        session,
        actor=people["he-samr"],
        data=record_in(uscc=HE_CO, document_number="冀罚-1", publish=True),
    )
    records.create_record(
        session, actor=people["he-samr"], data=record_in(uscc=HE_CO, document_number="冀罚-2")
    )  # pending: not in the dataset
    session.commit()

    public = catalog.read_records(session, actor=None, dataset_code="CREDIT-130000-PENALTIES")
    assert [r["record_id"] for r in public.items] == [published.id]
    row = public.items[0]
    assert row["uscc"] == HE_CO and row["document_number"] == "冀罚-1"
    assert "id_number" not in row and "facts" not in row and "legal_representative" not in row
    withheld = {w.field for w in public.withheld_fields}
    assert {"id_number", "id_type", "facts", "legal_representative"} <= withheld

    # Another jurisdiction's agency without a grant: public fields only.
    other = catalog.read_records(
        session, actor=people["bj-analyst"], dataset_code="CREDIT-130000-PENALTIES"
    )
    assert "facts" not in other.fields and "id_number" not in other.fields
    # The owner reads everything, identity data included.
    owner = catalog.read_records(
        session, actor=people["he-samr"], dataset_code="CREDIT-130000-PENALTIES"
    )
    assert owner.items[0]["id_number"] == ID_NUMBER
    assert owner.items[0]["facts"] == "虚假宣传"
    # Filters and other provinces' datasets.
    assert (
        catalog.read_records(
            session,
            actor=None,
            dataset_code="CREDIT-130000-PENALTIES",
            filters={"uscc": "91110000600037341L"},
        ).items
        == []
    )
    assert (
        catalog.read_records(session, actor=None, dataset_code="CREDIT-110000-PENALTIES").items
        == []
    )
