"""Fixtures shared by the credit tests (helpers add theirs here)."""

from __future__ import annotations
