"""Input, output and filter models of the credit domain, by topic (re-exported here)."""

from __future__ import annotations
