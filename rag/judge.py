"""Judging an answer (pure functions): small named checks with named thresholds.

Two moments:
- `opening(...)`, before the answer is written: from the model's own next-word
  probabilities where its answer starts (right after its evidence sentence), and from its
  judgement of that sentence on its own, apart from the text (does it answer the question;
  does it say yes or no), decide to refuse, to start with "Ja"/"Nee" ("Yes"/"No"), or to
  let the model write freely;
- `judge(...)`, after: the answer must not be a refusal, its numbers, amounts and names
  must be in the context (its numbers in its evidence sentence, with the units that
  sentence gives them), without a number it
  must not rest on a word of the question that the text never uses, and it must be in the
  question's language.

The thresholds were calibrated on the *tune* halves of the question sets (each names the
figures it was read from); figures are quoted from the *report* halves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer_format import NO, REFUSALS, YES, is_refusal, opens_with
from rag.language import Language, clearly_other_language
from rag.text import (
    NUMBER_WORDS,
    Sentence,
    bounded_figures,
    compares_pair,
    content_stems,
    denied_words,
    fraction_percentages,
    is_content_word,
    measures_in,
    meets_amount_bound,
    meets_bound,
    negates,
    numbers_in,
    other_amounts,
    ranked_lower,
    shared_share,
    stem,
    unsupported_facts,
    words,
)

# Each threshold below was read off the tables that `bench/calibrate.py` prints for the
# tune halves of the three question sets (64 questions, the probability rules switched off).

# Refuse when the model's probability of starting its answer with the refusal word, right
# after its evidence sentence, is at least this (tune: 0.05-0.10 refuse 1-2 more
# unanswerable questions than 0.15 and up, and no answerable one that was right).
REFUSE_MIN_PROBABILITY = 0.10
# The answer is a yes or a no when "yes" and "no" (either language) together take at least
# this much of the probability its first word is not the refusal word: a model that wants
# to refuse "Wordt X gecontroleerd?" still ranks "Nee" far above any other start. (Counted
# without the refusal's share, P(yes) + P(no) alone missed three questions whose evidence
# sentence negates, where P(refusal) was 0.51-0.96.) Tune halves of the four question
# sets (the dumps of `python app.py eval ... --split tune`, 32 questions of yes/no form,
# 47 others): the others reach 0.054 at most; the yes/no ones 0.146 ("Werkt meer dan een
# kwart ...?", where the model would rather go on with the sentence's own figure) and up,
# but two at 0.013 and 0.036. Every cut from 0.055 to 0.146 does as well; 0.10 is its
# middle (0.20, set on three sets, missed the one at 0.146).
YES_NO_MIN_MASS = 0.10
# Then "yes" when P(yes) / (P(yes) + P(no)) is at least this. The default model leans to
# "yes" whatever the text says (tune: the share is 0.97-1.00 for four questions whose
# answer is "no"), so this share alone cannot tell; an evidence sentence that negates
# decides first (`opening`).
YES_MIN_SHARE = 0.75
# Asked apart from the text, in the judge's conversation after its "yes" to "does the
# sentence give the answer?", whether by the sentence the answer is "no"
# (`prompts/judge_yes_no.txt`), the model's P(no) / (P(yes) + P(no)) there is its share
# that the answer is yes: "yes" at or above this. Asked "is the answer yes or no?" instead,
# its lean to "yes" blurred the two (tune halves, the gold sentences of 27 yes/no
# questions: area under the ROC curve 0.84 that way, 0.92 this way; "is it yes?" beside
# "is it no?" 0.92, one more reading). The share for "yes" answers was 0.869-0.942, for
# "no" answers 0.812-0.877 but two (0.891, 0.937, both settled by their words first,
# `settled`); every cut from 0.865 to 0.88 gets 24/27, 0.875 is its middle.
JUDGED_YES_MIN_SHARE = 0.875
# Refuse when the model, asked apart from the text whether the evidence sentence gives the
# answer to the question (`prompts/judge_answers.txt`), says yes with a share below this
# (`bench/calibrate.py`, tune halves, 64 questions, the other rules off: 0.30-0.35 refuse 12
# of 14 unanswerable questions and lose none of the 28 answered right; 0.40-0.50 refuse 13
# and lose 1; 0.05, none).
JUDGED_ANSWERS_MIN_SHARE = 0.35
# Where the model's written answer fails a check below, but the model, judging its evidence
# sentence on its own, said at least this share that the sentence gives the answer, the
# sentence itself is the answer (the model answered it badly: "De inwoners werken in of
# dankzij de haven" beside "Ongeveer een op de vijf inwoners werkt in de haven"). Tune
# halves (`python app.py eval ... --split tune`): of the 7 answers refused by a check after
# they were written, the 6 unanswerable ones were judged 0.35-0.67 and the one answerable
# one 0.79, its sentence holding the answer; 0.75 lies in that gap.
EVIDENCE_STANDS_IN_MIN_SHARE = 0.75
MODEL_REFUSED = "the model refused"


@dataclass(frozen=True)
class Thresholds:
    """The thresholds above, in one object, so calibration can switch the rules off."""

    refuse_min_probability: float = REFUSE_MIN_PROBABILITY
    yes_no_min_mass: float = YES_NO_MIN_MASS
    yes_min_share: float = YES_MIN_SHARE
    judged_yes_min_share: float = JUDGED_YES_MIN_SHARE
    judged_answers_min_share: float = JUDGED_ANSWERS_MIN_SHARE


CALIBRATED = Thresholds()
# With a learned decision (`rag/decision.py`) the two refusal thresholds are off: it reads
# the same signals.
LEARNED_INSTEAD = {"refuse_min_probability": 2.0, "judged_answers_min_share": -1.0}
# Never refuse on probabilities, never choose "yes"/"no": the model's own answer stands.
SIGNALS_OFF = Thresholds(
    refuse_min_probability=2.0,
    yes_no_min_mass=3.0,
    judged_answers_min_share=-1.0,
)


@dataclass(frozen=True)
class Signals:
    """The model's probabilities for its answer's first word, after its evidence."""

    refuse: float
    yes: float
    no: float
    # P(yes) / (P(yes) + P(no)) when the evidence sentence was judged on its own, apart
    # from the text: does it answer the question; does it say yes (yes/no questions only).
    # None: not asked.
    judged_answers: float | None = None
    judged_yes_share: float | None = None

    @property
    def yes_no_mass(self) -> float:
        """The share of "yes" and "no" in the probability that the answer does not start
        with the refusal word."""
        unrefused = 1.0 - self.refuse
        return (self.yes + self.no) / unrefused if unrefused > 0 else 0.0

    @property
    def yes_share(self) -> float:
        both = self.yes + self.no
        return self.yes / both if both else 0.0


@dataclass(frozen=True)
class Opening:
    """What to do before the answer is written."""

    refuse: bool
    first_word: str  # "" to let the model choose
    reason: str

    @property
    def denies(self) -> bool:
        return self.first_word in NO.values()

    def restated(self, question: str) -> str:
        """What of the question the answer may repeat without the text saying it: for a no,
        the question's facts ("No, not 5 gigawatts"); for a yes, the figures it bounds ("Ja,
        meer dan 4 miljoen ton"); else nothing."""
        if self.denies:
            return question
        return bounded_figures(question) if self.first_word in YES.values() else ""


