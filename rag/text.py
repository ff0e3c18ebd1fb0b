"""The text toolkit every check shares (pure functions): words, stop words, stems,
sentences with document offsets, and the facts (numbers, amounts, names) an answer states.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache

import snowballstemmer

from rag.chunking import Passage, sentence_spans

WORD = re.compile(r"\w+(?:[’'-]\w+)*")
STOPWORDS = frozenset(
    """de het een en van is dat die niet wat wie waar hoe zijn heeft wordt werd was op met voor
    naar om ook nog al er dit deze bij aan uit door over tot als maar dan of the a an and of is
    are was were that this not what who where how has have had will would can in on with for to
    from by about into as but or it its yes nee ja no also ook welk welke which does do did
    when whose whom why wanneer waarom should could must shall might moet moeten kunnen kunt
    zou zouden zullen zult mogen willen wilt hoeft hoeven""".split()  # modals, wh-words too
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A capitalised word that is not the first of a sentence: a name (Amazon, Project Rainier).
NAME = re.compile(r"(?<![.!?]\s)(?<!^)(?<![„“\"‘'])\b[A-Z][\w’'-]*[A-Za-z0-9]", re.MULTILINE)
_MAGNITUDES = {
    "miljard": "e9",
    "billion": "e9",
    "bn": "e9",
    "miljoen": "e6",
    "million": "e6",
    "mln": "e6",
    "duizend": "e3",
    "thousand": "e3",
}
# Spelled-out numbers, as a text may write them and an answer give them in digits ("zes
# keer per dag", "6 keer"); they count in amounts too ("twee miljoen" = "2 miljoen").
# "een"/"one" don't, being articles too. A table: the number, then its Dutch and English.
_SPELLED = """
2 twee two
3 drie three
4 vier four
5 vijf five
6 zes six
7 zeven seven
8 acht eight
9 negen nine
10 tien ten
11 elf eleven
12 twaalf twelve
13 dertien thirteen
14 veertien fourteen
15 vijftien fifteen
16 zestien sixteen
17 zeventien seventeen
18 achttien eighteen
19 negentien nineteen
20 twintig twenty
30 dertig thirty
40 veertig forty
50 vijftig fifty
60 zestig sixty
70 zeventig seventy
80 tachtig eighty
90 negentig ninety
100 honderd hundred
"""
NUMBER_WORDS = {
    word: number for number, *names in map(str.split, _SPELLED.strip().splitlines()) for word in names
}
# Longest first, so that "zestien" is not read as "zes".
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_MAGNITUDE = re.compile(
    r"\b(\d+(?:[.,]\d+)*|" + _NUMBER_WORD + r")\s*(" + "|".join(_MAGNITUDES) + r")\b",
    re.IGNORECASE,
)


# Fractions, read as the percentages they are ("een kwart" is 25, "een op de vijf" and
# "1/5" are 20), so an answer may give the text's figure in another form.
_DENOMINATORS = {
    "helft": 2,
    "half": 2,
    "derde": 3,
    "third": 3,
    "kwart": 4,
    "quarter": 4,
    "vijfde": 5,
    "fifth": 5,
    "tiende": 10,
    "tenth": 10,
}
# "de"/"the" only count before "helft"/"half": "de derde fabriek" is an order, not a third.
_NUMERATORS = {"een": "1", "één": "1", "one": "1", "a": "1", **NUMBER_WORDS}
_COUNT = r"(\d+|" + "|".join(_NUMERATORS) + ")"
_FRACTION = re.compile(
    r"\b" + _COUNT + r"\s*(" + "|".join(_DENOMINATORS) + r")(?:s|n|en)?\b"  # "twee derde", "driekwart"
    r"|\b(?:de|the)\s+(helft|half)\b"
    r"|\b" + _COUNT + r"\s+(?:op\s+(?:de\s+)?|in\s+|out\s+of\s+)" + _COUNT + r"\b"  # "een op de vijf"
    r"|\b(\d+)/(\d+)\b",  # "3/4"
    re.IGNORECASE,
)


def fractions_in(text: str) -> list[tuple[re.Match[str], set[str]]]:
    """Each fraction of the text where it is written, with the percentages it stands for,
    whole and to one decimal: "twee derde" gives {"67", "66.7"}."""
    found = []
    for match in _FRACTION.finditer(text):
        count, name, half, part, whole, over, under = match.groups()
        if over:
            numerator, denominator = over, under
        elif half:
            numerator, denominator = "1", "2"
        elif name:
            numerator, denominator = _NUMERATORS.get(count.lower(), count), str(_DENOMINATORS[name.lower()])
        else:
            numerator, denominator = (
                _NUMERATORS.get(part.lower(), part),
                _NUMERATORS.get(whole.lower(), whole),
            )
        if not (numerator.isdigit() and denominator.isdigit()):
            continue
        if not 0 < int(numerator) < int(denominator) <= 100:
            continue  # "1 in 2023" is a date, not a fraction
        percentage = 100 * int(numerator) / int(denominator)
        found.append((match, {f"{percentage:.0f}", f"{percentage:.1f}".removesuffix(".0")}))
    return found


# "een derde stad", "a third party": a word after it other than "van"/"of" makes it an order.
_ORDINALS = {"derde", "third", "vijfde", "fifth", "tiende", "tenth"}
_NOUN_AFTER = re.compile(r"\s+(?!(?:van|of)\b)[^\W\d_]", re.IGNORECASE)


def _an_order(text: str, fraction: re.Match[str]) -> bool:
    """Whether "een derde" (one of the fractions found) is an order: "een derde stad"."""
    count, name = fraction.group(1), fraction.group(2)
    single = bool(count) and _NUMERATORS.get(count.lower()) == "1"
    return single and (name or "").lower() in _ORDINALS and bool(_NOUN_AFTER.match(text, fraction.end()))


def fraction_percentages(text: str) -> set[str]:
    """The percentages that the text's fractions stand for."""
    return set().union(*(percentages for _, percentages in fractions_in(text)))


