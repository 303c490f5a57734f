"""Alembic migrations. Domains branch off the foundation revision; `upgrade heads` applies all."""
