"""Imported in every process (web and worker, ``jobs.registry``): registers the catalog record
source of the sources datasets (``flows.datasets``). The monthly indicator publication
(``flows.publish_indicators``) needs an acting office administrator, so it is called by the
demo and by people, not by a periodic job."""

from __future__ import annotations

from jingjinji.sources import flows

__all__ = ["flows"]
