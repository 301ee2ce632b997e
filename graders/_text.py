"""Text normalisation options shared by the string graders (exact, contains, similarity)."""

from __future__ import annotations

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

    def normalizer(self) -> Callable[[str], str]:
        """One function applying the chosen steps, built once per grader."""
        steps: list[Callable[[str], str]] = []
        split_join = self.collapse_whitespace and self.strip  # one C call does both
        if self.unicode_nfkc:
            steps.append(lambda s: s if s.isascii() else unicodedata.normalize("NFKC", s))
        if not self.case_sensitive:
            steps.append(str.casefold)
        if self.strip_punctuation:
            steps.append(lambda s: s.translate(_PUNCTUATION))
        if split_join:
            steps.append(lambda s: " ".join(s.split()))
        elif self.collapse_whitespace:
            steps.append(lambda s: _WHITESPACE.sub(" ", s))
        elif self.strip:
            steps.append(str.strip)
        if not steps:
            return lambda s: s
        if len(steps) == 1:
            return steps[0]

        def normalize(text: str) -> str:
            for step in steps:
                text = step(text)
            return text

        return normalize


def reference_key(reference: str | list[str] | None) -> str | tuple[str, ...] | None:
    """A hashable key for a sample's reference(s), for per-batch caches."""
    return tuple(reference) if isinstance(reference, list) else reference
