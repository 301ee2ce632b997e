"""The realistic labelled set of bench/math_realistic.py is well formed (its verdicts are the benchmark's job)."""

from collections import Counter

from bench.math_realistic import STYLES, cases, held_out_cases

CASES = cases()
ISSUE_CATEGORIES = {"unboxed", "relations", "numbers", "units_text", "several", "matrices"}
RULES = {"", "set-list", "decimal", "named", "relation", "words-off", "hedge", "unit-conv", "ratio", "percent"}


def test_every_issue_category_has_both_verdicts():
    assert len(CASES) >= 300
    for category in ISSUE_CATEGORIES:
        assert {c.equivalent for c in CASES if c.category == category} == {True, False}, category


def test_every_anti_hacking_case_must_score_zero():
    anti = [c for c in CASES if c.category == "anti_hacking"]
    assert len(anti) >= 40
    assert not any(c.equivalent for c in anti)


def test_no_pair_appears_twice_or_with_two_labels():
    counts = Counter((c.reference, c.response) for c in CASES)
    assert [pair for pair, n in counts.items() if n > 1] == []


def test_long_chain_of_thought_responses_are_1_to_4k_characters():
    lengths = [len(c.response) for c in CASES if c.style == "long_cot"]
    assert len(lengths) >= 150
    assert min(lengths) >= 1000 and max(lengths) <= 4200


def test_styles_rules_and_notes_are_known():
    assert {c.style for c in CASES} <= set(STYLES) | {"long_cot", "hand_written"}
    assert {c.rule for c in CASES} <= RULES
    assert all(c.note for c in CASES)


def test_reasoning_text_names_no_final_answer():
    """The generated reasoning must not add an answer of its own to a pair's response."""
    for c in CASES:
        if c.style == "long_cot" and c.category != "unboxed":
            body = c.response.rsplit("\n\n", 1)[0]
            assert "boxed" not in body and "answer" not in body.lower() and "####" not in body, c.note


def test_the_set_is_reproducible():
    assert cases() == CASES


def test_the_held_out_batch_is_new_and_covers_every_category_with_both_verdicts():
    held_out = held_out_cases()
    assert not {(c.reference, c.response) for c in held_out} & {(c.reference, c.response) for c in CASES}
    for category in ISSUE_CATEGORIES:
        assert {c.equivalent for c in held_out if c.category == category} == {True, False}, category
    anti = [c for c in held_out if c.category == "anti_hacking"]
    assert len(anti) >= 20 and not any(c.equivalent for c in anti)
    assert {c.rule for c in held_out} <= RULES
