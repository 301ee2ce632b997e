"""User regexes (from a grader config or a reference) compiled for RE2, a linear-time engine.

Python's ``re`` backtracks: ``(a+)+$`` against 28 ``a`` and a ``!`` takes seconds, doubling per
character, and a policy (or a dataset) controls both sides of such a match. RE2 runs in time
linear in the text for every pattern it accepts, so a grade cannot hang in a regex. What it
refuses is what needs backtracking: backreferences (``\\1``), lookaround (``(?=``, ``(?!``,
``(?<=``, ``(?<!``), atomic groups and possessive quantifiers, conditionals, and a few Python
escapes (``\\Z`` is written ``\\z``; ``\\uXXXX`` is written ``\\x{XXXX}``). A refused pattern is an
error, never a fallback to ``re``.
"""

from __future__ import annotations

import re2

from graders._text import NO_SPACE_RANGES

UNSUPPORTED = ("RE2, the linear-time regex engine, has no backreferences, lookaround, atomic groups "
               "or possessive quantifiers; write \\z for Python's \\Z")

# A word character for whole-word matching (as graders._text.is_word_char): letters, marks, digits,
# underscore, except the characters of scripts written without spaces, which never continue a word.
_WORD = r"\pL\pM\pN_"
_NO_SPACE = "".join(rf"\x{{{lo:X}}}-\x{{{hi:X}}}" for lo, hi in NO_SPACE_RANGES)
_EDGE = rf"[^{_WORD}]|[{_NO_SPACE}]"


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why and what RE2 refuses."""


def compile_linear(pattern: str, *, ignore_case: bool = False, multiline: bool = False,
                   dotall: bool = False) -> re2._Regexp:
    """The pattern compiled by RE2 with Python-like flags; ``PatternError`` when RE2 refuses it."""
    options = re2.Options()
    options.log_errors = False  # the reason is in the exception; nothing is printed to stderr
    options.case_sensitive = not ignore_case
    options.dot_nl = dotall
    try:
        return re2.compile(f"(?m:{pattern})" if multiline else pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid pattern"
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise PatternError(f"{reason} ({UNSUPPORTED})") from None


def whole_word(body: str) -> str:
    """A pattern matching ``body`` only where the characters on both sides of the match are not word
    characters; the match is group 1.

    RE2 has no lookaround, so the neighbouring characters are consumed instead: a search for the
    existence of a match is unchanged by that. The Unicode classes make this pattern slower to build
    than ``body`` alone (milliseconds): search ``body`` first, and this only where it matched.
    """
    return rf"(?:^|{_EDGE})({body})(?:{_EDGE}|$)"