# The closed class of words that deny what follows, in both languages.
NEGATIONS = frozenset(
    "niet geen nooit niemand niets zonder not no never none nobody nothing without cannot".split()
)


def negates(text: str) -> bool:
    """Whether the text holds a negation ("niet", "zonder", "isn't")."""
    return any(_is_negation(w) for w in words(text))


def _is_negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


# A negation denies what follows it within this many words of its clause: Dutch and English
# put it before what it denies ("geen taart", "niet wordt betaald", "does not cover",
# "cannot apply"). Wider, it reaches words it does not deny on their own ("dat het niet
# door de gemeente wordt betaald": "gemeente", 3 on, is denied only with the rest).
# Tune halves (29 yes/no questions of the four sets' tune halves, with the evidence the
# pipeline chose): 2, 3 and 4 settle the same 5 right and none wrong, 1 settles 3.
NEGATION_SCOPE_WORDS = 3
# A clause ends at a comma or the like, or before a conjunction ("niet nieuw, maar oud":
# "oud" is not denied). A closed class, like the stop words.
_CLAUSE_END = re.compile(r"[,;:()]|\b(?:maar|en|of|dus|want|terwijl|but|and|or|so|while)\b", re.IGNORECASE)


def denied_words(text: str, asked: str) -> list[str]:
    """The content words of `asked` (by stem) that the text denies: a negation at most
    NEGATION_SCOPE_WORDS before them in the same clause ("De bakker verkoopt geen taart"
    denies "taart" of "Verkoopt de bakker taart?")."""
    stems = content_stems(asked)
    denied = []
    for clause in _CLAUSE_END.split(text):
        found = words(clause)
        denied += [
            later
            for at, word in enumerate(found)
            if _is_negation(word)
            for later in found[at + 1 : at + 1 + NEGATION_SCOPE_WORDS]
            if is_content_word(later) and stem(later) in stems
        ]
    return denied


# An ordinal before a superlative ranks it below the first: "de op één na grootste", "de
# tweede grootste", "the second-largest". A closed class, like the numbers.
_LOWER_RANK = re.compile(
    r"\b(?:op\s+\w+\s+na|tweede|derde|vierde|vijfde|second|third|fourth|fifth)[\s-]+(\w+(?:ste|est))\b",
    re.IGNORECASE,
)


