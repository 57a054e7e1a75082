"""Fixtures for the training scheduler's tests."""

from __future__ import annotations

import pytest
from training_factories import make_network

from atlasbot.domain import Network


@pytest.fixture
def network() -> Network:
    """Seven units in six countries (see training_factories)."""
    return make_network()
