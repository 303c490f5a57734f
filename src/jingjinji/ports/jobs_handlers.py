"""Imported in every process (web and worker, ``jobs.registry``): registers the catalog record
source of the port indicator datasets (``flows``). The yearly publication to the progress
tracker (``flows.publish_indicators``) needs an acting office administrator, so the demo and
``jjj ports indicators`` call it, not a periodic job."""

from __future__ import annotations

from jingjinji.ports import flows

__all__ = ["flows"]
