"""The people of a Horizons file, shared by the workflow and after-decision tests."""

import pytest

from tests.flows import horizons_actors


@pytest.fixture
def actors():
    return horizons_actors()
