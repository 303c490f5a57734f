"""Append-only, hash-chained audit trail."""

# The actions' labels are registered with the package, so that every page showing an entry has them.
from jingjinji.audit import actions as actions
