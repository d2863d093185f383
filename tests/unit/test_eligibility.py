import pytest

from bot.eligibility import (IN_REMISSION, asks, asks_for_own_check, NOT_IN_REMISSION, UNSURE, compare, parse_age, parse_diagnosis,
                             parse_remission, parse_status, read_answers, required_slots,
                             stated_answers)


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
    # The other common name of ALL, and a leukemia that is not B-cell ALL.
    ("acute lymphocytic leukemia", "b_cell_all"), ("mixed phenotype leukemia", "other"),
    ("chronic lymphocytic leukemia", "other"),
])
def test_diagnosis(text, value):
    assert parse_diagnosis(text) == value


@pytest.mark.parametrize("text, value", [
    ("refractory", "refractory"), ("it didn't respond to chemo", "refractory"),
    ("first relapse", "first_relapse"), ("relapsed once", "first_relapse"),
    ("second relapse", "second_or_later_relapse"), ("it came back twice", "second_or_later_relapse"),
    ("relapsed 3 times", "second_or_later_relapse"), ("not sure", UNSURE),
    ("never got into remission", "refractory"), ("the chemo isn't working", "refractory"),
    ("it did not go away with chemo", "refractory"), ("it came back again", "second_or_later_relapse"),
    ("relapsed in may and again in november", "second_or_later_relapse"), ("relapsed 2x", "second_or_later_relapse"),
    ("multiply relapsed", "second_or_later_relapse"),
    # "again" about something else, and "not working" about something else, are not relapses or refractory.
    ("it came back, should we try chemo again", "first_relapse"),
])
def test_status(text, value):
    assert parse_status(text) == value


@pytest.mark.parametrize("text", ["the website is not working", "the fever didn't go away", "she is 7 x-ray was fine"])
def test_no_status_is_invented(text):
    assert parse_status(text) is None


def test_a_chronic_condition_beside_the_diagnosis_is_not_another_leukemia():
    assert parse_diagnosis("b-all, and she has a chronic cough") == "b_cell_all"


def test_comparison_never_decides_but_reports_differences():
    assert compare(12.0, "b_cell_all", "refractory").matches
    older = compare(30.0, "b_cell_all", "second_or_later_relapse")
    assert not older.matches and any("25" in d for d in older.differences)
    first = compare(10.0, "b_cell_all", "first_relapse")
    assert not first.matches and not first.differences and first.unknowns  # remission not known yet
    unsure = compare(UNSURE, UNSURE, "refractory")
    assert unsure.unknowns == ["age", "diagnosis"] and not unsure.differences


def test_a_first_relapse_is_compared_by_whether_it_went_into_remission():
    refractory = compare(10.0, "b_cell_all", "first_relapse", NOT_IN_REMISSION)
    assert refractory.matches and refractory.refractory_relapse
    in_remission = compare(10.0, "b_cell_all", "first_relapse", IN_REMISSION)
    assert not in_remission.matches and in_remission.differences
    assert required_slots("first_relapse")[-1] == "relapse_response"
    assert "relapse_response" not in required_slots("refractory")


@pytest.mark.parametrize("text, value", [
    ("no", NOT_IN_REMISSION), ("not in remission", NOT_IN_REMISSION), ("it did not go away", NOT_IN_REMISSION),
    ("yes it went into remission", IN_REMISSION), ("yes", IN_REMISSION), ("not sure", UNSURE),
    ("the chemo worked", IN_REMISSION), ("only a partial response", NOT_IN_REMISSION),
    ("there are still some leukemia cells", NOT_IN_REMISSION),
])
def test_remission(text, value):
    assert parse_remission(text) == value


@pytest.mark.parametrize("text, requested, found", [
    ("my son is 19 and relapsed twice", "patient_age", {"patient_age": 19.0, "disease_status": "second_or_later_relapse"}),
    ("he's 14 with pre-B ALL", "patient_age", {"patient_age": 14.0, "diagnosis": "b_cell_all"}),
    ("actually it's AML, not ALL", "disease_status", {"diagnosis": "other"}),
    ("it came back once and went into remission", "disease_status",
     {"disease_status": "first_relapse", "relapse_response": IN_REMISSION}),
    ("she was first diagnosed at 5, she's 9 now", "patient_age", {"patient_age": 9.0}),
    ("it relapsed 2 times", "patient_age", {"disease_status": "second_or_later_relapse"}),  # 2 is not an age here
])
def test_one_message_can_answer_several_questions(text, requested, found):
    assert read_answers(text, requested) == found


@pytest.mark.parametrize("slot, value, expected", [
    ("diagnosis", "b_cell_all", "b_cell_all"), ("disease_status", "second_or_later_relapse", "second_or_later_relapse"),
    ("patient_age", 19.0, 19.0), ("patient_age", "nineteen", 19.0), ("diagnosis", "older than his sister", None),
    ("relapse_response", "not_in_remission", "not_in_remission"), ("patient_age", 300, None),
])
def test_read_values_pass_validation_and_raw_text_is_read(slot, value, expected):
    from bot.eligibility import normalise_answer

    assert normalise_answer(slot, value) == expected


@pytest.mark.parametrize("text, requested, found", [
    ("does my daughter qualify? she is 8, b cell ALL, relapsed twice", None,
     {"patient_age": 8.0, "diagnosis": "b_cell_all", "disease_status": "second_or_later_relapse"}),
    ("is 25 the age limit?", "patient_age", {}),
    ("what does refractory mean", "disease_status", {}),
    ("he's 14. is that too old?", "patient_age", {"patient_age": 14.0}),
    ("", "patient_age", {}),
])
def test_only_the_statements_of_a_message_are_read(text, requested, found):
    assert stated_answers(text, requested) == found


@pytest.mark.parametrize("text, found", [
    ("tiene 10 años", {"patient_age": 10.0}),
    ("leucemia linfoblástica aguda tipo B", {"diagnosis": "b_cell_all"}),
    ("LLA de células B", {"diagnosis": "b_cell_all"}),
    ("leucemia mieloide", {"diagnosis": "other"}),
    ("es su segunda recaída", {"disease_status": "second_or_later_relapse"}),
    ("tuvo una recaída", {"disease_status": "first_relapse"}),
    ("es refractaria, no respondió a la quimio", {"disease_status": "refractory"}),
])
def test_answers_in_spanish_are_read(text, found):
    assert read_answers(text, None) == found


@pytest.mark.parametrize("text", ["can my son get car t", "can my 7 year old get kymriah", "is my child eligible",
                                  "could she qualify", "would my daughter be a candidate", "can he still get this treatment",
                                  "my daughter can get car t?", "my son can receive kymriah? please check"])
def test_a_question_whether_this_patient_may_have_the_therapy_asks_for_the_check(text):
    assert asks_for_own_check(text)


@pytest.mark.parametrize("text", ["can i get kymriah at your hospital", "who can get car t", "does she get chemo first",
                                  "how do they get the cells", "can my son get a fever from it", "she can have it at home",
                                  "my son can get kymriah", "my son can get kymriah at your hospital?", "", None])
def test_other_questions_with_can_and_get_do_not(text):
    assert not asks_for_own_check(text)


@pytest.mark.parametrize("text, asking", [
    ("wait what is b-cell all", True), ("ok so how old does he need to be", True), ("hmm, is that bad", True),
    ("and what about relapse", True), ("b-cell all", False), ("actually its AML", False), ("oh he is 12", False),
    ("so 12", False), ("okay", False),
])
def test_a_few_words_of_lead_in_do_not_hide_a_question(text, asking):
    assert asks(text) is asking