def ranked_lower(text: str, asked: str) -> list[str]:
    """The superlatives of `asked` that the text ranks below the first ("de op één na
    grootste zeehaven" for "Is de haven de grootste zeehaven?"), where `asked` does not
    itself; only where the text ranks what `asked` is about: a word before the superlative
    in `asked` (but its opening verb) is before the ordinal in the text's clause too ("De
    haven ... is de op één na grootste, na die van Eemsburg" does not rank Eemsburg)."""
    stems = content_stems(asked) - {stem(m.group(1)) for m in _LOWER_RANK.finditer(asked)}
    found = []
    for clause in _CLAUSE_END.split(text):
        for match in _LOWER_RANK.finditer(clause):
            superlative = stem(match.group(1))
            if superlative not in stems:
                continue
            at = next((i for i, w in enumerate(words(asked)) if stem(w) == superlative), 0)
            subject = content_stems(" ".join(words(asked)[1:at]))
            if subject & content_stems(clause[: match.start()]):
                found.append(match.group())
    return found


def words(text: str) -> list[str]:
    """The words of a text, lower-cased ("AI-start-up" is one word)."""
    return [w.lower() for w in WORD.findall(text)]


def is_content_word(word: str) -> bool:
    return len(word) > 3 and word.lower() not in STOPWORDS


@cache
def _stemmers() -> tuple[snowballstemmer.Stemmer, snowballstemmer.Stemmer]:
    return snowballstemmer.stemmer("dutch"), snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)  # the checks stem the same few hundred words over and over
def stem(word: str) -> str:
    """A word's stem, by the Dutch and then the English Snowball stemmer: "investeerde"
    and "investeren" meet, and so do "controlled" and "controls"."""
    dutch, english = _stemmers()
    return english.stemWord(dutch.stemWord(word.lower()))


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if is_content_word(w)}


def rarity(found_in: int, total: int) -> float:
    """Inverse document frequency, 0..1: how rare a word found in `found_in` of `total`
    texts is among them (1: in none, 0: in all)."""
    return math.log((total + 1) / (found_in + 1)) / math.log(total + 1) if total else 1.0


# ------------------------------------------------------------ sentences


@dataclass(frozen=True)
class Sentence:
    """One sentence of a passage, with offsets into its document."""

    passage: Passage
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.passage.text[self.start - self.passage.start : self.end - self.passage.start]

    @property
    def doc_id(self) -> str:
        return self.passage.doc_id


def sentences(passages: list[Passage]) -> list[Sentence]:
    """Each sentence of these passages once, in document order."""
    found: dict[tuple[str, int], Sentence] = {}
    for passage in passages:
        for start, end in sentence_spans(passage.text):
            key = (passage.doc_id, passage.start + start)
            found.setdefault(key, Sentence(passage, passage.start + start, passage.start + end))
    return [found[key] for key in sorted(found)]


# ------------------------------------------------------------ facts


def numbered_text(passage: Passage, numbered: list[Sentence]) -> str:
    """The passage's text with each of its sentences' numbers (1-based, in `numbered`) in
    front: "[3] First one. [4] Second one." The text between sentences stays as it is."""
    pieces, at = [], passage.start
    for n, sentence in enumerate(numbered, start=1):
        same = sentence.doc_id == passage.doc_id
        if same and passage.start <= sentence.start and sentence.end <= passage.end:
            pieces += [passage.text[at - passage.start : sentence.start - passage.start], f"[{n}] "]
            at = sentence.start
    return "".join([*pieces, passage.text[at - passage.start :]])


def _number(written: str) -> str:
    """A number with a decimal comma or point read alike: "2,2" == "2.2"."""
    return written.replace(",", ".").rstrip(".")


def numbers_in(text: str) -> set[str]:
    """Numbers with a decimal comma or point read alike: "2,2" == "2.2"."""
    return {_number(n) for n in _NUMBER.findall(text)}


_SPELLED_NUMBER = re.compile(rf"\b(?:{_NUMBER_WORD})\b", re.IGNORECASE)


