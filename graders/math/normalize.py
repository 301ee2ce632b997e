"""String clean-up of an extracted answer before parsing: LaTeX noise, Unicode maths, units, words.

The output is still text, but in one canonical spelling: ``\\dfrac`` is ``\\frac``, ``√`` is
``\\sqrt``, ``×`` is ``*``, ``\\left(`` is ``(``, thousands separators, degrees, dollars,
units and ``\\text{...}`` wrappers are gone, and number words are digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

# Unicode maths, mapped before NFKC (which would turn x² into x2).
_UNICODE = {
    "√": "\\sqrt ", "∛": "\\sqrt[3] ", "π": "\\pi ", "×": "*", "·": "*", "⋅": "*", "∗": "*", "÷": "/",
    "−": "-", "–": "-", "—": "-", "≤": "\\le ", "≥": "\\ge ", "≠": "\\ne ", "⩽": "\\le ", "⩾": "\\ge ",
    "∞": "\\infty ", "∪": "\\cup ", "∩": "\\cap ", "∈": "\\in ", "±": "\\pm ", "∓": "\\mp ",
    "⁄": "/", "∅": "\\emptyset ", "ℝ": "\\mathbb{R}", "θ": "\\theta ", "°": "", "′": "'", "½": "(1/2)",
    "⅓": "(1/3)", "⅔": "(2/3)", "¼": "(1/4)", "¾": "(3/4)", "⅕": "(1/5)", "⅛": "(1/8)",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))

# LaTeX that carries no value.
_DROP = re.compile(
    r"\\(?:left|right|big|Big|bigg|Bigg|displaystyle|textstyle|limits|nolimits)(?![a-zA-Z])"
    r"|(?<!\\)\\[,;: ()\[\]]|\\q?quad(?![a-zA-Z])|\\(?:hspace|vspace)\*?\{[^{}]*\}|~"
)
# "A \approx B": the answer is A (B is only its rounded value), or B when A is empty.
_APPROX = re.compile(r"\\approx(?![a-zA-Z])|≈")
_RENAME = [
    (re.compile(r"\\[dtc]frac(?![a-zA-Z])"), r"\\frac"),
    (re.compile(r"\\[dt]binom(?![a-zA-Z])"), r"\\binom"),
    (re.compile(r"\\(?:leq|leqslant)(?![a-zA-Z])"), r"\\le"),
    (re.compile(r"\\(?:geq|geqslant)(?![a-zA-Z])"), r"\\ge"),
    (re.compile(r"\\(?:neq)(?![a-zA-Z])"), r"\\ne"),
    (re.compile(r"\\(?:times|cdot|ast)(?![a-zA-Z])"), "*"),
    (re.compile(r"\\div(?![a-zA-Z])"), "/"),
    (re.compile(r"\\(?:varnothing)(?![a-zA-Z])"), r"\\emptyset"),
    (re.compile(r"\\(?:lbrace)(?![a-zA-Z])"), r"\\{"),
    (re.compile(r"\\(?:rbrace)(?![a-zA-Z])"), r"\\}"),
    (re.compile(r"\\(?:vert|lvert|rvert|mid)(?![a-zA-Z])"), "|"),
    (re.compile(r"\\(?:lt)(?![a-zA-Z])"), "<"),
    (re.compile(r"\\(?:gt)(?![a-zA-Z])"), ">"),
    (re.compile(r"\\(?:to|rightarrow)(?![a-zA-Z])"), r"\\to"),
    (re.compile(r"\{,\}"), ","),  # 1{,}000 (LaTeX thousands)
]
# Degrees, dollars, percent.
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])|\bdegrees?\b")
_DOLLAR = re.compile(r"\\\$|\$")
_PERCENT = re.compile(r"\\?%|\\percent(?![a-zA-Z])|\s*\b(?:percent(?:age)?|pct)\b")
# \text{...}-like wrappers: the content is kept (units among it are dropped afterwards).
_TEXT = re.compile(r"\\(?:text|textbf|textit|textrm|textnormal|textsf|texttt|mathrm|mathbf|mathit|mbox|"
                   r"operatorname|boldsymbol|mathsf|mathnormal)\s*\{([^{}]*)\}")
UNIT_WORDS = frozenset("""
cm mm km m2 m3 meter meters metre metres centimeter centimeters millimeter millimeters kilometer kilometers
inch inches feet foot ft yard yards yd mile miles mph kg gram grams kilogram kilograms lb lbs pound pounds
ounce ounces oz liter liters litre litres ml gallon gallons second seconds sec secs minute minutes min mins
hour hours hr hrs day days week weeks month months year years dollar dollars cent cents unit units sq
square cubic per each km/h m/s rpm degree degrees radian radians rad
""".split())
# Words that change what a number means: "42 maybe" is not the answer 42.
_NOT_UNITS = frozenset(
    "maybe perhaps possibly probably likely unlikely not nor or and either guess approximately about roughly "
    "wrong incorrect false negative ish hundred hundreds thousand thousands million millions billion billions "
    "trillion dozen dozens half times squared cubed percent".split())

@dataclass(frozen=True)
class Unit:
    """A unit an answer was given in: its dimension ('length^2') and its size in that dimension's base."""

    dimension: str
    size: Fraction