def opening(
    signals: Signals | None,
    question: str,
    language: Language,
    evidence: str | None,
    context_texts: list[str],
    thresholds: Thresholds = CALIBRATED,
    beside: str = "",
) -> Opening:
    if signals is None:
        return Opening(False, "", "no signals from this model")
    refuse = Opening(True, "", f"P(refusal) {signals.refuse:.2f} >= {thresholds.refuse_min_probability}")
    yes_no = signals.yes_no_mass >= thresholds.yes_no_min_mass
    # A figure the question bounds ("meer dan een kwart") asks about a range: the text
    # need not name it.
    missing = unsupported_facts(question, [*context_texts, bounded_figures(question)]) if yes_no else []
    if any(not fact[0].isdigit() for fact in missing):
        # "Has it an office in Amsterdam?" where the text names no Amsterdam: it is silent,
        # whatever else its sentences deny.
        return Opening(True, "", f"the question names what the text does not: {', '.join(missing)}")
    said, why = settled(question, evidence, beside) if yes_no else (None, "")
    if said is not None:
        # The text's own words decide, whatever the model's probabilities: it leans to "yes",
        # and to "not about the question" over a sentence that denies what was asked.
        return Opening(False, (YES if said else NO)[language], why)
    answers, needed = signals.judged_answers, thresholds.judged_answers_min_share
    if answers is not None and answers < needed:
        return Opening(True, "", f"judged on its own, the sentence does not answer: {answers:.2f} < {needed}")
    if not yes_no:
        return (
            refuse
            if signals.refuse >= thresholds.refuse_min_probability
            else Opening(False, "", "free answer")
        )
    # A yes/no question. The model hesitates between "no answer" and "yes" where its
    # evidence says "not" ("... dat het niet wordt gecontroleerd" for "Wordt het
    # gecontroleerd?"): a negating sentence answers no. Unless the model, judging the
    # sentence apart from the text, says yes: its "not" is about something else ("Is het
    # onafhankelijk?" over "... niet gecontroleerd wordt en onafhankelijk wil opereren").
    judged_yes = (
        signals.judged_yes_share is not None and signals.judged_yes_share >= thresholds.judged_yes_min_share
    )
    if evidence is not None and negates(evidence) and not negates(question) and not judged_yes:
        return Opening(False, NO[language], "the evidence sentence negates")
    if missing:
        # "Does it use 5 gigawatts?" where the text says 2.2: not a yes.
        return Opening(False, NO[language], "the question's own numbers are not in the text")
    if signals.refuse >= thresholds.refuse_min_probability:
        return refuse
    if signals.judged_yes_share is not None:
        share, needed, name = signals.judged_yes_share, thresholds.judged_yes_min_share, "judged P(yes share)"
    else:
        share, needed, name = signals.yes_share, thresholds.yes_min_share, "P(yes share)"
    if share >= needed:
        return Opening(False, YES[language], f"{name} {share:.2f} >= {needed}")
    unknown = words_the_texts_lack(question, context_texts, language)
    if unknown:
        # Not a yes, and the text never says what was asked ("Is it listed on the stock
        # exchange?" where it never speaks of one): its silence is no "no".
        return Opening(True, "", f"not a yes, and the text never mentions: {', '.join(unknown)}")
    return Opening(False, NO[language], f"{name} {share:.2f} < {needed}")


