"""Property-based tests: whatever well-typed facts the engine is given (dates from 2016 to
2030, arbitrary booleans, levels, countries, prior awards, amounts), its answer keeps the
invariants of the contract.

Ceilings are derived from the parameters in force on the reference date, not written as
literals (one test pins them to the published figures).
"""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from schemes.engine import evaluate
from schemes.engine.durations import full_weeks, whole_months, working_days
from schemes.engine.money import ZERO, money
from schemes.engine.reasons import CATALOGUE
from schemes.facts import (
    CHEQUES,
    HORIZONS_LEVELS,
    AudeFacts,
    HauteGaronneFacts,
    HorizonsFacts,
    HorizonsStudent,
    Mobility,
    OtherAid,
    PriorAward,
)
from tests.unit.builders import CHEQUE_BUILDERS, aude, grant, haute_garonne, timeline

BASELINES = {"grant": grant, **CHEQUE_BUILDERS}

# database=None: pure tests leave no .hypothesis/ directory behind; the near-eligible strategies
# still discard some draws (assume), hence filter_too_much, and a loaded CI box may be slow.
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.too_slow,
    ],
)
TL = {scheme: timeline(scheme) for scheme in ("horizons", "haute-garonne", "aude")}

FIRST = date(2016, 1, 1)
LAST = date(2030, 12, 31)
COUNTRIES = ["FR", "RE", "GP", "NC", "TF", "PF", "DE", "ES", "SN", "US", "BE"]
SUBDIVISIONS = [None, "ES-CT", "ES-IB", "ES-MD", "DE-BY"]
AIDS = ["grant", *CHEQUES]

money_2dp = st.decimals(
    min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False
)


def dates_from(first: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=max(first, FIRST), max_value=LAST)


@st.composite
def period(draw, first: date = FIRST, max_days: int = 450):
    start = draw(dates_from(first))
    end = start + timedelta(days=draw(st.integers(0, max_days)))
    return start, end


@st.composite
def horizons_facts(draw, aid=None):
    start, end = draw(period())
    actual = draw(st.none() | st.integers(0, 450).map(lambda d: start + timedelta(days=d)))
    student = HorizonsStudent(
        level=draw(st.sampled_from(HORIZONS_LEVELS)),
        establishment_in_region=draw(st.booleans()),
        recognised_diploma=draw(st.booleans()),
        scholarship_holder=draw(st.booleans()),
        apprentice=draw(st.booleans()),
    )
    mobility = Mobility(
        kind=draw(st.sampled_from(["study", "internship"])),
        start_date=start,
        end_date=end,
        actual_end_date=actual,
        country=draw(st.sampled_from(COUNTRIES)),
        subdivision=draw(st.sampled_from(SUBDIVISIONS)),
        in_curriculum=draw(st.booleans()),
        monthly_gratification=draw(money_2dp),
        partner_region=draw(st.booleans()),
        oda_country=draw(st.booleans()),
        ects_credits=draw(st.none() | st.decimals(min_value=0, max_value=60, places=1)),
        host_independent=draw(st.booleans()),
        pegasus_host=draw(st.booleans()),
        pegasus_award=draw(st.booleans()),
        humanitarian=draw(st.booleans()),
        employer_contribution=draw(money_2dp),
    )
    priors = draw(
        st.lists(
            st.builds(
                PriorAward,
                aid=st.sampled_from(AIDS),
                kind=st.sampled_from(["study", "internship"]),
                weeks=st.integers(0, 40),
            ),
            max_size=3,
        )
    )
    return HorizonsFacts(
        aid=aid or draw(st.sampled_from(AIDS)),
        submitted_on=draw(st.dates(min_value=date(2015, 9, 1), max_value=LAST)),
        student=student,
        mobility=mobility,
        other_aid=OtherAid(draw(st.booleans()), draw(st.booleans()), draw(st.booleans())),
        prior_awards=tuple(priors),
    )


