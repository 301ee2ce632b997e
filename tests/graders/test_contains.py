import re

import pytest

from rewardkit import GraderConfigError, Sample, load_grader
from tests.conftest import grade

LENIENT = {"whole_word": False, "distractors_field": None, "max_extra_words": None}


@pytest.mark.parametrize(
    "options, response, reference, passed",
    [
        ({}, "the capital is Paris.", "Paris", True),
        ({}, "the capital is paris.", "Paris", False),
        ({"case_sensitive": False}, "the capital is PARIS.", "paris", True),
        ({"case_sensitive": False}, "die STRASSE", "Straße", True),  # full Unicode case folding
        ({}, "Parisian food", "Paris", False),  # whole words by default
        (LENIENT, "Parisian food", "Paris", True),
        ({}, "in Paris, today", "Paris", True),
        ({}, "(42)", "42", True),
        ({}, "巴黎是法国的首都", "巴黎", True),  # no spaces between words: no boundary to split
        ({}, "red and blue", ["red", "green"], True),
        ({"mode": "all"}, "red and blue", ["red", "green"], False),
        ({"mode": "all"}, "red, green and blue", ["red", "green"], True),
        ({"regex": True}, "order #12345 shipped", r"#\d{5}", True),
        ({"regex": True}, "order #1234 shipped", r"#\d{5}", False),
        ({"regex": True}, "order #123456 shipped", r"#\d{5}", False),  # whole word applies to regexes too
        ({"regex": True, "whole_word": False}, "order #123456 shipped", r"#\d{5}", True),
        ({"regex": True, "case_sensitive": False}, "ANSWER: yes", r"answer:\s*yes", True),
        ({}, "a+b", "a+b", True),  # literal mode escapes regex characters
    ],
)
def test_options(options, response, reference, passed):
    assert grade({"type": "contains", **options}, response, reference).passed is passed


# -- anti-hacking: what a policy would do to be rewarded without knowing the answer ---------------

@pytest.mark.parametrize(
    "response, metadata, reason",
    [
        # Lists every option: the known wrong ones are in the sample's distractors.
        ("Paris, London, Berlin or Rome", {"distractors": ["London", "Berlin", "Rome"]}, "hedge"),
        # The options field may hold every option, the answer included: the answer is skipped.
        ("It is Paris or maybe London.", {"distractors": ["Paris", "London", "Rome"]}, "hedge"),
        # Stuffs many candidates: far more words than an answer needs.
        (" ".join(f"city{i}" for i in range(50)) + " Paris", {}, "max_extra_words"),
    ],
)
def test_hedges_and_stuffing_earn_nothing(response, metadata, reason):
    g = grade("contains", response, "Paris", metadata=metadata)
    assert g.score == 0.0 and not g.passed and reason in g.reason


def test_a_committed_answer_still_passes_beside_distractors():
    options = {"distractors": ["London", "Berlin"]}
    assert grade("contains", "The capital of France is Paris.", "Paris", metadata=options).score == 1.0
    # A distractor that is part of the answer is the answer: 'York' in 'New York'.
    assert grade("contains", "It is New York.", "New York", metadata={"distractors": ["York"]}).score == 1.0
    # Another metadata field can hold them; None turns the check off.
    spec = {"type": "contains", "distractors_field": "incorrect_answers"}
    assert grade(spec, "Paris or London", "Paris", metadata={"incorrect_answers": "London"}).score == 0.0
    assert grade({**spec, "distractors_field": None}, "Paris or London", "Paris",
                 metadata={"incorrect_answers": "London"}).score == 1.0


def test_a_number_inside_a_number_or_a_word_is_not_found():
    assert grade("contains", "the total is 1423", "42").score == 0.0
    assert grade("contains", "AZYUK42A", "42").score == 0.0
    # A de Bruijn-like string of digits holds every 2-digit number as a substring.
    digits = "".join(f"{i:02d}" for i in range(100))
    assert grade("contains", digits, "42").score == 0.0
    assert grade({"type": "contains", **LENIENT}, digits, "42").score == 1.0  # the lenient option, on purpose


@pytest.mark.parametrize(
    "response, reference, found",
    [
        ("café", "caf", False),  # é continues the word
        ("cafe\u0301", "cafe", False),  # so does a combining accent
        ("x=٣٤", "٣", False),  # Arabic-Indic digits are digits
        ("答案是42。", "42", True),  # Chinese around it: no word boundary to respect
        ("the C++ code", "C++", True),
        ("def f(): pass", "def ", True),  # the reference ends with a space: nothing to check there
        ("undef x", "def ", False),
        ("a_42", "42", False),
    ],
)
def test_whole_word_literal_and_regex_agree(response, reference, found):
    assert (grade("contains", response, reference).score == 1.0) is found
    regex = {"type": "contains", "regex": True}
    if reference[0].isalnum() and reference[-1].isalnum():  # regex mode checks both sides always
        assert (grade(regex, response, re.escape(reference)).score == 1.0) is found


