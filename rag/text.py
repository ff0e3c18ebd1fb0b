"""The text toolkit every check shares (pure functions): words, stop words, stems,
sentences with document offsets, and the facts (numbers, amounts, names) an answer states.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from rag.chunking import Passage, sentence_spans
from rag.lexicon import any_of, vocabulary

WORD = re.compile(r"\w+(?:[’'-]\w+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A capitalised word that is not the first of a sentence: a name (Amazon, Project Rainier).
NAME = re.compile(r"(?<![.!?]\s)(?<!^)(?<![„“\"‘'])\b[A-Z][\w’'-]*[A-Za-z0-9]", re.MULTILINE)
ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]+\b")


@dataclass(frozen=True)
class _Patterns:
    """The patterns built from every language's words (`lexicon/<lang>.json`)."""

    spelled: re.Pattern[str]  # a number in words: "zes keer", "six times"
    magnitude: re.Pattern[str]  # "8 miljard", "twee miljoen"
    fraction: re.Pattern[str]  # "twee derde", "de helft", "een op de vijf", "3/4"
    noun_after: re.Pattern[str]  # "een derde stad": a word after it other than "van"/"of"


@cache
def _patterns() -> _Patterns:
    words = vocabulary()
    count = r"(\d+|" + any_of(words.numerators) + ")"
    spelled = any_of(words.number_words)
    return _Patterns(
        spelled=re.compile(rf"\b(?:{spelled})\b", re.IGNORECASE),
        magnitude=re.compile(
            r"\b(\d+(?:[.,]\d+)*|" + spelled + r")\s*(" + any_of(words.magnitudes) + r")\b", re.IGNORECASE
        ),
        fraction=re.compile(
            r"\b" + count + r"\s*(" + any_of(words.fractions) + r")(?:s|n|en)?\b"  # "twee derde", "driekwart"
            r"|\b(?:" + words.pattern("the") + r")\s+(" + any_of(words.halves) + r")\b"
            r"|\b" + count + r"\s+(?:" + words.pattern("out_of") + r")\s+" + count + r"\b"  # "een op de vijf"
            r"|\b(\d+)/(\d+)\b",  # "3/4"
            re.IGNORECASE,
        ),
        noun_after=re.compile(r"\s+(?!(?:" + words.pattern("of") + r")\b)[^\W\d_]", re.IGNORECASE),
    )


# Fractions, read as the percentages they are ("een kwart" is 25, "een op de vijf" and
# "1/5" are 20), so an answer may give the text's figure in another form.
def fractions_in(text: str) -> list[tuple[re.Match[str], set[str]]]:
    """Each fraction of the text where it is written, with the percentages it stands for,
    whole and to one decimal: "twee derde" gives {"67", "66.7"}."""
    found = []
    numerators, fractions = vocabulary().numerators, vocabulary().fractions
    for match in _patterns().fraction.finditer(text):
        count, name, half, part, whole, over, under = match.groups()
        if over:
            numerator, denominator = over, under
        elif half:
            numerator, denominator = "1", "2"
        elif name:
            numerator, denominator = numerators.get(count.lower(), count), str(fractions[name.lower()])
        else:
            numerator, denominator = (
                numerators.get(part.lower(), part),
                numerators.get(whole.lower(), whole),
            )
        if not (numerator.isdigit() and denominator.isdigit()):
            continue
        if not 0 < int(numerator) < int(denominator) <= 100:
            continue  # "1 in 2023" is a date, not a fraction
        percentage = 100 * int(numerator) / int(denominator)
        found.append((match, {f"{percentage:.0f}", f"{percentage:.1f}".removesuffix(".0")}))
    return found


def _an_order(text: str, fraction: re.Match[str]) -> bool:
    """Whether "een derde" (one of the fractions found) is an order: "een derde stad", "a
    third party" (a word after it other than "van"/"of")."""
    count, name = fraction.group(1), fraction.group(2)
    single = bool(count) and vocabulary().numerators.get(count.lower()) == "1"
    order = (name or "").lower() in vocabulary().every("fraction_orders")
    return single and order and bool(_patterns().noun_after.match(text, fraction.end()))


def fraction_percentages(text: str) -> set[str]:
    """The percentages that the text's fractions stand for."""
    return set().union(*(percentages for _, percentages in fractions_in(text)))


# The closed class of words that deny what follows, in both languages.
def words(text: str) -> list[str]:
    """The words of a text, lower-cased ("AI-start-up" is one word)."""
    return [w.lower() for w in WORD.findall(text)]


def is_content_word(word: str) -> bool:
    return len(word) > 3 and word.lower() not in vocabulary().stopwords


@cache
def _stemmers() -> list:
    return vocabulary().stemmers()


@lru_cache(maxsize=65536)  # the checks stem the same few hundred words over and over
def stem(word: str) -> str:
    """A word's stem, by each language's Snowball stemmer in turn (the default language's
    first): "investeerde" and "investeren" meet, and so do "controlled" and "controls"."""
    stemmed = word.lower()
    for stemmer in _stemmers():
        stemmed = stemmer.stemWord(stemmed)
    return stemmed


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


def _number(written: str) -> str:
    """A number with a decimal comma or point read alike: "2,2" == "2.2"."""
    return written.replace(",", ".").rstrip(".")


def numbers_in(text: str) -> set[str]:
    """Numbers with a decimal comma or point read alike: "2,2" == "2.2"."""
    return {_number(n) for n in _NUMBER.findall(text)}


def spelled_numbers(text: str) -> set[str]:
    """The numbers a text writes in words, in digits: "zes keer" gives {"6"}."""
    return {vocabulary().number_words[word.lower()] for word in _patterns().spelled.findall(text)}


# Digits grouped by thousands: "6.200", "38,450", "1.250.000".
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+")


def ungrouped(number: str) -> str:
    """A number (from `numbers_in`) without its thousands separators, so that "6200" is the
    text's "6.200" (a Dutch figure written the English way); a decimal stays as it is."""
    return number.replace(".", "") if _GROUPED.fullmatch(number) else number


def amounts_in(text: str) -> set[tuple[str, str]]:
    """(number, order of magnitude): "8 miljard" and "8 billion" both give ("8", "e9")."""
    return {
        (vocabulary().number_words.get(n.lower(), n).replace(",", "."), vocabulary().magnitudes[m.lower()])
        for n, m in _patterns().magnitude.findall(text)
    }


# A number, in digits or words, and the word right after it: "50 gram", "twaalf uur". (A
# lookahead, so that "dag 1 twaalf uur" gives "1 twaalf" and then "twaalf uur".)
def names_in(text: str) -> set[str]:
    names = set()
    # A word in capitals is a name or an acronym wherever it stands, at a sentence's start too.
    for name in [*NAME.findall(text), *ACRONYM.findall(text)]:
        name = re.sub(r"(['’]s|['’])$", "", name)  # possessive: Anthropic's -> Anthropic
        if name.lower() not in vocabulary().stopwords and len(name) > 1:
            names.add(name.lower())
    return names


def _unaccented(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


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
    unaccented = _unaccented(joined_lower)
    for name in sorted(names_in(answer)):
        if name in joined_lower or _unaccented(name) in unaccented:  # "Zurich" for "Zürich"
            continue
        if "-" in name:
            # "Zeerover-boten" where the text writes "Zeerover-boot" and "boten": each part.
            known = content_stems(joined) if known is None else known
            if all(stem(part) in known or part in joined_lower for part in name.split("-")):
                continue
        missing.append(name)
    return missing
