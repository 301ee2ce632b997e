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

UNSUPPORTED = ("RE2, the linear-time regex engine, has no backreferences, lookaround, atomic groups "
               "or possessive quantifiers; write \\z for Python's \\Z")

# A word character for whole-word matching: letters, combining marks, digits, underscore. Scripts
# written without spaces between words (Chinese, Japanese, Thai, ...) have no word boundaries to
# respect, so their characters never make a boundary fail.
_WORD = r"\pL\pM\pN_"
_NO_SPACE_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}"
_EDGE = rf"[^{_WORD}]|[{_NO_SPACE_SCRIPTS}]"


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


def whole_word(body: str, *, start: bool = True, end: bool = True) -> str:
    """A pattern matching ``body`` only where the characters around the match are not word
    characters (at the start and/or the end); the match is group 1.

    RE2 has no lookaround, so the neighbouring characters are consumed instead: a search for the
    existence of a match is unchanged by that.
    """
    before = f"(?:^|{_EDGE})" if start else ""
    after = f"(?:{_EDGE}|$)" if end else ""
    return f"{before}({body}){after}"


_WORD_CHAR = re2.compile(rf"[{_WORD}]")
_NO_SPACE_CHAR = re2.compile(rf"[{_NO_SPACE_SCRIPTS}]")


def is_word_char(char: str) -> bool:
    """Whether a character can continue a word (see ``whole_word``)."""
    return bool(_WORD_CHAR.fullmatch(char)) and not _NO_SPACE_CHAR.fullmatch(char)


def whole_word_literal(text: str) -> str:
    """A pattern finding ``text`` where it does not continue a word: the boundary is checked only at
    an end of ``text`` that is a word character ('def ' is found in 'def f', '42' is not in '1423')."""
    return whole_word(re2.escape(text), start=bool(text) and is_word_char(text[0]),
                      end=bool(text) and is_word_char(text[-1]))
