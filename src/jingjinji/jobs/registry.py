"""Imports every module that registers job handlers (a domain's ``service`` and, where it keeps
them apart, ``jobs_handlers``), so a worker knows every job kind."""

from jingjinji import domains

domains.import_all("service")
domains.import_all("jobs_handlers")
