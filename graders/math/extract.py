"""Finding the final answer in a model response.

The response is first cut to what the model committed to (``final_part``): chat-template tokens end
it, an unterminated ``<think>`` holds no answer, and only the text after the last ``</think>`` counts.
Each strategy then looks for one convention and returns what it finds, or None; the grader tries
them in the configured order and stops at the first hit. Every scan here is linear in the text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

# A chat-template token ends the model's turn: "<|im_end|>", "<|eot_id|>", "</s>", "<｜end▁of▁sentence｜>".
_SPECIAL_TOKEN = re.compile(r"<\|[^|<>\n]{1,40}\|>|</s>|<｜[^｜<>\n]{1,40}｜>")
_ROLE_WORD = re.compile(r"\s*(?:assistant|model)\b\s*", re.IGNORECASE)
_BOXED = re.compile(r"\\(?:boxed|fbox)")
_FINAL_ANSWER = re.compile(r"final\s+answer\b\s*(?:is|:|=)?\s*:?(?:\s*the\s+final\s+answer\s+is\s*:?)?", re.IGNORECASE)
_ANSWER_IS = re.compile(r"\banswer\s+(?:is|will\s+be|should\s+be)\s*:?", re.IGNORECASE)
_ANSWER_COLON = re.compile(r"(?:^|\n)[ \t>*#_]*answer[*_]*[ \t]*[:：][*_]*", re.IGNORECASE)
_GSM8K = re.compile(r"####[ \t]*")
# A number that is a word of its own: not part of "AZYUK2A", "x2" or "3rd".
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?(?![\w])|(?<![\w.])-?\.\d+(?![\w])")
_SENTENCE_END = re.compile(r"\.(?:\s|$)|\n|[!?](?:\s|$)")
# Between two boxes of one answer ("\boxed{1}, \boxed{2}", "\boxed{-2} \quad\text{and}\quad \boxed{1}").
_BOX_GAP = re.compile(
    r"(?:\s|[,;&]|\$|\\[()\[\]]|\\q?quad\b|\\[,;!: ]|\\\\|\\text\{\s*(?:and|or|,)?\s*\}|\band\b|\bor\b)*"
)
# Math spans, for an answer written as the last formula: $$..$$, \[..\], \(..\), $..$.
_MATH_SPAN = re.compile(r"\$\$(.{1,2000}?)\$\$|\\\[(.{1,2000}?)\\\]|\\\((.{1,2000}?)\\\)|(?<![\\$])\$([^$]{1,2000}?)(?<!\\)\$",
                        re.DOTALL)
# Sentences that carry no answer at the end of a response ("I hope it is correct.").
_COURTESY = re.compile(r"i hope|hope (?:this|it|that) helps|let me know|feel free|is (?:this|that) correct", re.IGNORECASE)
# A concluding sentence that hedges does not commit to its number.
_HEDGE_WORDS = re.compile(r"\b(?:maybe|perhaps|possibly|probably|either|guess|might|not sure|unsure|or)\b",
                          re.IGNORECASE)
_COPULA = re.compile(r"\s(?:is|are|equals|was|will be)\s", re.IGNORECASE)
# After the final answer, a hedge word followed by another number or formula ("(or possibly $41$)").
_TRAILING_HEDGE = re.compile(
    r"\b(?:or|maybe|perhaps|possibly|alternatively|otherwise|but|though|although|however|unless|else|wait|"
    r"if not|instead|actually)\b", re.IGNORECASE)
# Words that take back or blur what a sentence states about its number: "it is not 42", "x > 42",
# "about 42", "42 is ruled out". A sentence with one of them commits to no answer.
DISAVOWAL = re.compile(
    r"\b(?:not|never|cannot|no|none|neither|nor|wrong|incorrect|false|impossible|ruled|unknown|unclear|"
    r"less|more|fewer|greater|than|exceeds?|exceeding|least|most|above|below|under|over|about|around|"
    r"approximately|approx|roughly|nearly|near|almost|estimate[ds]?|guess|unless|if|would|could)\b|n't\b|"
    r"[<>≠≤≥≈]|!=|\\(?:neq?|[lg]eq?|[lg]t|approx|not)(?![A-Za-z])", re.IGNORECASE)
_SPAN_OR_TAG = re.compile(r"\$[^$]{0,200}\$|\\\(.{0,200}?\\\)|<[^<>\n]{0,20}>")


def disavows(prose: str) -> bool:
    """Whether a sentence takes back or blurs its number (formulas and tags in it are not read)."""
    return DISAVOWAL.search(_SPAN_OR_TAG.sub(" ", prose)) is not None


_NUMBER_OR_FORMULA = re.compile(r"\$([^$]{1,200})\$|\\\((.{1,200}?)\\\)|(?<![\w.])-?\d+(?:[.,]\d+)*(?:/\d+)?")
# What stands right before a side condition, and right before a stated value.
# The arithmetic right before an '=' ("she sold 48 + 24 = 72": "48 + 24").
_COMPUTATION_END = re.compile(r"(?:[\d.,]+\s?[-+*/×÷x·]\s?)*[\d.,]+\s?$")
_HYPOTHETICAL = re.compile(r"\b(?:suppose|assume|assuming|if|let's say|say|guess|whether|unless)\b", re.IGNORECASE)
_SOLVED_FOR = re.compile(r"\s*([A-Za-z](?:_\{?\w+\}?)?)\s*=")
_CONDITION_BEFORE = re.compile(r"\b(?:at|for|when|where|with|if|since|because|on|in|of|given)\s*$", re.IGNORECASE)
_COPULA_BEFORE = re.compile(r"(?:\b(?:is|are|be|equals|was)|[=:])\s*$", re.IGNORECASE)
_LEADING_BOX = re.compile(r"(?:\$\$?|\\[(\[]|\s)*\\(?:boxed|fbox)")
MAX_BRACE_SCAN = 20_000
CLAUSE_WINDOW = 2_100  # longer than the longest answer the grader reads
MAX_OCCURRENCES = 40  # of one marker, read from the end (enough to see a hedge, bounded work)


@dataclass
class Found:
    """What the response commits to: the answer, the other final answers it gives (different ones
    make a hedge), whether there are too many to check, whether it is cut off, and whether the answer
    was marked (a strategy found it) rather than read by the fallback."""

    answer: str | None
    others: list[str] = field(default_factory=list)
    too_many_answers: bool = False
    unterminated: bool = False
    marked: bool = False


def final_part(text: str, ignore_thinking: bool = True) -> str:
    """The part of a response that can hold its answer.

    Leading chat tokens (``<|im_start|>assistant``) are skipped and the first later one ends the
    turn. With ``ignore_thinking``, the text after the last ``</think>`` is kept; a ``<think>``
    that is never closed makes everything after it reasoning, not an answer.
    """
    start = 0
    while (m := _SPECIAL_TOKEN.match(text, start)) or (start < len(text) and text[start].isspace()):
        start = m.end() if m else start + 1
        if m and (role := _ROLE_WORD.match(text, start)):
            start = role.end()
    end = _SPECIAL_TOKEN.search(text, start)
    text = text[start : end.start() if end else len(text)]
    if not ignore_thinking:
        return text
    closed = text.rfind("</think>")
    if closed != -1:
        text = text[closed + len("</think>"):]
    opened = text.find("<think>")
    return text[:opened] if opened != -1 else text


def after_answer(text: str, end: int) -> tuple[bool, list[str]]:
    """What the text right after a final answer does to it: whether its sentence takes it back
    ("\\boxed{42} is not the answer", "... is wrong"), and the other values it offers after a hedge or
    contrast word ("(or possibly $41$)", "but it might be 41", "wait, ... the total is 41")."""
    window = text[end : end + 300]
    sentence = _SENTENCE_END.split(window, 1)[0]
    disavowed = disavows(sentence)
    offered = []
    for hedge in _TRAILING_HEDGE.finditer(window):
        clause = window[hedge.end() : hedge.end() + 120]
        values = [next(g for g in m.groups() if g is not None) if m.group(0)[0] in "$\\" else m.group(0)
                  for m in _NUMBER_OR_FORMULA.finditer(clause)]
        letters = _LONE_LETTER.findall(clause.split("\n\n", 1)[0])
        if values:
            offered.append(values[-1].strip())
        offered += letters
    return disavowed, offered


def _closing_braces(text: str, start: int, stop: int) -> dict[int, int]:
    """For each unescaped ``{`` in ``text[start:stop]``, the index of its matching ``}`` (one pass)."""
    pairs, stack = {}, []
    i = start
    while i < stop:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            pairs[stack.pop()] = i
        i += 1
    return pairs


def boxes(text: str) -> tuple[list[tuple[int, int, str]], bool]:
    """The top-level ``\\boxed{...}`` / ``\\fbox{...}`` (and ``\\boxed 5``) as (start, end, content),
    in order, and whether a box after the last closed one is left open (a cut-off answer)."""
    found: list[tuple[int, int, str]] = []
    starts = [m for m in _BOXED.finditer(text)]
    if not starts:
        return found, False
    pairs = _closing_braces(text, starts[0].start(), min(len(text), starts[-1].end() + MAX_BRACE_SCAN))
    covered_to, unterminated = -1, False
    for match in starts:
        if match.start() < covered_to:
            continue  # a box inside a box: the outer one is the answer
        i = match.end()
        while i < len(text) and text[i] == " ":
            i += 1
        if i < len(text) and text[i] == "{":
            close = pairs.get(i)
            if close is None:
                unterminated = True
                covered_to = len(text)
                continue
            found.append((match.start(), close + 1, text[i + 1 : close].strip()))
            covered_to = close + 1
            unterminated = False
        elif i > match.end() and (token := re.match(r"[^\s$]{1,100}", text[i : i + 100])):
            found.append((match.start(), i + token.end(), token.group(0)))
            covered_to = i + token.end()
            unterminated = False
    return found, unterminated


@dataclass(frozen=True)
class Answer:
    """One answer a strategy found, and where it ends in the text."""

    text: str
    end: int


def boxed_answers(text: str) -> list[Answer] | None:
    """Every group of adjacent boxes, in order (a group is one answer, joined as a list: repeats of
    one value count once); None when the last box is never closed (a cut-off answer)."""
    found, unterminated = boxes(text)
    if unterminated:
        return None
    groups: list[list[tuple[int, int, str]]] = []
    for box in found:
        if groups and (gap := text[groups[-1][-1][1] : box[0]]) is not None and len(gap) <= 200 \
                and _BOX_GAP.fullmatch(gap) is not None:
            groups[-1].append(box)
        else:
            groups.append([box])
    answers = []
    for group in groups:
        contents = list(dict.fromkeys(content for _, _, content in group if content))
        if contents:
            answers.append(Answer(", ".join(contents), group[-1][1]))
    return answers


def open_answer_tag(text: str) -> bool:
    """Whether an ``<answer>`` is opened after the last ``</answer>`` (a cut-off answer)."""
    low = text.lower()
    return low.rfind("<answer>") > low.rfind("</answer>")


def boxed(text: str) -> str | None:
    """The content of the last group of boxes, or None (also for an unclosed box)."""
    found = boxed_answers(text)
    return found[-1].text if found else None


def answer_tags(text: str) -> list[Answer]:
    """The content of every ``<answer>...</answer>`` (its box, when it holds one), in order."""
    low, found, start = text.lower(), [], 0
    while (open_ := low.find("<answer>", start)) != -1:
        close = low.find("</answer>", open_)
        if close == -1:
            break
        content = text[open_ + len("<answer>") : close].strip()
        content = boxed(content) or content
        if content:
            found.append(Answer(content, close + len("</answer>")))
        start = close + len("</answer>")
    return found


def _clause(text: str, start: int) -> Answer | None:
    """The answer written from ``start``: a box, a math span, or the clause up to the sentence end
    (after its last 'is': "the volume is 120" answers 120). Reads a bounded window: a clause with no
    end in it comes back as long as the window, which the grader refuses as too long."""
    window = text[start : start + CLAUSE_WINDOW]
    skipped = len(window) - len(window.lstrip(" \t*_#"))
    rest = window[skipped:]
    if rest.startswith("\n"):
        skipped += len(rest) - len(rest.lstrip())
        rest = rest.lstrip()
    if _LEADING_BOX.match(rest) and (inner := boxed_answers(text[start + skipped : start + MAX_BRACE_SCAN])):
        return Answer(inner[0].text, start + skipped + inner[0].end)
    for open_, close in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if rest.startswith(open_):
            end = _unescaped(rest, close, len(open_))
            if end != -1 and rest[len(open_):end].strip():
                return Answer(rest[len(open_):end].strip(), start + skipped + end + len(close))
    end = _SENTENCE_END.search(rest)
    clause = rest[: end.start()] if end else rest
    clause_end = start + skipped + len(clause)
    if ("\\boxed" in clause or "\\fbox" in clause) and not any(c.isdigit() for c in _BOXED.split(clause, 1)[0]):
        inner = boxed_answers(clause)  # "Therefore, the solutions are $\\boxed{1}\\boxed{2}$"
        return Answer(inner[-1].text, clause_end) if inner else None
    if not disavows(clause):  # "unknown; a common guess is 42" states nothing
        clause = _COPULA.split(clause)[-1]
    clause = clause.strip().strip("*_").strip()
    return Answer(clause, clause_end) if clause else None


def _after_each(pattern: re.Pattern[str], text: str) -> list[Answer]:
    """The answer after each of the last ``MAX_OCCURRENCES`` matches of ``pattern``, in order; a
    hypothetical ("Suppose the answer is 7") states no answer."""
    last = list(pattern.finditer(text))[-MAX_OCCURRENCES:]
    return [a for m in last if not _HYPOTHETICAL.search(_SENTENCE_END.split(text[max(0, m.start() - 200) : m.start()])[-1])
            and (a := _clause(text, m.end())) is not None]


def final_answers(text: str) -> list[Answer]:
    return _after_each(_FINAL_ANSWER, text)


def answers_is(text: str) -> list[Answer]:
    return _after_each(_ANSWER_IS, text)


def answer_colons(text: str) -> list[Answer]:
    return _after_each(_ANSWER_COLON, text)


def gsm8k_answers(text: str) -> list[Answer]:
    found = []
    for m in list(_GSM8K.finditer(text))[-MAX_OCCURRENCES:]:
        line = text[m.end() : m.end() + 2000].split("\n", 1)[0].strip()
        if line:
            found.append(Answer(line, m.end() + len(line)))
    return found


def _unescaped(text: str, needle: str, start: int) -> int:
    """Index of the next ``needle`` not preceded by a backslash (so ``\\$`` is not a closing ``$``)."""
    end = text.find(needle, start)
    while end > 0 and text[end - 1] == "\\" and needle == "$":
        end = text.find(needle, end + 1)
    return end


def _last(answers: list[Answer] | None) -> str | None:
    return answers[-1].text if answers else None


def gsm8k(text: str) -> str | None:
    return _last(gsm8k_answers(text))


def _sentences(text: str) -> list[str]:
    """The sentences of the text's last 2,000 characters, without trailing courtesy sentences."""
    tail = text[-2000:]
    parts = [p.strip() for p in _SENTENCE_END.split(tail)]
    parts = [p for p in parts if p]
    while parts and _COURTESY.search(parts[-1]) and not any(ch.isdigit() for ch in parts[-1]):
        parts.pop()
    return parts