_UNIT_SIZES = {  # base units: second, metre, gram, litre, dollar
    "second": ("time", 1), "minute": ("time", 60), "hour": ("time", 3600), "day": ("time", 86400),
    "week": ("time", 604800), "mm": ("length", Fraction(1, 1000)), "cm": ("length", Fraction(1, 100)),
    "m": ("length", 1), "km": ("length", 1000), "inch": ("length", Fraction(254, 10000)),
    "foot": ("length", Fraction(3048, 10000)), "yard": ("length", Fraction(9144, 10000)),
    "mile": ("length", Fraction(1609344, 1000)), "mg": ("mass", Fraction(1, 1000)), "g": ("mass", 1),
    "kg": ("mass", 1000), "lb": ("mass", Fraction(45359237, 100000)), "oz": ("mass", Fraction(45359237, 1600000)),
    "ml": ("volume", Fraction(1, 1000)), "l": ("volume", 1), "dollar": ("money", 1), "cent": ("money", Fraction(1, 100)),
}
_UNIT_ALIASES = {
    "s": "second", "sec": "second", "secs": "second", "seconds": "second", "min": "minute", "mins": "minute",
    "minutes": "minute", "h": "hour", "hr": "hour", "hrs": "hour", "hours": "hour", "days": "day",
    "weeks": "week", "meter": "m", "meters": "m", "metre": "m", "metres": "m", "centimeter": "cm",
    "centimeters": "cm", "millimeter": "mm", "millimeters": "mm", "kilometer": "km", "kilometers": "km",
    "inches": "inch", "in": "inch", "feet": "foot", "ft": "foot", "yards": "yard", "yd": "yard",
    "miles": "mile", "mi": "mile", "gram": "g", "grams": "g", "kilogram": "kg", "kilograms": "kg",
    "pound": "lb", "pounds": "lb", "lbs": "lb", "ounce": "oz", "ounces": "oz", "liter": "l", "liters": "l",
    "litre": "l", "litres": "l", "dollars": "dollar", "cents": "cent",
}


def unit_of(word: str) -> Unit | None:
    """The unit one word names ('hours', 'cm^2', 'm'), or None when it is not a known unit."""
    power = _UNIT_POWER.search(word)
    name = word[: power.start()] if power else word
    name = _UNIT_ALIASES.get(name.lower().rstrip("."), name.lower().rstrip("."))
    if name not in _UNIT_SIZES:
        return None
    dimension, size = _UNIT_SIZES[name]
    exponent = int(next(c for c in power.group(0) if c.isdigit())) if power else 1
    return Unit(dimension if exponent == 1 else f"{dimension}^{exponent}", Fraction(size) ** exponent)


_BEFORE_POWER = re.compile(r"\s+(?=\^)")
_UNIT_POWER = re.compile(r"\^\s*\{?\s*[23]\s*\}?$")
# One-letter units only right after a number ("5 m", "3s"), never after a variable.
_TRAILING_LETTER_UNIT = re.compile(r"(?<=\d)\s*(?:m|s|h|g|l|in|mi)\.?(?:\^\s*\{?\d\}?)?$")
_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:,\d{3})+)(?![\d,]|\.\d*,)")
_SPACE_THOUSANDS = re.compile(r"(?<![\d.])(\d{1,3})((?: \d{3})+)(?![\d])")
_SPACES = re.compile(r"\s+")

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_FRACTION_WORDS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4}
_WORDS_RE = re.compile(r"[a-z]+")


