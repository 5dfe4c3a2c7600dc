"""The parameters and reference tables each web process keeps in memory follow the database.

Two ReferenceCache objects stand for two gunicorn workers: a change made anywhere (the admin,
an import, a bulk update, a delete) reaches both at their next read, through the version stamp
in the database only; a rolled-back change reaches neither.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from schemes.importers import zoning_import
from schemes.models import OdaCountry, Parameter, ReferenceVersion
from schemes.selectors import ReferenceCache

pytestmark = pytest.mark.django_db

ON = date(2025, 9, 1)


@pytest.fixture
def workers():
    first, second = ReferenceCache(), ReferenceCache()
    first.get(), second.get()  # both warm
    return first, second


def weekly_rate(cache: ReferenceCache) -> Decimal:
    return cache.get().timelines["horizons"].at(ON)["weekly_rate"]


def rate_row() -> Parameter:
    return Parameter.objects.filter(scheme__code="horizons", key="weekly_rate", valid_from__lte=ON).latest("valid_from")


def test_a_warm_process_reads_only_the_stamp(workers):
    first, _ = workers
    with CaptureQueriesContext(connection) as captured:
        data = first.get()
    assert first.get() is data
    assert len(captured) == 1 and "schemes_referenceversion" in captured[0]["sql"]


def test_a_saved_parameter_reaches_every_worker(workers):
    before = [weekly_rate(w) for w in workers]
    row = rate_row()
    row.value = str(before[0] + 5)
    row.save()  # what the admin's change form does
    assert [weekly_rate(w) for w in workers] == [before[0] + 5] * 2


def test_a_bulk_update_and_a_delete_reach_every_worker(workers):
    rate = rate_row()
    Parameter.objects.filter(pk=rate.pk).update(value="99.00")
    assert [weekly_rate(w) for w in workers] == [Decimal("99.00")] * 2

    OdaCountry.objects.create(country="SN", name="Sénégal", valid_from=date(2024, 1, 1))
    assert all(w.get().tables.is_oda_country("SN", ON) for w in workers)
    OdaCountry.objects.filter(country="SN").delete()
    assert not any(w.get().tables.is_oda_country("SN", ON) for w in workers)


def test_an_import_reaches_every_worker(workers):
    assert {w.get().tables.zone("99001", ON) for w in workers} == {None}
    zoning_import(source="commune_insee,commune_name,category,valid_from\n99001,Essai,zip,2023-01-01\n")
    assert [w.get().tables.zone("99001", ON) for w in workers] == ["zip", "zip"]


def test_a_rolled_back_change_reaches_no_worker(workers):
    first, second = workers
    before = weekly_rate(first)
    with pytest.raises(RuntimeError), transaction.atomic():
        Parameter.objects.filter(pk=rate_row().pk).update(value="99.00")
        assert weekly_rate(first) == Decimal("99.00")  # the writer's own transaction sees it
        raise RuntimeError
    assert weekly_rate(first) == weekly_rate(second) == before


def test_without_a_stamp_row_the_tables_are_read_every_time():
    ReferenceVersion.objects.all().delete()
    cache = ReferenceCache()
    assert cache.get() is not cache.get()