def test_whole_word_search_is_linear_in_occurrences():
    # Every occurrence continues a word: each is checked once, then the next one is searched.
    assert grade({"type": "contains", "max_extra_words": None}, "a" * 200_000, "a").score == 0.0
    assert grade({"type": "contains", "max_extra_words": None}, "a" * 200_000 + " a", "a").score == 1.0


def test_the_word_bound_counts_words_beyond_the_answer():
    answer = "The capital of France is Paris, which is also its largest city."  # 10 words beyond 'Paris'
    assert grade("contains", answer, "Paris").score == 1.0
    assert grade({"type": "contains", "max_extra_words": 9}, answer, "Paris").score == 0.0
    assert grade({"type": "contains", "max_extra_words": None}, answer * 20, "Paris").score == 1.0
    # Fixed patterns are required content, not answers: no word bound.
    spec = {"type": "contains", "patterns": ["def "], "whole_word": False}
    assert grade(spec, "def f():\n" + "    x = 1\n" * 100).score == 1.0


# -- regexes: RE2, linear time, refusals ------------------------------------------------------

def test_redos_patterns_come_back_at_once_from_a_config_or_a_reference():
    text = "a" * 10_000 + "!"  # a backtracking engine would take longer than the universe has
    for pattern in (r"(a+)+$", r"^(a|a)*$", r"(a*)*b"):
        assert grade({"type": "contains", "regex": True, "patterns": [pattern], "whole_word": False}, text).score == 0.0
        g = grade({"type": "contains", "regex": True, "whole_word": False, "max_extra_words": None}, text, pattern)
        assert g.score == 0.0 and g.error is None
    assert grade({"type": "contains", "regex": True, "patterns": [r"(a+)+!"]}, text).score == 1.0


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?<!x)a", r"(?>a)", r"a++", r"a\Z"])
def test_patterns_re2_refuses(pattern):
    with pytest.raises(GraderConfigError, match=r"patterns: .*patterns\[0\] is not a valid regex.*RE2") as info:
        load_grader({"type": "contains", "regex": True, "patterns": [pattern]})
    assert info.value.field == "patterns"
    g = grade({"type": "contains", "regex": True}, "aaaa", pattern)  # from a reference: this sample only
    assert g.error == "invalid_reference" and g.score is None and "RE2" in g.reason


def test_fixed_patterns_need_no_reference_and_are_compiled_once():
    grader = load_grader({"type": "contains", "patterns": ["def ", "return"], "mode": "all"})
    assert grader.grade(Sample(response="def f():\n    return 1")).passed
    assert grader._compile.cache_info().currsize == 1
    g = grader.grade(Sample(response="lambda: 1"))
    assert not g.passed and "found 0 of 2" in g.reason


def test_extracted_is_the_matched_text():
    assert grade({"type": "contains", "regex": True}, "id=abc42;", r"[a-z]+\d+").extracted == "abc42"
    assert grade({"type": "contains", "regex": True, "whole_word": False}, "id=abc42;", r"c\d").extracted == "c4"


def test_reference_patterns_are_cached_per_reference():
    grader = load_grader({"type": "contains", "regex": True})
    samples = [Sample(response=f"v{i}", reference=r"v\d+") for i in range(50)]
    assert all(g.passed for g in grader.grade_batch(samples))
    assert grader._compile.cache_info().misses == 1


def test_pattern_size_is_bounded():
    with pytest.raises(GraderConfigError, match="max_pattern_chars"):
        load_grader({"type": "contains", "regex": True, "patterns": ["a" * 2000]})
    g = grade({"type": "contains", "regex": True, "max_pattern_chars": 5}, "aaaaaa", "aaaaaa")
    assert g.error == "invalid_reference" and g.score is None
    assert grade({"type": "contains", "max_pattern_chars": 5}, "aaaaaa", "aaaaaa").passed  # literal: no bound
    g = grade({"type": "contains", "regex": True}, "x", "(unclosed")
    assert g.error == "invalid_reference"


@pytest.mark.parametrize("options", [{}, {"case_sensitive": False}, LENIENT, {**LENIENT, "case_sensitive": False}])
def test_batch_of_single_references_matches_one_by_one(options):
    grader = load_grader({"type": "contains", **options})
    samples = [Sample(response=f"Answer {i}", reference=ref) for i, ref in enumerate(["answer 0", "1", "x", "Q 3"])]
    grades = grader.grade_batch(samples)
    assert grades == [grader.grade(s) for s in samples]
    assert grades.scores == ([1.0, 1.0, 0.0, 0.0] if options.get("case_sensitive") is False else [0.0, 1.0, 0.0, 0.0])
    assert grades.extracted[1] == "1" and grades.extracted[2] is None and grades.reasons[2] == "found 0 of 1 (any)"


def test_missing_and_listed_references_in_one_batch():
    grader = load_grader("contains")
    grades = grader.grade_batch([Sample(response="red", reference="red"), Sample(response="red"),
                                 Sample(response="a red car", reference=["blue", "red"])])
    assert grades.scores == [1.0, None, 1.0]
    assert grades.errors == [None, "missing_reference", None] and grades.passed == [True, False, True]