@st.composite
def haute_garonne_facts(draw):
    start, end = draw(period(first=TL["haute-garonne"].first_date()))
    return HauteGaronneFacts(
        submitted_on=draw(dates_from(FIRST)),
        cycle=draw(st.integers(1, 3)),
        specialty=draw(st.sampled_from(["general_medicine", "psychiatry"])),
        scholarship_holder=draw(st.booleans()),
        social_precarity=draw(st.booleans()),
        start_date=start,
        end_date=end,
        commune_insee=draw(st.sampled_from(["31069", "31555", "11069", "34172", "2A004"])),
        zone=draw(st.sampled_from(["zip", "zac", "none", None])),
        # The contract's list is optional with both as default; an empty claim is left out.
        indemnities=draw(st.sampled_from([("travel", "housing"), ("travel",), ("housing",)])),
    )


@st.composite
def aude_facts(draw):
    start, end = draw(period(first=TL["aude"].first_date()))
    return AudeFacts(
        submitted_on=draw(dates_from(FIRST)),
        cycle=draw(st.integers(1, 3)),
        faculty=draw(st.sampled_from(["toulouse", "montpellier", "bordeaux"])),
        passed_first_year_exam=draw(st.booleans()),
        start_date=start,
        end_date=end,
        specialty=draw(st.sampled_from(["general_medicine", "pediatrics"])),
        supervisor_commune_insee=draw(st.sampled_from(["11069", "11262", "31069"])),
        zone=draw(st.sampled_from(["zip", "zac", "none", None])),
    )


@st.composite
def near_eligible_horizons(draw, aid=None):
    """An eligible baseline of the aid (tests/unit/builders.py) moved in time and in length,
    with a level, kind, gratification, employer share and prior awards that are often but not
    always acceptable: most draws are eligible, so that amount and settlement properties bite."""
    aid = aid or draw(st.sampled_from(AIDS))
    facts = BASELINES[aid]()
    start, end = draw(period(max_days=320))
    actual = draw(st.none() | st.integers(0, 320).map(lambda d: start + timedelta(days=d)))
    # Usually the baseline's own level and kind, sometimes any other eligible one.
    level = draw(
        st.just(facts.student.level)
        | st.sampled_from(["L3", "M1", "M2", "BTS", "DUT", "DUETE", "HEALTH_SOCIAL"])
    )
    kind = draw(st.just(facts.mobility.kind) | st.sampled_from(["study", "internship"]))
    priors = draw(
        st.sampled_from([(), (), (), (PriorAward("grant", "study", 0),)])
        | st.lists(
            st.builds(
                PriorAward, aid=st.just("grant"), kind=st.just("study"), weeks=st.integers(0, 40)
            ),
            max_size=2,
        ).map(tuple)
    )
    return replace(
        facts,
        submitted_on=start - timedelta(days=draw(st.integers(1, 60))),
        student=replace(facts.student, level=level),
        mobility=replace(
            facts.mobility,
            kind=kind,
            start_date=start,
            end_date=end,
            actual_end_date=actual,
            monthly_gratification=draw(st.decimals(min_value=0, max_value=800, places=2)),
            employer_contribution=draw(st.decimals(min_value=0, max_value=400, places=2)),
        ),
        prior_awards=priors,
    )


@st.composite
def near_eligible_medical(draw):
    builder = draw(st.sampled_from([haute_garonne, aude]))
    start, end = draw(period(first=TL["haute-garonne"].first_date(), max_days=300))
    return replace(builder(), start_date=start, end_date=end)


any_horizons = horizons_facts() | near_eligible_horizons()
any_facts = any_horizons | haute_garonne_facts() | aude_facts() | near_eligible_medical()