def last_formula(text: str) -> str | None:
    """The last math span (``$..$``, ``\\(..\\)``, ``\\[..\\]``) of the response's final paragraph.

    A response that ends "Therefore $x \\geq 5$ is the solution." answers ``x \\geq 5``, not 5.
    """
    tail = text[-4000:].rstrip()
    while True:  # drop trailing courtesy paragraphs and sentences without maths
        cut = max(tail.rfind("\n\n"), 0)
        paragraph = tail[cut:]
        if cut and not any(c.isdigit() or c in "$\\" for c in paragraph) and _COURTESY.search(paragraph):
            tail = tail[:cut].rstrip()
            continue
        break
    spans = list(_MATH_SPAN.finditer(paragraph))
    if not spans:
        return None
    chosen = spans[-1]
    if _CONDITION_BEFORE.search(paragraph, max(0, chosen.start() - 30), chosen.start()):
        # "the minimum value is $-\frac94$, attained at $x = \frac32$": the side condition is not it.
        for span in reversed(spans[:-1]):
            between = paragraph[span.end() : chosen.start()]
            if _SENTENCE_END.search(between):
                break
            if _COPULA_BEFORE.search(paragraph, max(0, span.start() - 30), span.start()):
                chosen = span
                break
    rest, *later = _SENTENCE_END.split(paragraph[chosen.end() :], 1)
    before = _SENTENCE_END.split(paragraph[max(0, chosen.start() - 300) : chosen.start()])[-1]
    if disavows(before + " $ $ " + rest[:300]):  # "Therefore $42$ is impossible.", "it is not $42$"
        return None
    if later and any(ch.isdigit() for ch in later[0]):
        return None  # a later sentence states a number: the formula is not the last word
    contents = [next(g for g in chosen.groups() if g is not None).strip()]
    solved_for = _SOLVED_FOR.match(contents[0])
    for span in reversed(spans[: spans.index(chosen)]):  # "$x = 2$ and $x = 3$": one answer, a list
        gap = paragraph[span.end() : chosen.start()]
        content = next(g for g in span.groups() if g is not None).strip()
        same = _SOLVED_FOR.match(content)
        if (len(gap) > 40 or _BOX_GAP.fullmatch(gap) is None or "$" in gap or solved_for is None or same is None
                or same.group(1) != solved_for.group(1)):
            break
        contents.insert(0, content)
        chosen = span
    return ", ".join(c for c in contents if c) or None


