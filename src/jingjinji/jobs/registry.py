"""Imports every domain's service module: handlers register themselves there on import."""

from jingjinji import domains

domains.import_all("service")