# --- Ceilings, from the parameters in force on the reference date ------------------------------
def ceiling(facts) -> Decimal:
    p = TL[facts.scheme].at(facts.reference_date)
    if facts.scheme == "haute-garonne":
        return p["max_months"] * (p["monthly_travel"] + p["monthly_housing"])
    if facts.scheme == "aude":
        return p["max_months"] * (p["monthly_rent"] + p["monthly_travel"])
    if facts.aid == "grant":
        longest = max(high for levels in p["grant_bands"].values() for _, high in levels.values())
        return min(longest, p["annual_weeks_cap"]) * p["weekly_rate"]
    return max([amount for _, amount in p["cheque_tiers"]] + [p["pegasus_amount"]])


def test_ceilings_match_the_published_figures():
    on = date(2026, 1, 5)
    grant = HorizonsFacts(
        "grant", on, HorizonsStudent("M1", True, True, True), Mobility("study", on, on, "DE", True)
    )
    assert ceiling(grant) == Decimal("2520.00")
    assert ceiling(replace(grant, aid="cooperation")) == Decimal("600.00")
    hg = HauteGaronneFacts(on, 3, "general_medicine", True, False, on, on, "31069", "zip")
    assert ceiling(hg) == Decimal("2400.00")
    au = AudeFacts(on, 2, "toulouse", True, on, on, "general_medicine", "11069", "zip")
    assert ceiling(au) == Decimal("3600.00")


# --- Properties ---------------------------------------------------------------------------------
@SETTINGS
@given(facts=any_facts)
def test_verdict_invariants(facts):
    verdict = evaluate(facts, TL[facts.scheme])  # never raises

    assert verdict.scheme == facts.scheme
    assert ZERO <= verdict.amount <= ceiling(facts)
    assert verdict.amount == money(verdict.amount)  # to the cent
    assert verdict.eligible is (len(verdict.reasons) == 0)
    if not verdict.eligible:
        assert verdict.amount == ZERO
        assert verdict.settlement is None
    assert sum((line.amount for line in verdict.explanation), ZERO) == verdict.amount
    codes = [r.code for r in verdict.reasons]
    assert len(codes) == len(set(codes))  # each failing rule once
    for reason in verdict.reasons:
        assert reason.code in CATALOGUE and reason.article and reason.message
    for line in verdict.explanation:
        assert line.article

    contract = verdict.as_contract()
    assert contract["amount"] == f"{verdict.amount:.2f}"
    if facts.scheme != "horizons":
        assert "aid" not in contract and "weeks" not in contract and "settlement" not in contract


@SETTINGS
@given(facts=horizons_facts(aid="grant") | near_eligible_horizons(aid="grant"))
def test_grant_amount_is_rate_times_funded_weeks(facts):
    verdict = evaluate(facts, TL["horizons"])
    p = TL["horizons"].at(facts.reference_date)
    if verdict.eligible:
        weeks = full_weeks(facts.mobility.start_date, facts.mobility.end_date)
        assert 1 <= verdict.weeks <= weeks
        assert verdict.weeks <= p["annual_weeks_cap"]
        assert verdict.amount == p["weekly_rate"] * verdict.weeks
        assert verdict.amount > ZERO
    else:
        assert verdict.amount == ZERO


@SETTINGS
@given(facts=near_eligible_horizons(aid="grant"))
def test_grant_funded_weeks_formula(facts):
    """funded weeks = min(full weeks, band maximum, 36 - prior grant weeks)."""
    verdict = evaluate(facts, TL["horizons"])
    assume(verdict.eligible)
    p = TL["horizons"].at(facts.reference_date)
    band = p["grant_bands"][facts.mobility.kind][facts.student.level]
    prior_weeks = sum(a.weeks for a in facts.prior_awards if a.aid == "grant")
    weeks = full_weeks(facts.mobility.start_date, facts.mobility.end_date)
    assert weeks >= band[0]
    assert verdict.weeks == min(weeks, band[1], p["annual_weeks_cap"] - prior_weeks)


