"""Datasets in their API shape (``DatasetOut``): owners, fields, tags and counts read in one
statement each for a whole page, not one per dataset."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, attributes

from jingjinji.catalog.models import Dataset, DatasetField
from jingjinji.catalog.schemas import DatasetOut, FieldOut
from jingjinji.catalog.service.metadata import DatasetStats, dataset_stats, load_tags, tags_of
from jingjinji.catalog.service.sources import record_source_for
from jingjinji.errors import NotFound
from jingjinji.i18n import msg
from jingjinji.regions import service as regions


def dataset_out(session: Session, dataset: Dataset) -> DatasetOut:
    return dataset_outs(session, [dataset])[0]


def dataset_outs(session: Session, datasets: Sequence[Dataset]) -> list[DatasetOut]:
    """The API shape of datasets: their owners, and the fields not loaded yet, are read in one
    statement each (not one per dataset)."""
    _load_fields(session, datasets)
    load_tags(session, datasets)
    stats = dataset_stats(session, datasets)
    owners = regions.organisations_by_id(session, ids=[d.owner_organisation_id for d in datasets])
    out = []
    for dataset in datasets:
        owner = owners.get(dataset.owner_organisation_id)
        if owner is None:
            raise NotFound(
                msg(
                    "no organisation with id {owner_organisation_id}",
                    owner_organisation_id=dataset.owner_organisation_id,
                )
            )
        out.append(
            _dataset_out(
                dataset,
                stats[dataset.id],
                owner_name_zh=owner.name_zh,
                owner_name_en=owner.name_en,
            )
        )
    return out


def _load_fields(session: Session, datasets: Sequence[Dataset]) -> None:
    """Load the fields of the datasets whose fields are not loaded, in one statement."""
    pending = {d.id: d for d in datasets if "fields" in inspect(d).unloaded}
    if not pending:
        return
    found: dict[int, list[DatasetField]] = {i: [] for i in pending}
    stmt = (
        select(DatasetField)
        .where(DatasetField.dataset_id.in_(pending))
        .order_by(DatasetField.dataset_id, DatasetField.position)
    )
    for f in session.scalars(stmt):
        found[f.dataset_id].append(f)
    for dataset_id, fields in found.items():
        attributes.set_committed_value(pending[dataset_id], "fields", fields)


def _dataset_out(
    dataset: Dataset, stats: DatasetStats, *, owner_name_zh: str, owner_name_en: str
) -> DatasetOut:
    return DatasetOut(
        id=dataset.id,
        code=dataset.code,
        title_zh=dataset.title_zh,
        title_en=dataset.title_en,
        description_zh=dataset.description_zh,
        description_en=dataset.description_en,
        owner_organisation_id=dataset.owner_organisation_id,
        owner_name_zh=owner_name_zh,
        owner_name_en=owner_name_en,
        jurisdiction_code=dataset.jurisdiction_code,
        province_code=dataset.province_code,
        domain=dataset.domain,
        update_cycle=dataset.update_cycle,
        sharing_class=dataset.sharing_class,
        open_to_public=dataset.open_to_public,
        record_source="registered" if record_source_for(dataset.code) else "catalog",
        fields=[FieldOut.model_validate(f) for f in dataset.fields],
        licence=dataset.licence,
        maintainer_name=dataset.maintainer_name,
        maintainer_email=dataset.maintainer_email,
        temporal_start=dataset.temporal_start,
        temporal_end=dataset.temporal_end,
        tags_zh=tags_of(dataset, "zh"),
        tags_en=tags_of(dataset, "en"),
        record_count=stats.record_count,
        last_updated=stats.last_updated,
        created_at=dataset.created_at,
        updated_at=dataset.updated_at,
    )
