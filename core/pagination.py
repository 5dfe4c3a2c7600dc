"""A paginator told its count: for lists whose total another query of the page already gives.

Django's Paginator runs SELECT COUNT(*) over the whole filtered queryset. On a queue of tens of
thousands of files that count is the dearest query of the page, and the officer's queue already
counts the same rows by state for its tabs: the sum of those counts (or the count of the chosen
state) is the exact total, so the paginator takes it instead of counting again.
"""

from __future__ import annotations

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        # Paginator.count is a cached_property: filling its slot is how Django itself caches it.
        self.__dict__["count"] = count
