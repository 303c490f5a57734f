"""Imports every module that registers job handlers, so a worker knows all job kinds."""

from jingjinji import domains

domains.import_all("jobs_handlers")
