"""Fixtures for the loader: tiny files written per test, so each fault is seen where it is."""

from pathlib import Path

import pytest


@pytest.fixture
def write_csv(tmp_path):
    def write(lines, name="incidents.csv", encoding="utf-8") -> Path:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding=encoding)
        return path

    return write
