"""Text normalisation options shared by the string graders (exact, contains, similarity)."""

from __future__ import annotations

import bisect
import functools
import operator
import re
import string
import unicodedata
from collections.abc import Callable

from pydantic import BaseModel, Field

_WHITESPACE = re.compile(r"\s+")
_PUNCTUATION = str.maketrans("", "", string.punctuation + "“”‘’«»…–—¡¿")


class TextNormalization(BaseModel):
    """How response and reference are normalised before they are compared."""

    strip: bool = Field(default=True, description="Remove leading and trailing whitespace.")
    case_sensitive: bool = Field(default=True, description="False folds case (str.casefold) before comparing.")
    collapse_whitespace: bool = Field(default=True, description="Turn every run of whitespace into one space.")
    unicode_nfkc: bool = Field(
        default=True, description="Apply Unicode NFKC normalisation (full-width digits, ligatures, ...)."
    )
    strip_punctuation: bool = Field(default=False, description="Remove ASCII and common Unicode punctuation.")

    def _steps(self) -> list[Callable[[str], str]]:
        # Every step is a C-level callable, so a column is normalised by chained map() calls
        # without one Python frame per string.
        steps: list[Callable[[str], str]] = []
        if self.unicode_nfkc:
            steps.append(functools.partial(unicodedata.normalize, "NFKC"))  # quick check: ASCII is returned as is
        if not self.case_sensitive:
            steps.append(str.casefold)
        if self.strip_punctuation:
            steps.append(operator.methodcaller("translate", _PUNCTUATION))
        if self.collapse_whitespace and self.strip:
            steps += [str.split, " ".join]  # one split and one join do both
        elif self.collapse_whitespace:
            steps.append(functools.partial(_WHITESPACE.sub, " "))
        elif self.strip:
            steps.append(str.strip)
        return steps

    def normalizer(self) -> Callable[[str], str]:
        """One function applying the chosen steps to one string, built once per grader."""
        steps = self._steps()
        if not steps:
            return str
        if len(steps) == 1:
            return steps[0]

        def normalize(text: str) -> str:
            for step in steps:
                text = step(text)
            return text

        return normalize

    def column_normalizer(self) -> Callable[[list[str]], list[str]]:
        """One function applying the chosen steps to a list of strings (vectorised with map)."""
        steps = self._steps()

        def normalize_all(texts: list[str]) -> list[str]:
            column = iter(texts)
            for step in steps:
                column = map(step, column)
            return list(column)

        return normalize_all


def reference_key(reference: str | list[str] | None) -> str | tuple[str, ...] | None:
    """A hashable key for a sample's reference(s), for per-batch caches."""
    return tuple(reference) if isinstance(reference, list) else reference


def word_key(word: str) -> str:
    """A word as compared with the prompt's words: case-folded, punctuation removed ('France?' -> 'france')."""
    return word.casefold().translate(_PUNCTUATION)


def without_prompt_words(words: list[str], prompt_keys: frozenset[str]) -> list[str]:
    """The words whose key is not among the prompt's: what a text says beyond restating the prompt."""
    return [w for w in words if (key := word_key(w)) not in prompt_keys or not key]


# Scripts written without spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar):
# their characters never continue a word, so a whole-word match next to them is allowed. Code point
# ranges, shared with the regex form in graders._regex so both modes agree.
NO_SPACE_RANGES = (
    (0x0E01, 0x0E5B), (0x0E81, 0x0EDF), (0x1000, 0x109F), (0x1780, 0x17F9), (0x19E0, 0x19FF),
    (0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3021, 0x3029), (0x3038, 0x303B), (0x3041, 0x30FF),
    (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA9E0, 0xA9FE), (0xAA60, 0xAA7F),
    (0xF900, 0xFAFF), (0xFF66, 0xFF9D), (0x1B000, 0x1B16F), (0x20000, 0x3134F),
)
_NO_SPACE_STARTS = [lo for lo, _ in NO_SPACE_RANGES]


def is_word_char(char: str) -> bool:
    """Whether a character continues a word: a letter, mark or digit (Unicode L*, M*, N*) or '_',
    outside the scripts written without spaces."""
    if char.isascii():
        return char.isalnum() or char == "_"
    if unicodedata.category(char)[0] not in "LMN":
        return False
    i = bisect.bisect_right(_NO_SPACE_STARTS, ord(char)) - 1
    return not (i >= 0 and ord(char) <= NO_SPACE_RANGES[i][1])


class WholeWordFinder:
    """Finds a literal text where it does not continue a word: the boundary is checked only at an
    end of the text that is a word character ('def ' is found in 'def f', '42' not in '1423').

    ``str.find`` and two character checks per occurrence: linear in the text, and no regex to build.
    """

    __slots__ = ("needle", "_check_start", "_check_end")

    def __init__(self, needle: str):
        self.needle = needle
        self._check_start = bool(needle) and is_word_char(needle[0])
        self._check_end = bool(needle) and is_word_char(needle[-1])

    def find(self, text: str) -> int:
        """The index of the first whole-word occurrence, or -1."""
        needle, n = self.needle, len(text)
        i = text.find(needle)
        while i != -1:
            j = i + len(needle)
            if not (self._check_start and i > 0 and is_word_char(text[i - 1])) and not (
                    self._check_end and j < n and is_word_char(text[j])):
                return i
            i = text.find(needle, i + 1)
        return -1