# The evidence sentence settles a yes/no question by its words only where it holds at least
# this share of the question's content words (by stem, the words of a bound such as "more
# than half" aside): it is about what was asked. (Half: "Does the Zuidmolen grind 500
# kilo?" shares "zuidmolen" and "kilo" with its Dutch sentence, and not "grind"; a sentence
# on another subject shares one word.) Tune halves (29 yes/no questions,
# the evidence the pipeline chose, no sentence beside it): 0.5 settles 5 right and none
# wrong; 0.34 two more (one the re-pointing below settles anyway, one the model answered
# right by itself), 0.67 only 1. The larger of the two that lose nothing, as a margin.
SETTLES_MIN_SHARED = 0.5


def settled(question: str, evidence: str | None, beside: str = "") -> tuple[bool | None, str]:
    """Whether the evidence sentence, by its words, answers a yes/no question yes (True) or
    no (False), and why; (None, "") where it does not settle it. No where it denies a word
    of the question ("De bakker verkoopt geen taart" for "Verkoopt de bakker taart?"),
    ranks the question's superlative lower ("de op één na grootste" for "Is het de
    grootste?"), or gives the question's unit with another number ("300 kilo" for "500
    kilo?"); yes or no where its proportion or figure meets or misses the question's bound
    ("at most 30 percent" for "more than half?", "4,2 miljoen ton" for "meer dan 4 miljoen
    ton?"), or where it compares the question's two things
    ("B is the more efficient of the two" for "Is A more efficient than B?"). Not for a
    question that negates itself. `beside`: the sentence the model pointed at, where the
    evidence was chosen beside it for holding the question's words it lacks ("de
    Wadden-subsidie" there, "huurders kunnen niet aanvragen" here): the two are about the
    question together."""
    about = f"{beside} {evidence}" if beside else evidence
    if evidence is None or negates(question) or shared_share(about, question) < SETTLES_MIN_SHARED:
        return None, ""
    for why, found in (
        ("the evidence sentence denies", denied_words(evidence, question)),
        ("the evidence sentence ranks it lower", ranked_lower(evidence, question)),
        ("the evidence sentence gives another amount", other_amounts(evidence, question)),
    ):
        if found:
            return False, f"{why}: {', '.join(found)}"
    met = meets_bound(evidence, question)
    if met is not None:
        return met, f"the evidence sentence's proportion {'meets' if met else 'misses'} the question's bound"
    met = meets_amount_bound(evidence, question)
    if met is not None:
        return met, f"the evidence sentence's figure {'meets' if met else 'misses'} the question's bound"
    first = compares_pair(evidence, question)
    if first is not None:
        return first, f"the evidence sentence compares the two the {'same' if first else 'other'} way"
    return None, ""


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    answer: str  # the answer to show: the model's, the evidence sentence, or a refusal
    reason: str


