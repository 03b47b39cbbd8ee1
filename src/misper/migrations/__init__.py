"""Alembic migrations of the case store, shipped in the package so `misper db upgrade` works
installed."""
