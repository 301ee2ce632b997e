"""Finding the final answer in a model response.

Each strategy looks for one convention and returns the last answer it finds, or None.
The grader tries them in the configured order and stops at the first hit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BOXED = re.compile(r"\\(?:boxed|fbox)")
_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_FINAL_ANSWER = re.compile(r"final\s+answer\s*(?:is|:|=)?\s*:?", re.IGNORECASE)
_ANSWER_IS = re.compile(r"\banswer\s+(?:is|will\s+be|should\s+be)\s*:?", re.IGNORECASE)
_ANSWER_COLON = re.compile(r"(?:^|\n)[ \t>*#_]*answer[*_]*\s*[:：][*_]*", re.IGNORECASE)
_GSM8K = re.compile(r"####\s*")
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:\s*/\s*\d+)?|-?\.\d+")
_SENTENCE_END = re.compile(r"\.(?:\s|$)|\n")
MAX_BRACE_SCAN = 20_000


def strip_thinking(text: str) -> str:
    """The text after the last ``</think>`` (the whole text when there is none)."""
    end = text.rfind("</think>")
    return text[end + len("</think>"):] if end != -1 else text


def _balanced(text: str, open_at: int) -> str | None:
    """The content of the brace group opening at ``open_at`` (bounded scan), or None."""
    depth = 0
    for i in range(open_at, min(len(text), open_at + MAX_BRACE_SCAN)):
        ch = text[i]
        if ch == "{" and text[i - 1] != "\\":
            depth += 1
        elif ch == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i]
    return None


def boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` / ``\\fbox{...}`` (nested braces), or ``\\boxed 5``."""
    for match in reversed(list(_BOXED.finditer(text))):
        i = match.end()
        while i < len(text) and text[i] == " ":
            i += 1
        if i < len(text) and text[i] == "{":
            content = _balanced(text, i)
            if content is not None:
                return content.strip()
        elif i > match.end():  # \boxed 5
            token = re.match(r"[^\s$]+", text[i:])
            if token:
                return token.group(0)
    return None


def answer_tag(text: str) -> str | None:
    found = _ANSWER_TAG.findall(text)
    if not found:
        return None
    content = found[-1].strip()
    return boxed(content) or content or None


def _after(pattern: re.Pattern[str], text: str) -> str | None:
    """The answer written after the last match of ``pattern``: a $...$ span, a box, or the clause."""
    matches = list(pattern.finditer(text))
    if not matches:
        return None
    rest = text[matches[-1].end():].lstrip(" \t*_")
    inner = boxed(rest[:2000]) if rest.lstrip("$\\( ").startswith(("\\boxed", "\\fbox")) else None
    if inner:
        return inner
    for open_, close in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if rest.startswith(open_):
            end = _unescaped(rest, close, len(open_))
            if end != -1:
                return rest[len(open_):end].strip() or None
    end = _SENTENCE_END.search(rest)
    clause = (rest[: end.start()] if end else rest).strip().strip("*_").strip()
    return clause or None


def _unescaped(text: str, needle: str, start: int) -> int:
    """Index of the next ``needle`` not preceded by a backslash (so ``\\$`` is not a closing ``$``)."""
    end = text.find(needle, start)
    while end > 0 and text[end - 1] == "\\" and needle == "$":
        end = text.find(needle, end + 1)
    return end


def final_answer(text: str) -> str | None:
    return _after(_FINAL_ANSWER, text)


def answer_is(text: str) -> str | None:
    return _after(_ANSWER_IS, text)


def answer_colon(text: str) -> str | None:
    return _after(_ANSWER_COLON, text)


def gsm8k(text: str) -> str | None:
    found = list(_GSM8K.finditer(text))
    if not found:
        return None
    line = text[found[-1].end():].split("\n", 1)[0].strip()
    return line or None


def last_number(text: str) -> str | None:
    """The last number in the text (a fallback when no answer is marked)."""
    found = _NUMBER.findall(text[-5000:])
    return found[-1].replace(" ", "") if found else None


STRATEGIES: dict[str, Callable[[str], str | None]] = {
    "boxed": boxed,
    "answer_tag": answer_tag,
    "final_answer": final_answer,
    "answer_is": answer_is,
    "answer_colon": answer_colon,
    "gsm8k": gsm8k,
}

_CHOICE = re.compile(r"^\(?\s*([A-Ja-j])\s*\)?[.:)]?(?:\s|$)")
_CHOICE_PHRASE = re.compile(r"(?:answer|option|choice)\s*(?:is|:)?\s*\(?\s*([A-J])\b\)?", re.IGNORECASE)
_CHOICE_PAREN = re.compile(r"\(([A-J])\)")
_CHOICE_LINE = re.compile(r"(?:^|\n)\s*([A-J])\s*[:.)]")


def choice_letter(text: str) -> str | None:
    """A multiple-choice letter in an extracted answer: 'B', '(B)', 'B:', 'option B', '\\text{(B)}'."""
    text = re.sub(r"\\text\{([^{}]*)\}", r"\1", text).strip().strip("$").strip()
    m = _CHOICE.match(text)
    if m:
        return m.group(1).upper()
    m = _CHOICE_PHRASE.search(text)
    return m.group(1).upper() if m else None


def find_choice(text: str) -> str | None:
    """A multiple-choice letter anywhere in a response, latest clear statement first."""
    for pattern in (_CHOICE_PHRASE, _CHOICE_PAREN, _CHOICE_LINE):
        found = pattern.findall(text)
        if found:
            return found[-1].upper()
    return None