def refused(language: Language, reason: str) -> Verdict:
    return Verdict(False, REFUSALS[language], reason)


def numbers_outside(answer: str, evidence: Sentence | None) -> list[str]:
    """Numbers and amounts of the answer that its evidence sentence lacks."""
    if evidence is None or not answer:
        return []
    return [fact for fact in unsupported_facts(answer, [evidence.text]) if fact[0].isdigit()]


def numbers_from_elsewhere(answer: str, evidence: Sentence | None, restated: str = "") -> list[str]:
    """The answer's numbers that its evidence sentence lacks, but for those it may restate
    from the question (`Opening.restated`: "No, not 5 gigawatts")."""
    return [n for n in numbers_outside(answer, evidence) if n not in numbers_outside(restated, evidence)]


def units_changed(answer: str, evidence: Sentence | None, language: Language) -> list[str]:
    """The answer's numbers that its evidence sentence gives with another unit: "50 liter"
    where it says "50 gram" (the model took the number and the question's unit). Only where
    the answer is in the sentence's language: a translated unit ("45 minutes" for "45
    minuten", "six times" for "zes keer") is not another one."""
    if evidence is None or any(clearly_other_language(text, language) for text in (evidence.text, answer)):
        return []
    given = measures_in(evidence.text)
    return [
        f"{number} {' / '.join(sorted(units))}"
        for number, units in sorted(measures_in(answer).items())
        if given.get(number) and not units & given[number]
    ]


# A question that asks for a quantity, by its closed class of question words.
ASKS_QUANTITY = re.compile(r"\b(?:hoeveel|how\s+many|how\s+much)\b", re.IGNORECASE)
# Words that give a quantity without digits, beside the spelled-out numbers and fractions.
QUANTITY_WORDS = frozenset({*NUMBER_WORDS, "één", "one", "geen", "none", "nul", "zero"})


def gives_no_quantity(answer: str, question: str) -> bool:
    """A "how many" question answered without a number of its own ("Trapper boekte in 2024
    voor het eerst winst" for "Hoeveel winst maakte Trapper in 2024?"): the text names the
    thing asked about but not the amount, and the model wrote the nearby fact instead."""
    if not ASKS_QUANTITY.search(question):
        return False
    own_numbers = numbers_in(answer) - numbers_in(question)
    spelled = any(w in QUANTITY_WORDS for w in words(answer))
    return not (own_numbers or spelled or fraction_percentages(answer))


def asked_words_the_text_lacks(
    answer: str, question: str, context_texts: list[str], language: Language
) -> list[str]:
    """Content words the answer takes from the question that no text of the context uses,
    in an answer without a number or fraction: it then claims what was asked for ("De kerk
    is een voetbalclub" for "Welke voetbalclub speelt er?" over a text that names no club).
    An answer with a number may echo the question's words ("krijgt 2,2 gigawatt"); its
    number is checked against its evidence sentence instead. Only where the question is in
    the text's language (`words_the_texts_lack`)."""
    states_a_number = numbers_in(answer) or fraction_percentages(answer)  # "een op de vijf" too
    if not question or states_a_number:
        return []
    asked = content_stems(question)
    return [w for w in words_the_texts_lack(answer, context_texts, language) if stem(w) in asked]