@SETTINGS
@given(
    facts=st.sampled_from(CHEQUES).flatmap(
        lambda a: horizons_facts(aid=a) | near_eligible_horizons(aid=a)
    )
)
def test_cheque_has_no_weeks_and_a_tier_amount(facts):
    verdict = evaluate(facts, TL["horizons"])
    assert verdict.weeks is None
    assert "weeks" not in verdict.as_contract()
    p = TL["horizons"].at(facts.reference_date)
    if verdict.eligible:
        allowed = {amount for _, amount in p["cheque_tiers"]} | {p["pegasus_amount"]}
        assert verdict.amount in allowed
    if facts.aid == "apprentice" and verdict.eligible:
        assert verdict.state_share == money(verdict.amount * p["apprentice_state_share"])
    else:
        assert verdict.state_share == ZERO


@SETTINGS
@given(facts=any_horizons)
def test_settlement_invariants(facts):
    verdict = evaluate(facts, TL["horizons"])
    has_actual = facts.mobility.actual_end_date is not None
    assert (verdict.settlement is not None) is (verdict.eligible and has_actual)
    s = verdict.settlement
    if s is None:
        return
    p = TL["horizons"].at(facts.reference_date)
    assert s.advance == money(verdict.amount * p["advance_rate"])
    assert ZERO <= s.final_amount <= verdict.amount
    assert s.balance >= ZERO and s.repayment >= ZERO
    assert not (s.balance > ZERO and s.repayment > ZERO)
    assert s.advance + s.balance - s.repayment == s.final_amount
    if facts.aid == "grant":
        assert s.final_amount == ZERO or s.final_amount == p["weekly_rate"] * min(
            s.actual_weeks, verdict.weeks
        )


@SETTINGS
@given(facts=near_eligible_horizons() | near_eligible_medical(), extra=st.integers(1, 200))
def test_a_longer_period_never_pays_less(facts, extra):
    """Eligible at both lengths (everything else equal), the longer period is worth at least
    as much."""
    if isinstance(facts, HorizonsFacts):
        longer = replace(
            facts,
            mobility=replace(
                facts.mobility, end_date=facts.mobility.end_date + timedelta(days=extra)
            ),
        )
    else:
        longer = replace(facts, end_date=facts.end_date + timedelta(days=extra))
    tl = TL[facts.scheme]
    short_v, long_v = evaluate(facts, tl), evaluate(longer, tl)
    assume(short_v.eligible and long_v.eligible)
    assert long_v.amount >= short_v.amount


@SETTINGS
@given(facts=near_eligible_horizons(), extra=st.integers(1, 200))
def test_a_longer_actual_stay_never_settles_less(facts, extra):
    if facts.mobility.actual_end_date is None:
        facts = replace(
            facts, mobility=replace(facts.mobility, actual_end_date=facts.mobility.end_date)
        )
    later = replace(
        facts,
        mobility=replace(
            facts.mobility, actual_end_date=facts.mobility.actual_end_date + timedelta(days=extra)
        ),
    )
    a, b = evaluate(facts, TL["horizons"]), evaluate(later, TL["horizons"])
    assume(a.eligible)
    assert b.settlement.final_amount >= a.settlement.final_amount


# --- Durations against independent definitions ----------------------------------------------------
def _add_months(start: date, n: int) -> date:
    """start + n calendar months, clipped to the last day of a shorter month."""
    import calendar

    year, month = divmod(start.month - 1 + n, 12)
    year += start.year
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@SETTINGS
@given(span=period(max_days=800))
def test_full_weeks_count_monday_to_friday(span):
    start, end = span
    brute = sum(
        1 for i in range((end - start).days + 1) if (start + timedelta(days=i)).weekday() < 5
    )
    assert working_days(start, end) == brute
    assert full_weeks(start, end) == brute // 5


@SETTINGS
@given(span=period(max_days=800))
def test_whole_months_are_the_months_reached_by_the_day_after_end(span):
    start, end = span
    n = whole_months(start, end)
    after = end + timedelta(days=1)
    assert n >= 0
    assert _add_months(start, n) <= after
    assert _add_months(start, n + 1) > after