def conclusion(text: str) -> str | None:
    """The number a response concludes with, only when its last sentence commits to one number.

    "So she sold 48 + 24 = 72 clips." gives 72 (the value after the last '='); a last sentence with
    several numbers ("5, 6 or 7"), a hedge word ("maybe 7") or no number gives nothing, so a
    response that never commits cannot earn reward by ending on the right number.
    """
    last_two = _sentences(text)[-2:]
    sentence = next((s for s in reversed(last_two) if any(ch.isdigit() for ch in s)), None)
    if sentence is None:
        return None
    if _HEDGE_WORDS.search(sentence) or DISAVOWAL.search(sentence) or not re.search(r"[A-Za-z]{2}", sentence):
        return None  # a hedge, a denial, an estimate, or a bare number after a long response
    before_equals, equals, after_equals = sentence.rpartition("=")
    numbers = _NUMBER.findall(after_equals)
    if len(numbers) != 1:
        return None
    value = numbers[0].replace(" ", "")
    if equals:  # the computation ending in the value is part of the answer: "41 = 42" is no answer of 42
        computed = _COMPUTATION_END.search(before_equals[-200:])
        return f"{computed.group(0).strip()} = {value}" if computed else None
    return value


def last_number(text: str) -> str | None:
    """The last stand-alone number in the text (the lenient fallback)."""
    found = _NUMBER.findall(text[-5000:])
    return found[-1].replace(" ", "") if found else None


