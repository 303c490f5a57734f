"""Coordinated-development tracking: agreements, commitments, indicators, progress."""
