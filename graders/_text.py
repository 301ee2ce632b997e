"""Text normalisation options shared by the string graders (exact, contains, similarity)."""

from __future__ import annotations

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