def last_formulas(text: str) -> list[Answer]:
    found = last_formula(text)
    return [Answer(found, len(text))] if found else []


STRATEGIES: dict[str, Callable[[str], list[Answer] | None]] = {
    "boxed": boxed_answers,
    "answer_tag": answer_tags,
    "final_answer": final_answers,
    "answer_is": answers_is,
    "answer_colon": answer_colons,
    "gsm8k": gsm8k_answers,
    "last_formula": last_formulas,
}
# Strategies whose every occurrence is a final answer: two different ones are a hedge.
MARKERS = ("boxed", "answer_tag", "final_answer", "answer_is", "answer_colon", "gsm8k")

_CHOICE = re.compile(r"^\(?\s?([A-Ja-j])\s?\)?[.:)]?(?:\s|$)")
# A capital letter standing alone ("B", "(B)", "B.", "option B"), not a word's first letter nor "I think".
_LONE_LETTER = re.compile(r"(?<![A-Za-z\\])([A-HJ]|I(?! [a-z]))(?![A-Za-z])")
_CHOICE_PHRASE = re.compile(r"\b(?:answer|option|choice)\s?(?:is|:)?\s?\(?\s?([A-J])\b\)?", re.IGNORECASE)
_CHOICE_PAREN = re.compile(r"\(([A-J])\)")
_CHOICE_LINE = re.compile(r"(?:^|\n)\s?([A-J])\s?[:.)]")
_LAST_LINE_LETTER = re.compile(r"(?:^|\n)\s?\(?([A-J])\)?\s?$")
_WRAPPER = re.compile(r"\\(?:text|textbf|textnormal|mathrm|mathbf|mbox)\s*\{([^{}]*)\}")
_WHITESPACE = re.compile(r"\s+")