def spelled_numbers(text: str) -> set[str]:
    """The numbers a text writes in words, in digits: "zes keer" gives {"6"}."""
    return {NUMBER_WORDS[word.lower()] for word in _SPELLED_NUMBER.findall(text)}


# Digits grouped by thousands: "6.200", "38,450", "1.250.000".
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+")


def ungrouped(number: str) -> str:
    """A number (from `numbers_in`) without its thousands separators, so that "6200" is the
    text's "6.200" (a Dutch figure written the English way); a decimal stays as it is."""
    return number.replace(".", "") if _GROUPED.fullmatch(number) else number


def amounts_in(text: str) -> set[tuple[str, str]]:
    """(number, order of magnitude): "8 miljard" and "8 billion" both give ("8", "e9")."""
    return {
        (NUMBER_WORDS.get(n.lower(), n).replace(",", "."), _MAGNITUDES[m.lower()])
        for n, m in _MAGNITUDE.findall(text)
    }


# A number, in digits or words, and the word right after it: "50 gram", "twaalf uur". (A
# lookahead, so that "dag 1 twaalf uur" gives "1 twaalf" and then "twaalf uur".)
_MEASURE = re.compile(rf"(?=(?<![\w.,])(\d+(?:[.,]\d+)*|{_NUMBER_WORD})\s+([^\W\d_][\w-]*))", re.IGNORECASE)


def measures_in(text: str) -> dict[str, set[str]]:
    """Each number followed by a word (its unit: "50 gram" gives {"50": {"gram"}}), as the
    word's stem; not a stop word ("2024 voor"), an order of magnitude (the amounts' check
    has those) nor another number ("dag 1 twaalf uur")."""
    found: dict[str, set[str]] = {}
    for number, unit in _MEASURE.findall(text):
        unit = unit.lower()
        if unit in STOPWORDS or unit in _MAGNITUDES or unit in NUMBER_WORDS:
            continue
        found.setdefault(NUMBER_WORDS.get(number.lower()) or _number(number), set()).add(stem(unit))
    return found


def _without_bounded_numbers(asked: str) -> str:
    """The question without the numbers it bounds ("meer dan 4 miljoen", "about 300"): a
    bound asks about a range, which another number in the text need not miss."""
    return _NUMBER.sub(lambda m: " " if _bound_before(asked[: m.start()]) != "=" else m.group(), asked)


# A number with the order of magnitude after it, if any: "4 miljoen", "300".
_FIGURE = re.compile(rf"{_NUMBER.pattern}(?:\s*(?:{'|'.join(_MAGNITUDES)})\b)?", re.IGNORECASE)


def bounded_figures(asked: str) -> str:
    """The figures and fractions `asked` bounds, figures with their order of magnitude
    ("meer dan 4 miljoen ton" gives "4 miljoen", "more than a quarter" "a quarter"): a yes
    may repeat them, as a range it affirms, not a figure it claims."""
    found = [*_FIGURE.finditer(asked), *(match for match, _ in fractions_in(asked))]
    return " ".join(m.group() for m in found if _bound_before(asked[: m.start()]) != "=")


def other_amounts(text: str, asked: str) -> list[str]:
    """The numbers of `asked` with a unit (or an order of magnitude) that the text gives with
    other numbers only ("500 kilo" asked where the text says "300 kilo"): the text settles
    it."""
    asked = _without_bounded_numbers(asked)
    given = measures_in(text)
    other = [
        f"{number} {' / '.join(sorted(units))}"
        for number, units in sorted(measures_in(asked).items())
        if number not in given and any(units & other for other in given.values())
    ]
    # "54 miljoen euro" asked where the text says "45 miljoen euro": the same order of
    # magnitude with another number.
    amounts = amounts_in(text)
    magnitudes = {magnitude for _, magnitude in amounts}
    return other + [
        f"{number} ({magnitude})"
        for number, magnitude in sorted(amounts_in(asked) - amounts)
        if magnitude in magnitudes and number not in numbers_in(text)
    ]


