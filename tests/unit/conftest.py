"""Unit-test fixtures: the dated parameters of every scheme, built without the database.

The timelines come from schemes/fixtures/parameters.json (the same rows migration 0002 loads)
through `ParameterTimeline.from_raw`, so a unit test sees exactly the published figures while
never touching the ORM.
"""

import pytest

from tests.unit.builders import timeline


@pytest.fixture(scope="session")
def horizons_tl():
    return timeline("horizons")


@pytest.fixture(scope="session")
def hg_tl():
    return timeline("haute-garonne")


@pytest.fixture(scope="session")
def aude_tl():
    return timeline("aude")