def words_the_texts_lack(text: str, context_texts: list[str], language: Language) -> list[str]:
    """The text's content words that no text of the context uses, by stem. Only where the
    text is in the context's language: an English question over a Dutch text rightly
    shares few words with it."""
    if clearly_other_language(" ".join(context_texts)[:1000], language):
        return []
    # Every word of the context counts as mentioned: its short "Vul" for the answer's "vullen".
    known = {stem(w) for context in context_texts for w in words(context)}
    return sorted({w for w in words(text) if is_content_word(w) and stem(w) not in known})


def judge(
    answer: str,
    language: Language,
    evidence: Sentence | None,
    context_texts: list[str],
    restated: str = "",
    question: str = "",
) -> Verdict:
    """Accept an answer only when it says something, states no fact the context lacks nor
    a number its evidence sentence lacks, and is in the question's language (or the
    evidence sentence is, and stands in). `restated`: what of the question a yes or no may
    repeat (`Opening.restated`: "No, not 5 gigawatts but 2.2")."""
    if not answer or is_refusal(answer):
        return refused(language, MODEL_REFUSED)
    if gives_no_quantity(answer, question):
        return refused(language, "asked how many, the answer gives no number")
    missing = unsupported_facts(answer, [*context_texts, restated])
    if missing:
        return refused(language, f"not in the text: {', '.join(missing)}")
    # A yes or a no restates the question in its own words ("Ja, de veerboot vaart ...").
    restates = bool(restated) or opens_with(answer, YES)
    asked = [] if restates else asked_words_the_text_lacks(answer, question, context_texts, language)
    if asked:
        return refused(language, f"the answer rests on what the text never mentions: {', '.join(asked)}")
    elsewhere = numbers_from_elsewhere(answer, evidence, restated)
    if elsewhere:
        # The model quoted one sentence and took its number from another ("8 miljard",
        # the earlier pledge, for the new investment): it answered a different question.
        return refused(language, f"numbers not in the quoted sentence: {', '.join(elsewhere)}")
    changed = units_changed(answer, evidence, language)
    if changed:
        return refused(language, f"another unit than the quoted sentence gives: {', '.join(changed)}")
    if clearly_other_language(answer, language):
        if evidence and not clearly_other_language(evidence.text, language):
            # A yes or a no keeps its word, in the question's language: "Ja. <the sentence>".
            said = next((yes_or_no[language] for yes_or_no in (YES, NO) if opens_with(answer, yes_or_no)), "")
            shown = f"{said}. {evidence.text}" if said else evidence.text
            return Verdict(True, shown, "answered in the other language; the evidence sentence stands in")
        return Verdict(True, answer, "answered in the other language; nothing better to show")
    return Verdict(True, answer, "grounded")


def check_firings(
    answer: str,
    question: str,
    language: Language,
    evidence: Sentence | None,
    context_texts: list[str],
    restated: str = "",
) -> dict[str, bool]:
    """Which of `judge`'s checks would refuse this answer, each apart from the others: what
    the benchmark's ablation of each check reads."""
    restates = bool(restated) or opens_with(answer, YES)
    return {
        "model refused": not answer or is_refusal(answer),
        "no quantity": gives_no_quantity(answer, question),
        "facts not in the text": bool(unsupported_facts(answer, [*context_texts, restated])),
        "asked words the text lacks": not restates
        and bool(asked_words_the_text_lacks(answer, question, context_texts, language)),
        "numbers not in the evidence": bool(numbers_from_elsewhere(answer, evidence, restated)),
        "unit changed": bool(units_changed(answer, evidence, language)),
        "other language": clearly_other_language(answer, language),
    }


def evidence_stands_in(
    verdict: Verdict, evidence: Sentence | None, judged_answers: float | None, opened_with: str = ""
) -> Verdict:
    """A written answer that failed a check, where the model judged its evidence sentence,
    on its own, sure to answer the question: the sentence answers instead. Not where the
    model refused by itself, nor for a yes/no answer (`opened_with` "Ja"/"Nee"), whose
    word the sentence alone does not say."""
    if verdict.accepted or evidence is None or judged_answers is None or opened_with:
        return verdict
    if verdict.reason == MODEL_REFUSED or judged_answers < EVIDENCE_STANDS_IN_MIN_SHARE:
        return verdict
    return Verdict(
        True,
        evidence.text,
        f"{verdict.reason}; the evidence sentence stands in (judged {judged_answers:.2f} "
        f">= {EVIDENCE_STANDS_IN_MIN_SHARE})",
    )