# A proportion as a percentage ("30 percent", "25%"), beside the fractions.
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|(?:procent|percent|per\s+cent)\b)", re.IGNORECASE)
# A bound right before a proportion: closed classes, like the stop words. "half" alone is a
# proportion only right after one ("more than half").
_BOUNDS = (
    (">", r"more\s+than|meer\s+dan|over|above|boven|ruim"),
    (">=", r"at\s+least|minstens|ten\s+minste|minimaal"),
    ("<", r"less\s+than|fewer\s+than|minder\s+dan|under|below|onder"),
    ("<=", r"at\s+most|up\s+to|no\s+more\s+than|hoogstens|ten\s+hoogste|maximaal"),
    ("~", r"about|around|roughly|approximately|nearly|almost|circa|ongeveer|zo'n|rond|omstreeks|bijna"),
)
_BOUND_BEFORE = [
    (bound, re.compile(rf"\b(?:{words_})\s+(?:de\s+|the\s+)?$", re.IGNORECASE)) for bound, words_ in _BOUNDS
]
_BARE_HALF = re.compile(r"\b(?:half|helft)\b", re.IGNORECASE)


def _bound_before(before: str) -> str:
    """The bound that ends `before` (the text up to a figure): ">", ">=", "<", "<=", "~"
    (about), or "=" where none."""
    before = re.sub(r"[€$£]\s?$", "", before)  # "under €25000": the bound stands before the sign
    return next((bound for bound, pattern in _BOUND_BEFORE if pattern.search(before)), "=")


def proportions_in(text: str) -> list[tuple[str, float]]:
    """The proportions of a text, as percentages, each with the bound written before it
    ("at most 30 percent" gives ("<=", 30.0); "meer dan een derde" (">", 33.3); a bare one
    "=")."""
    found = [(m.start(), float(_number(m.group(1)))) for m in _PERCENT.finditer(text)]
    found += [(m.start(), max(map(float, percentages))) for m, percentages in fractions_in(text)]
    taken = {start for start, _ in found}
    found += [
        (m.start(), 50.0) for m in _BARE_HALF.finditer(text) if not any(abs(m.start() - t) < 8 for t in taken)
    ]
    proportions = []
    for start, value in sorted(found):
        before = text[:start]
        bound = _bound_before(before)
        bound = "=" if bound == "~" else bound  # "ongeveer een op de vijf": the figure given
        if bound != "=" or not _BARE_HALF.match(text, start):
            proportions.append((bound, round(value, 1)))
    return proportions


def meets_bound(text: str, asked: str) -> bool | None:
    """Whether the text's one proportion meets the bound that `asked` puts on a proportion
    ("Does it cover more than half?" over "at most 30 percent": False); None where either
    holds no single one, or the text's bound leaves it open."""
    wanted = [(bound, value) for bound, value in proportions_in(asked) if bound != "="]
    given = set(proportions_in(text))
    if len(wanted) != 1 or len(given) != 1:
        return None
    (asked_bound, limit), (bound, value) = wanted[0], given.pop()
    return _against_bound(asked_bound, limit, *_values(bound, value, 0.0, floor=0.0, ceiling=100.0))


def _values(bound: str, value: float, spread: float, floor: float, ceiling: float) -> tuple[float, float]:
    """The lowest and highest value a bounded figure allows: "at least 30" from 30 to
    `ceiling`; a figure as written ("=", "~") from `spread` below it to `spread` above."""
    if bound in (">", ">="):
        return value, ceiling
    if bound in ("<", "<="):
        return floor, value
    return value - spread, value + spread


def _against_bound(asked_bound: str, limit: float, low: float, high: float) -> bool | None:
    """Whether every value from `low` to `high` meets the bound (True), none does (False), or
    some do (None)."""
    if asked_bound not in (">", ">=", "<", "<="):
        return None
    yes, no = {
        ">": (low > limit, high <= limit),
        ">=": (low >= limit, high < limit),
        "<": (high < limit, low >= limit),
        "<=": (high <= limit, low > limit),
    }[asked_bound]
    return True if yes else False if no else None


@dataclass(frozen=True)
class Quantity:
    """A figure with its unit, as written: "ruim 4,2 miljoen ton" is bound ">", value 4.2e6,
    spread 0.05e6 (half its last digit: the figure is rounded), unit "ton" (stemmed)."""

    bound: str
    value: float
    spread: float
    unit: str


