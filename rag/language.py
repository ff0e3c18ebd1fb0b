"""Which language a text is in, by py3langid (its model ships in the package), restricted
to the languages with a lexicon (`lexicon/<lang>.json`). Anything unclear is taken as the
default language (the first of `RAG_LANGUAGES`, the seed article's: Dutch)."""

from __future__ import annotations

from functools import cache

from rag.lexicon import vocabulary
from rag.text import NAME

Language = str  # a lexicon's code: "nl", "en"

# An answer counts as written in the other language only when py3langid is this sure of it
# and it has at least this many words: "Claude." or "8 miljard dollar" is in both. Checked
# on the answers to the tune halves: every answer py3langid put in the other language had
# one or two words ("Amazon", "60 procent", "€1,800") at probability 0.50-0.86.
OTHER_LANGUAGE_MIN_PROBABILITY = 0.95
OTHER_LANGUAGE_MIN_WORDS = 4


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(vocabulary().languages))
    return identifier


def language_probability(text: str) -> tuple[Language, float]:
    language, probability = _identifier().classify(text)
    return str(language), float(probability)


def detect_language(text: str) -> Language:
    """The text's language, judged without its names: "Project Atlas" or "Google" says
    nothing about the language around it ("Wat is Project Atlas?" is Dutch). Nor does case,
    which py3langid reads: a hurried "WHat does ..." came out Dutch, and in capitals every
    word looks like a name. Lower-cased, 5,159 public questions never used here (SQuAD 2.0
    dev, XQuAD en and nl, reserved articles left out) and the tune half's are read the same
    (docs/benchmark.md)."""
    plain = (text if text.isupper() else NAME.sub(" ", text)).lower()
    return language_probability(plain)[0] if plain.strip(" ?!.,") else vocabulary().default_language


def clearly_other_language(text: str, language: Language) -> bool:
    """True only when the text is plainly not in `language` (short answers never are)."""
    if len(text.split()) < OTHER_LANGUAGE_MIN_WORDS:
        return False
    found, probability = language_probability(text)
    return found != language and probability >= OTHER_LANGUAGE_MIN_PROBABILITY
