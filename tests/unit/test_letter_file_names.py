"""Every kind of letter downloads under a name of its own (a kind without one was a 500 on the
letter's download link)."""

from decisions.letters.issue import FILE_NAMES
from decisions.models import Letter


def test_every_letter_kind_has_a_file_name():
    assert set(FILE_NAMES) == set(Letter.Kind.values)