def number_from_words(text: str) -> str | None:
    """'twenty-one' -> '21', 'one hundred and five' -> '105', 'one half' -> '1/2'; None otherwise."""
    words = _WORDS_RE.findall(text.lower().replace("-", " "))
    if not words or len(words) > 12 or " ".join(words) != _SPACES.sub(" ", text.lower().replace("-", " ").strip(" .")):
        return None
    words = [w for w in words if w not in ("and", "a", "an")]
    if not words:
        return None  # "a" is a letter, not the number 0
    if len(words) == 2 and words[0] in _SMALL and words[1] in _FRACTION_WORDS:
        return f"{_SMALL[words[0]]}/{_FRACTION_WORDS[words[1]]}"
    total = current = 0
    for word in words:
        if word in _SMALL:
            current += _SMALL[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
        else:
            return None
    return str(total + current)


_OVERLINE = re.compile(r"(\d*)\.(\d*)\\overline\{(\d{1,20})\}")


def _repeating_decimal(match: re.Match[str]) -> str:
    """'0.1\\overline{6}' -> '(1/6)': a repeating decimal is the fraction it denotes, exactly."""
    whole, fixed, period = match.group(1) or "0", match.group(2), match.group(3)
    value = int(whole) + Fraction(int(fixed + period) - int(fixed or "0"), 10 ** len(fixed) * (10 ** len(period) - 1))
    return f"({value.numerator}/{value.denominator})"


def _superscripts(match: re.Match[str]) -> str:
    return "^{" + match.group(0).translate(_SUPERSCRIPTS) + "}"


def _text_content(match: re.Match[str]) -> str:
    return " " + match.group(1) + " "


def strip_trailing_words(text: str, keep: frozenset[str]) -> tuple[str, list[str]]:
    """'72 clips' -> '72', '5\\sqrt{2} square cm' -> '5\\sqrt{2}': words after a number are units or
    nouns, not maths. Word by word from the end (linear in the text); a word in ``keep`` (a maths
    word such as 'pi') stops it, and so does anything that would leave no number behind. Returns
    the text and the words removed."""
    words = _BEFORE_POWER.sub("", text).split(" ")
    cut = len(words)
    while cut > 1:
        word = _UNIT_POWER.sub("", words[cut - 1]).rstrip(".").lower()
        if word in _NOT_UNITS or not (word in UNIT_WORDS or (len(word) > 2 and word.isalpha() and word not in keep)):
            break
        cut -= 1
    if cut == len(words):
        return text, []
    rest = " ".join(words[:cut]).rstrip()
    return (rest, words[cut:]) if rest[-1:].isdigit() or rest[-1:] in "})" else (text, [])


def normalize_answer(text: str, number_words: bool = False,
                     keep: frozenset[str] = frozenset()) -> tuple[str, bool, Unit | None]:
    """The canonical text of an answer, whether it carried a percent sign, and its unit (when it
    ends in one known unit word: '3 hours', '5 cm^2').

    ``number_words`` reads 'twenty-one' as 21 (off by default: a reward for spelled-out numbers
    is a reward a policy can farm with words); ``keep`` are the words trailing-word removal keeps.
    """
    if not text.isascii():
        text = _SUPERSCRIPT_RUN.sub(_superscripts, text)
        text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], text)
        text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub(" ", text)  # first: every pattern below then sees single spaces (no backtracking)
    text = _OVERLINE.sub(_repeating_decimal, text)
    parts = _APPROX.split(text, 1)
    if len(parts) == 2:
        text = parts[0] if parts[0].strip(" $") else parts[1]
    text = _SPACES.sub(" ", _DROP.sub(" ", text.replace("\\!", ""))).rstrip("\\")
    for pattern, replacement in _RENAME:
        text = pattern.sub(replacement, text)
    text = _DOLLAR.sub("", text)
    text = _DEGREES.sub("", text)
    for _ in range(3):  # nested \text{\textbf{...}}
        text, n = _TEXT.subn(_text_content, text)
        if not n:
            break
    text, percents = _PERCENT.subn("", text)
    text = _SPACES.sub(" ", text).strip()
    text, removed = strip_trailing_words(_BEFORE_POWER.sub("", text), keep)
    letter_unit = _TRAILING_LETTER_UNIT.search(text)
    if letter_unit:
        removed, text = [letter_unit.group(0).strip()], text[: letter_unit.start()].strip()
    unit = unit_of(removed[0]) if len(removed) == 1 else None
    text = _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(",", ""), text)
    text = _SPACE_THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(" ", ""), text)
    text = text.lstrip(" ;:").rstrip(" .;:")
    if number_words and text[:1].isalpha() and (words := number_from_words(text)) is not None:
        text = words
    return text, percents > 0, unit