# A figure: a currency sign, the number, an order of magnitude, and the word after it.
_QUANTITY = re.compile(
    r"(?:([€$£])\s?)?(\d+(?:[.,]\d+)*)(?:\s*(" + "|".join(_MAGNITUDES) + r")\b)?(?:\s+([^\W\d_][\w-]*))?",
    re.IGNORECASE,
)
_CURRENCIES = {"€": "euro", "$": "dollar", "£": "pound"}


def _decimal(written: str) -> tuple[float, float] | None:
    """The value of a written number and half its last digit; None where the separator may
    be a decimal or a thousands one ("4,200"). "1.250.000" and "12,5" read alike in both
    languages."""
    separators = re.findall(r"[.,]", written)
    if not separators:
        return float(written), 0.5
    if len(separators) > 1:
        if len(set(separators)) == 1 and re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", written):
            return float(re.sub(r"[.,]", "", written)), 0.5
        return None
    whole, fraction = re.split(r"[.,]", written)
    if len(fraction) == 3:
        return None
    return float(f"{whole}.{fraction}"), 0.5 * 10 ** -len(fraction)


def quantities_in(text: str) -> list[Quantity]:
    """The figures of a text that have a unit (a word after them that is no stop word, or a
    currency sign), each with the bound written before it."""
    found = []
    for match in _QUANTITY.finditer(text):
        sign, number, magnitude, word = match.groups()
        read = _decimal(number)
        unit = _CURRENCIES.get(sign or "") or (word or "").lower()
        if read is None or not unit or unit in STOPWORDS or unit in _MAGNITUDES:
            continue
        scale = 10 ** int(_MAGNITUDES[magnitude.lower()][1:]) if magnitude else 1
        value, spread = read
        found.append(
            Quantity(_bound_before(text[: match.start()]), value * scale, spread * scale, stem(unit))
        )
    return found


def meets_amount_bound(text: str, asked: str) -> bool | None:
    """Whether the text's one figure in the asked unit meets the bound the question puts on
    it ("meer dan 4 miljoen ton?" over "ongeveer 4,2 miljoen ton": True); a figure is read as
    rounded (4,2 as 4,15 to 4,25). None where the question bounds no one figure, the text
    gives none or several in that unit, or their ranges overlap the bound."""
    wanted = [q for q in quantities_in(asked) if q.bound in (">", ">=", "<", "<=")]
    if len(wanted) != 1:
        return None
    asked_for = wanted[0]
    given = [q for q in quantities_in(text) if q.unit == asked_for.unit]
    if len(given) != 1:
        return None
    q = given[0]
    values = _values(q.bound, q.value, q.spread, floor=0.0, ceiling=math.inf)
    return _against_bound(asked_for.bound, asked_for.value, *values)


_BOUND_WORDS = re.compile(
    "|".join(rf"\b(?:{words_})\b" for _, words_ in _BOUNDS) + r"|\b(?:half|helft)\b", re.IGNORECASE
)


def asked_stems(asked: str) -> set[str]:
    """A question's content words (by stem) but the words of a bound ("more than half"):
    what it is about."""
    return content_stems(_BOUND_WORDS.sub(" ", asked))


def shared_share(text: str, asked: str) -> float:
    """The share of what `asked` is about (`asked_stems`) that the text holds."""
    stems = asked_stems(asked)
    return len(stems & content_stems(text)) / len(stems) if stems else 0.0


# "Is <A> more efficient than <B>?", "Wordt <A> sneller actief dan <B>?": the comparison is
# the word before "than"/"dan", with the word before it where the text writes both ("more
# efficient", "sneller actief"); "less"/"minder" turn it round.
_THAN = re.compile(r"\b(?:than|dan)\b", re.IGNORECASE)
_LESS = {"less", "minder"}
_MORE_LESS = {"more", "meer", *_LESS}


def _comparative(word: str) -> bool:
    """A comparative ends in -er, in Dutch and English: "sneller", "cheaper", "duurder"."""
    return len(word) > 4 and word.endswith("er")


