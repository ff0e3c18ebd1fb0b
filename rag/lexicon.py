"""The words of one language that the product shows or compares with, as data
(`lexicon/<lang>.json`): adding a language adds a file, not code. The checks read every
language's words at once (`vocabulary()`): an answer may quote the text's language."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path


@dataclass(frozen=True)
class Lexicon:
    overview_examples: list[str]  # questions asking for an overview of a document
    other_questions: list[str]  # questions about an article that are not overviews
    overview_intro: str  # opens an overview answer
    reading: str  # shown while the text is read, before any answer
    text_says: str  # opens the evidence sentence shown while the answer is written
    nearest_question: str  # heads the sentence read most like the question (not an answer)
    sources: str  # heads the sources footer of a chat client's answer
    closest: str  # heads the passage nearest to a refused question (not an answer)
    refusal_nearest: str  # why it refused: the text does not answer; the nearest is shown
    # why it refused: an answer would state what the text lacks (not repeated: it is unfounded)
    refusal_unsupported: str
    refusal_nothing_near: str  # why it refused: nothing in the text is near the question
    # A client's system message asking for answers in this language ("Answer in English"),
    # in any language, lower case.
    asked_for: list[str]
    # What the model is told to write where the passages do not answer (`prompts/system.txt`).
    model_refusal: str
    name_in_english: str  # "Dutch": the prompt, in English, names the refusal of each language
    refusal: str  # what a refused question gets
    yes: str  # a yes/no answer opens with one of these and its comma
    no: str
    model_refusals: list[str]  # ways a model says the text does not say (regular expressions)
    answer_label: str  # "Answer:", a label a small model may write before its answer
    quote_label: str
    conjunction: str  # "and", between a model's [n] markers
    stemmer: str  # Snowball's name for the language
    stopwords: list[str]  # words that say nothing of what a text is about (modals, wh-words too)
    number_words: dict[str, int]  # numbers a text may spell out ("een" and "one" are articles too)
    magnitudes: dict[str, str]  # "miljard": "e9"
    fractions: dict[str, int]  # "derde": 3
    fraction_orders: list[str]  # fractions that are orders too ("een derde stad")
    one: list[str]  # "een", "a": one, before a fraction
    the: str  # before "helft"/"half" only: "de derde fabriek" is an order
    of: str  # after a fraction: "een derde van"
    out_of: list[str]  # "een op de vijf", "one in five"


def load_lexicons(lexicon_dir: Path, languages: Sequence[str] | None = None) -> dict[str, Lexicon]:
    """The lexicons of these languages (all in the folder where None), by code in
    alphabetical order."""
    codes = sorted(languages) if languages is not None else sorted(p.stem for p in lexicon_dir.glob("*.json"))
    missing = [code for code in codes if not (lexicon_dir / f"{code}.json").is_file()]
    if missing or not codes:
        raise ValueError(f"no lexicon for the languages {missing or list(languages or [])} in {lexicon_dir}")
    return {
        code: Lexicon(**json.loads((lexicon_dir / f"{code}.json").read_text(encoding="utf-8")))
        for code in codes
    }


def lexicon_for(lexicons: dict[str, Lexicon], language: str) -> Lexicon:
    """The language's lexicon, or (a language without a file) the first one."""
    return lexicons.get(language) or next(iter(lexicons.values()))


def asked_language(preference: str, lexicons: dict[str, Lexicon]) -> str | None:
    """The language a client's system message asks answers in, where it names one
    (`asked_for`); None where it names none, or more than one."""
    said = preference.lower()
    asked = {language for language, lexicon in lexicons.items() if any(p in said for p in lexicon.asked_for)}
    return asked.pop() if len(asked) == 1 else None


def any_of(words: object) -> str:
    """A regular expression for any of these words, the longest first ("zestien" before
    "zes"), spaces as any white space."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class Vocabulary:
    """Every language's words at once, for the checks that compare an answer with a text
    whatever their languages."""

    lexicons: dict[str, Lexicon]
    default_language: str

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """The default language first (its stemmer goes first), then the others."""
        return (self.default_language, *sorted(set(self.lexicons) - {self.default_language}))

    def every(self, field: str) -> list:
        """This field's words in every language, the default language's first."""
        return [value for code in self.languages for value in _as_list(getattr(self.lexicons[code], field))]

    @cached_property
    def stopwords(self) -> frozenset[str]:
        return frozenset(self.every("stopwords"))

    def merged(self, field: str) -> dict:
        """This field's word table in every language, one table."""
        tables = [getattr(self.lexicons[code], field) for code in self.languages]
        return {word: value for table in tables for word, value in table.items()}

    @cached_property
    def number_words(self) -> dict[str, str]:
        return {word: str(number) for word, number in self.merged("number_words").items()}

    @cached_property
    def magnitudes(self) -> dict[str, str]:
        return self.merged("magnitudes")

    @cached_property
    def fractions(self) -> dict[str, int]:
        return self.merged("fractions")

    @cached_property
    def numerators(self) -> dict[str, str]:
        return {**{w: "1" for w in self.every("one")}, **self.number_words}

    @cached_property
    def halves(self) -> list[str]:
        return [w for w, n in self.fractions.items() if n == 2]

    def pattern(self, field: str) -> str:
        """Any word of this field, in any language."""
        return any_of(self.every(field))

    @cached_property
    def refusal_pattern(self) -> re.Pattern[str]:
        return re.compile("NO[_ ]ANSWER|" + "|".join(self.every("model_refusals")), re.IGNORECASE)

    def stemmers(self) -> list:
        import snowballstemmer

        return [snowballstemmer.stemmer(self.lexicons[code].stemmer) for code in self.languages]


def _as_list(value: object) -> list:
    return list(value) if isinstance(value, list | dict) else [value]


@cache
def vocabulary() -> Vocabulary:
    """The lexicons of the languages served (`Settings().languages`), read once."""
    from rag.settings import Settings

    codes = Settings().language_codes
    return Vocabulary(load_lexicons(Settings().lexicon_dir, codes), codes[0])
