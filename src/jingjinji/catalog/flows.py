"""Work spanning the catalog and the domains below it.

The region overview shows each jurisdiction's organisations and subdivisions (regions) with the
datasets it publishes (catalog): the catalog, the higher domain, puts the two together.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from jingjinji.catalog import service
from jingjinji.regions import service as regions


@dataclass(frozen=True)
class ProvinceCatalog:
    """One provincial-level jurisdiction of the region and the datasets it publishes."""

    region: regions.ProvinceOverview
    datasets: service.DatasetCounts


def region_overview(session: Session) -> list[ProvinceCatalog]:
    counts = service.dataset_counts_by_province(session)
    return [
        ProvinceCatalog(
            region=province,
            datasets=counts.get(province.province.code, service.DatasetCounts()),
        )
        for province in regions.region_overview(session)
    ]