def _squeeze(text: str) -> str:
    """One space for every run of whitespace (keeps the choice patterns from backtracking)."""
    return _WHITESPACE.sub(lambda m: "\n" if "\n" in m.group(0) else " ", text)


def choice_letters(text: str) -> set[str]:
    """The choice letters an extracted answer names: 'B', '(B)', 'B:', 'option B', '\\text{(B)}'."""
    text = _squeeze(_WRAPPER.sub(r"\1", unicodedata.normalize("NFKC", text))).strip().strip("$").strip()
    if _HEDGE_WORDS.search(text) or DISAVOWAL.search(text):
        return set()  # "Not B", "probably B", "B maybe": no committed choice
    m = _CHOICE.match(text)
    if m and len(text) <= 3 + len(m.group(0)):
        return {m.group(1).upper()}
    if len(text) <= 60:  # a short answer: every letter standing alone in it ("A or B" names two)
        return set(_LONE_LETTER.findall(text))
    letters = {p.upper() for p in _CHOICE_PHRASE.findall(text)}
    if m:
        letters.add(m.group(1).upper())
    return letters


def find_choices(text: str) -> set[str]:
    """The choice letters a whole response commits to, latest clear statement first.

    Only one kind of statement is read: the last "answer/option/choice is X" phrases; failing
    that, parenthesised letters or line-leading letters when the response names exactly one.
    """
    text = _squeeze(text[-4000:])
    phrases = _CHOICE_PHRASE.findall(text)
    if phrases:
        return {phrases[-1].upper()}
    for pattern in (_CHOICE_PAREN, _CHOICE_LINE, _LAST_LINE_LETTER):
        found = {letter.upper() for letter in pattern.findall(text)}
        if found:
            return found
    return set()
