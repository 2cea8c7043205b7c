"""Shared fixtures: real-world-shaped input files written byte for byte."""

from __future__ import annotations

import os
import shutil

import pytest

from ecosystem import settings


def luhn_key_ok(digits: str) -> bool:
    """Independent Luhn check (written out plainly, not the product's vectorised one)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def make_siret(siren8: str, nic4: str) -> str:
    """A valid SIRET from 8 SIREN digits and 4 NIC digits (keys computed by brute force)."""
    siren = next(siren8 + str(k) for k in range(10) if luhn_key_ok(siren8 + str(k)))
    return next(siren + nic4 + str(k) for k in range(10) if luhn_key_ok(siren + nic4 + str(k)))


@pytest.fixture(autouse=True)
def _fresh_settings():
    settings.reset_settings()
    yield
    settings.reset_settings()


@pytest.fixture
def require_tool():
    """Return a function that finds a system tool; in CI a missing tool fails the test."""

    def find(name: str) -> str:
        path = shutil.which(name)
        if path is None:
            if os.environ.get("CI"):
                pytest.fail(f"{name} is required in CI (install it in .ci/run)")
            pytest.skip(f"{name} not installed")
        return path

    return find