def compares_pair(text: str, asked: str) -> bool | None:
    """Whether the text makes the first of `asked`'s two things the one it asks about ("Is
    the air pump more efficient than the ground pump?" over "The ground pump is the more
    efficient of the two": False): in the text's clause with the same comparison, the words
    before it (and not after) are one thing's own words, not the other's. None where it
    does not tell."""
    than = _THAN.search(asked)
    before = words(asked[: than.start()]) if than else []
    if len(before) < 3 or not (
        _comparative(before[-1]) or before[-2] in _MORE_LESS or _comparative(before[-2])
    ):
        return None  # "... in 2024 gemaakt dan in 2023?": no comparative before "than"
    comparative, asked_less = before[-1], before[-2] in _LESS
    for clause in _CLAUSE_END.split(text):
        found = words(clause)
        at = next((i for i, w in enumerate(found) if stem(w) == stem(comparative)), None)
        if at is None or any(_is_negation(w) for w in found[:at]):
            continue
        # "sneller actief", "more efficient": the word before belongs to the comparison.
        phrase = 2 if at > 0 and found[at - 1] == before[-2] else 1
        # A yes/no question opens with its verb ("Rijst een deeg ... sneller dan ...?"): not
        # one of the two things.
        first = content_stems(" ".join(w for w in before[1:-phrase] if w not in _MORE_LESS))
        second = content_stems(asked[than.end() :])
        first, second = first - second, second - first
        subject = content_stems(" ".join(found[: at + 1 - phrase])) - content_stems(" ".join(found[at + 1 :]))
        if not first or not second or bool(subject & first) == bool(subject & second):
            return None  # both things, or neither: the clause does not say which
        text_less = any(w in _LESS for w in found[max(0, at - 2) : at])
        first_is_more = bool(subject & first) != text_less
        return first_is_more == (not asked_less)
    return None


def names_in(text: str) -> set[str]:
    names = set()
    for name in NAME.findall(text):
        name = re.sub(r"(['’]s|['’])$", "", name)  # possessive: Anthropic's -> Anthropic
        if name.lower() not in STOPWORDS and len(name) > 1:
            names.add(name.lower())
    return names


def linking_names(bridge: str, question: str, document: str) -> set[str]:
    """The names a sentence brings that the question lacks: what a second hop follows from
    it to another document ("... de gemeente Kleiveen" for "the municipality that runs the
    scheme"). Its first word counts as a name where its `document` writes it capitalised
    within a sentence ("Voltera werkt samen met ..."), not otherwise ("Vanuit de haven")."""
    found = names_in(bridge)
    first = words(bridge)[:1]
    if first and bridge[:1].isupper() and first[0] in names_in(document):
        found.add(first[0])
    asked = question.lower()
    return {name for name in found if name not in asked}


def unsupported_facts(answer: str, texts: list[str]) -> list[str]:
    """Numbers, amounts and names of the answer that none of the texts contains (a
    percentage or a fraction may stand for the texts' fraction or percentage)."""
    joined = " ".join(texts)
    joined_lower = joined.lower()
    given = numbers_in(joined) | fraction_percentages(joined) | spelled_numbers(joined)
    given |= {ungrouped(n) for n in given}
    stated = {n for n in numbers_in(answer) if ungrouped(n) not in given}
    fractions = []
    for match, percentages in fractions_in(answer):
        written = match.group()
        if percentages & given:  # "3/4" where the text says "three quarters" or "75%"
            stated -= numbers_in(written)
        elif not numbers_in(written) and not _an_order(answer, match):
            fractions.append(written.lower())  # "een derde" where the text says "een kwart"
    missing = sorted(stated - given) + fractions
    missing += [f"{n} ({m})" for n, m in sorted(amounts_in(answer) - amounts_in(joined))]
    known = None
    for name in sorted(names_in(answer)):
        if name in joined_lower:
            continue
        if "-" in name:
            # "Zeerover-boten" where the text writes "Zeerover-boot" and "boten": each part.
            known = content_stems(joined) if known is None else known
            if all(stem(part) in known or part in joined_lower for part in name.split("-")):
                continue
        missing.append(name)
    return missing
