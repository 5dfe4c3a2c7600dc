"""The contract's input checks: every problem named by its field path, in French."""

import pytest

from schemes.inputs import InvalidInput, parse_case

AUDE = {
    "scheme": "aude",
    "student": {"cycle": 2, "faculty": "Montpellier"},
    "internship": {"start_date": "2026-01-05", "end_date": "2026-04-04", "specialty": "general_medicine",
                   "supervisor_commune_insee": "11069"},
}


def errors_of(data):
    with pytest.raises(InvalidInput) as exc:
        parse_case(data)
    return dict(exc.value.errors)


def test_valid_case_is_normalised():
    case = parse_case(AUDE)
    assert case.student.faculty == "montpellier" and case.student.passed_first_year_exam is True


@pytest.mark.parametrize(
    "patch, field, fragment",
    [
        ({"student": {"cycle": "2", "faculty": "x"}}, "student.cycle", "valeur non admise"),
        ({"student": {"cycle": 4, "faculty": "x"}}, "student.cycle", "valeur non admise"),
        ({"internship": {**AUDE["internship"], "start_date": "2026-02-30"}}, "internship.start_date", "inexistante"),
        ({"internship": {**AUDE["internship"], "start_date": "05/01/2026"}}, "internship.start_date", "AAAA-MM-JJ"),
        ({"internship": {**AUDE["internship"], "supervisor_commune_insee": "1106"}}, "internship.supervisor_commune_insee", "INSEE"),
        ({"internship": {**AUDE["internship"], "end_date": "2026-01-04"}}, "internship.end_date", "précède"),
        ({"student": {"cycle": 2, "faculty": "x", "passed_first_year_exam": "yes"}}, "student.passed_first_year_exam", "booléen"),
        ({"internship": "x"}, "internship", "objet JSON"),
    ],
)
def test_each_problem_names_its_field(patch, field, fragment):
    errors = errors_of({**AUDE, **patch})
    assert fragment in errors[field]


def test_end_before_start_shown_with_other_mistakes():
    data = {"scheme": "aude", "student": {}, "internship": {"start_date": "2026-02-01", "end_date": "2026-01-01"}}
    errors = errors_of(data)
    assert "student.cycle" in errors and "précède" in errors["internship.end_date"]


@pytest.mark.parametrize(
    "data, field",
    [
        ([], "(racine)"),
        ({}, "scheme"),
        ({"scheme": "bretagne"}, "scheme"),
    ],
)
def test_root_problems(data, field):
    assert field in errors_of(data)


def test_horizons_country_subdivision_and_money():
    data = {
        "scheme": "horizons", "aid": "eurocampus",
        "student": {"level": "M1", "establishment_in_region": True, "recognised_diploma": True, "scholarship_holder": False},
        "mobility": {"kind": "study", "start_date": "2025-09-01", "end_date": "2025-12-19", "country": "DE",
                     "subdivision": "ES-CT", "in_curriculum": True, "monthly_gratification": "12.345"},
        "prior_awards": [{"aid": "grant", "kind": "study"}],
    }
    errors = errors_of(data)
    assert "deux décimales" in errors["mobility.monthly_gratification"]
    data["mobility"]["monthly_gratification"] = "0"
    errors = errors_of(data)
    assert "n'appartient pas au pays DE" in errors["mobility.subdivision"]
    assert "semaines" in errors["prior_awards[0].weeks"]
    data["mobility"]["country"] = "ZZ"
    assert "inconnu" in errors_of(data)["mobility.country"]


def test_aude_paid_in_the_last_month_of_the_internship():
    from datetime import date
    from decimal import Decimal

    from schemes.engine.schedule import aude_schedule

    (single,) = aude_schedule(amount=Decimal("3600.00"), start=date(2026, 6, 1), end=date(2026, 11, 30))
    assert single.due_on == date(2026, 11, 1)
    (single,) = aude_schedule(amount=Decimal("1800.00"), start=date(2026, 1, 5), end=date(2026, 4, 4))
    assert single.due_on == date(2026, 3, 5)
