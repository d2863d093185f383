import pytest

from bot.eligibility import UNSURE, compare, parse_age, parse_diagnosis, parse_status


@pytest.mark.parametrize("text, age", [
    ("19", 19), ("nineteen", 19), ("19 yo", 19), ("she's 6", 6), ("he is 14 years old", 14),
    ("twenty-four", 24), ("18 months", 1.5), ("not sure", UNSURE), ("I don't know", UNSURE),
])
def test_ages_are_read_as_families_type_them(text, age):
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["banana", "", "what is apheresis?"])
def test_no_age_is_invented(text):
    assert parse_age(text) is None


@pytest.mark.parametrize("text, value", [
    ("B-cell ALL", "b_cell_all"), ("pre-b all", "b_cell_all"), ("acute lymphoblastic leukemia", "b_cell_all"),
    ("AML", "other"), ("another diagnosis", "other"), ("lymphoma", "other"), ("not sure", UNSURE),
])
def test_diagnosis(text, value):
    assert parse_diagnosis(text) == value


@pytest.mark.parametrize("text, value", [
    ("refractory", "refractory"), ("it didn't respond to chemo", "refractory"),
    ("first relapse", "first_relapse"), ("relapsed once", "first_relapse"),
    ("second relapse", "second_or_later_relapse"), ("it came back twice", "second_or_later_relapse"),
    ("relapsed 3 times", "second_or_later_relapse"), ("not sure", UNSURE),
])
def test_status(text, value):
    assert parse_status(text) == value


def test_comparison_never_decides_but_reports_differences():
    assert compare(12.0, "b_cell_all", "refractory").matches
    older = compare(30.0, "b_cell_all", "second_or_later_relapse")
    assert not older.matches and any("25" in d for d in older.differences)
    first = compare(10.0, "b_cell_all", "first_relapse")
    assert not first.matches and first.differences
    unsure = compare(UNSURE, UNSURE, "refractory")
    assert unsure.unknowns == ["age", "diagnosis"] and not unsure.differences
