"""The answer function that the CLI, the web chat and the API all call.

question -> retrieval -> the page of the best passage (`rag/pages.py`, its state saved) ->
prompt (`rag/prompting.py`) -> the model points at its evidence sentence and judges it apart
from the text -> the learned decision answers or refuses (`rag/decision.py`) -> the answer
streams -> the hard check (`rag/judge.py`) -> citations down to the evidence sentence.
Overview questions take their own short way (`rag/overview.py`).

A local model (llama-cpp-python) points: its probabilities for each sentence number after
"Quote: [" are read (weighed by the sentence's similarity to the question), and the likeliest
sentence is handed to it as its quote; nothing is shown before the decision. Any other chat
model writes "Quote: [n] ... Answer: ..." freely, and the quote is matched afterwards. A
question refused over one page of a larger corpus is read once more over the page its
evidence sentence leads to, that sentence beside it (a second hop).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, BaseMessageChunk, HumanMessage

from rag.answer_format import (
    ANSWER_LABEL,
    NEXT_ROUND,
    NO,
    QUOTE_LABEL,
    REFUSAL_WORD,
    REFUSALS,
    YES,
    StreamFilter,
    numbered_quote,
    split_quote,
    strip_markers,
)
from rag.chunking import Passage
from rag.citations import Citation, choose_citations, citation, copied_sentence
from rag.decision import Calibration, decision_status
from rag.documents import Document
from rag.errors import Cancelled, IndexError_, InputError
from rag.index import ScoredPassage, cosine
from rag.judge import Signals, check_firings, denied_question, judge
from rag.language import detect_language
from rag.lexicon import Lexicon, asked_language
from rag.llm import ModelGate, model_lock
from rag.overview import Overviews
from rag.page_states import save_page_states
from rag.pages import Page, page_of, paginate
from rag.prompting import PromptMaker, Turn
from rag.prompts import Prompts
from rag.refusal import nearest_passage, why_refused
from rag.retrieval import HybridRetriever, shared_rare_words
from rag.settings import Settings
from rag.text import (
    Sentence,
    linking_names,
    sentences,
    unsupported_facts,
    words,
)

log = logging.getLogger(__name__)


@dataclass
class AnswerResult:
    answer: str
    refused: bool
    language: str
    citations: list[Citation]
    timings: dict[str, float] = field(default_factory=dict)
    # Why it was answered or refused, and the model's signals: for the logs and calibration.
    reason: str = ""
    signals: dict[str, float] = field(default_factory=dict)
    # Tokens read (the prompt) and written (the answer, or the refusal shown) by the model.
    usage: dict[str, int] = field(default_factory=dict)
    # The sentence the model rested on, also where it refused: for the logs and calibration.
    evidence: str = ""
    # The model's answer as written, before the checks, and which checks fire on it (each
    # apart from the others): what the benchmark's ablation reads.
    draft: str = ""
    checks: dict[str, bool] = field(default_factory=dict)
    # A refusal's nearest passage (the sentence the model rested on, or the best-ranked
    # passage), clearly not an answer, and why it refused, in the question's language.
    nearest: list[Citation] = field(default_factory=list)
    explanation: str = ""
    # The answer stopped at the caller's token limit (`max_answer_tokens`), not at its end.
    cut_short: bool = False


@dataclass(frozen=True)
class Token:
    """A piece of the answer as it streams."""

    text: str


@dataclass(frozen=True)
class Evidence:
    """The sentence of the text the answer will rest on, verified, before the answer: a
    reader can see it while the answer is written."""

    sentence: Sentence
    language: str  # the question's, for whoever shows it


@dataclass(frozen=True)
class Sources:
    """The passages the model will read, right after retrieval: what a reader can see while
    it reads."""

    passages: tuple[Passage, ...]
    language: str


@dataclass(frozen=True)
class Reset:
    """What was streamed so far is withdrawn; the checked answer follows."""


StreamEvent = Sources | Token | Evidence | Reset | AnswerResult


@dataclass
class _Reading:
    """One question's way through the model: what it quoted and said, and why."""

    query: str = ""  # what retrieval searched for: the question (and the one before it)
    raw: str = ""
    written: str = ""  # all the model wrote (a local model's quote is handed to it)
    declined: bool = False  # it quoted "none" (or gave no sentence number): none answers
    evidence: Sentence | None = None
    evidence_number: int = 0  # its number in the prompt
    evidence_probability: float | None = None  # the model's, for that number
    handed: str = ""  # the quote handed to it: "Quote: [n] <sentence>\nAnswer:"
    beside: str = ""  # the sentence it pointed at, where another one settles the question
    # A second hop: the sentence its first page gave (the question's other half is elsewhere),
    # and the names in it that lead on; the evidence there must be about one of them.
    bridge: Sentence | None = None
    links: frozenset[str] = frozenset()
    quoted: str = ""
    refusal: str = ""  # why it is refused before any answer is written
    signals: Signals | None = None
    shown: str = ""
    pending: str = ""  # answer text not shown yet: it has not passed the checks
    timings: dict[str, float] = field(default_factory=dict)
    cancelled: threading.Event | None = None  # set when the caller goes away
    max_answer_tokens: int | None = None
    cut_short: bool = False  # the model stopped at max_answer_tokens
    # Each numbered sentence's similarity to the query and share of the question's rare
    # words: signals for the learned decision.
    similarities: list[float] = field(default_factory=list)
    overlaps: list[float] = field(default_factory=list)

    def again(self, bridge: Sentence | None, links: frozenset[str]) -> _Reading:
        """A fresh reading of the same question (a second hop, from this bridge)."""
        limit = self.max_answer_tokens
        return _Reading(
            self.query, cancelled=self.cancelled, max_answer_tokens=limit, bridge=bridge, links=links
        )

    def strays(self) -> bool:
        """On a second hop, the evidence's passage names nothing the bridge leads to: it
        answers about something else (the price of another thing)."""
        return bool(self.bridge and self.evidence and not _holds_any(self.evidence.passage, self.links))

    def judged_text(self, sentence: Sentence) -> str:
        """What the model judges on its own: the sentence, after the bridge on a second hop
        (together they answer, neither does alone)."""
        return f"{self.bridge.text} {sentence.text}" if self.bridge else sentence.text

    def known(self, context: list[Passage]) -> list[str]:
        """The texts an answer's facts must come from: the context's, and the bridge's."""
        return [p.text for p in context] + ([self.bridge.passage.text] if self.bridge else [])

    def stop_if_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled.is_set():
            raise Cancelled("The caller went away.")

    def go_on(self, chunk: BaseMessageChunk) -> None:
        """Called with each of the model's chunks: stops the work of a caller that left, and
        notes whether the model stopped at the token limit (LangChain's `finish_reason`)."""
        self.stop_if_cancelled()
        if chunk.response_metadata.get("finish_reason") == "length":
            self.cut_short = True


# How the model says yes or no when it judges an evidence sentence on its own.
JUDGED_WORDS = {
    name: [w for word in said.values() for w in (word, word.lower())]
    for name, said in (("yes", YES), ("no", NO))
}

# The evidence sentence is the one with the highest log P(its number) + this weight x its
# cosine similarity to the question (the retrieval embedder's, `rag/index.py`): the model's
# pointer and retrieval each miss sentences the other finds. Tune halves of the three
# question sets (43 answerable questions whose answering sentence is in the prompt): the
# pointer alone picked it for 30, similarity alone for 28, both together for 32 at every
# weight from 15 to 50 (31 at 5-10); 30 is the middle of that plateau. 0 turns it off.
EVIDENCE_SIMILARITY_WEIGHT = 30.0
# Beside them, the share of the question's words (each weighed by its rarity among the
# prompt's sentences) that a sentence holds, times this weight: the embedder's similarities
# lie close together (0.80-0.90 over one article) and miss a sentence that shares the
# question's one rare word ("gecontroleerd"). Tune halves (the 50 answerable questions whose
# answering sentence is in the prompt, pointer and similarity read once per question): the
# answering sentence ranked first for 38 without it, 44 at every weight from 3 to 10; among
# the two best for 43 without it, 46 at 8-10. 8 is inside both plateaus.
EVIDENCE_WORDS_WEIGHT = 8.0

# Where the model judges its evidence sentence, on its own, to answer the question with a
# share below this, it judges the runner-up too; the evidence is then the one with the
# higher log(P(number) x similarity weight) + RUNNER_UP_JUDGED_WEIGHT x log-odds of that
# share. Tune halves (`python app.py eval ... --split tune`, 50 answerable questions whose
# answering sentence is in the prompt, the judge's share for the two best candidates of
# each): the answering sentence was chosen, and judged to answer, for 38 with the best
# candidate alone, 41 at this weight and any cut from 0.6 to 1.0 (40 at 0.5, or with
# weight 2 or 5); unanswerable questions refused by the judge: 7/14 either way. 0.6 is the
# lowest cut that reaches 41: the runner-up is judged for 29 of the 64 questions (~1 s
# each on two cores).
RUNNER_UP_JUDGED_BELOW = 0.6
RUNNER_UP_JUDGED_WEIGHT = 3.0


@dataclass(frozen=True)
class _Candidate:
    """A sentence the model may point at as its evidence."""

    sentence: Sentence
    number: int  # in the prompt
    probability: float | None  # the model's, for its number (None: not read)
    score: float  # that times its similarity weight: what ranked it

    def rank(self, judged_answers: float) -> float:
        """Its rank beside another candidate, once the model has judged it on its own."""
        judged = min(max(judged_answers, 1e-4), 1 - 1e-4)
        return math.log(max(self.score, 1e-300)) + RUNNER_UP_JUDGED_WEIGHT * math.log(judged / (1 - judged))


# Why a second hop's answer is refused where its evidence names nothing the bridge leads to.
STRAYS = "second hop: the evidence is not about what the bridge names"

# The answer streams once its first this-many words have passed every check: a refusal on
# their facts then withdraws nothing that was shown. (An invented name or number usually
# comes early: "De CEO van ..."; shorter answers are shown once judged whole.)
SHOWN_AFTER_WORDS = 4


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        prompts: Prompts,
        retriever: HybridRetriever,
        llm: BaseChatModel,
        documents: dict[str, Document],
        calibration: Calibration | None = None,
        overviews: Overviews | None = None,
        lexicons: dict[str, Lexicon] | None = None,
    ):
        self.settings = settings
        self.lexicons = lexicons or {}
        # The learned answer-or-refuse decision for this model (None: off).
        self.calibration = calibration
        self.overviews = overviews
        self.prompts = prompts
        self.llm = llm
        self.gate = ModelGate(settings.queue_size, model_lock(llm))
        # A local llama.cpp model is handed its evidence sentence and reports its probabilities.
        self.reads_signals = getattr(llm, "reads_signals", False)
        self.prompting = PromptMaker(settings, prompts, llm)
        self.use_corpus(retriever, documents)

    def decision_status(self) -> str:
        """What decides to answer or refuse, for /healthz and the start-up log."""
        return decision_status(self.calibration, self.settings.llm_model, self.reads_signals)

    def use_corpus(self, retriever: HybridRetriever, documents: dict[str, Document]) -> None:
        """Answer from these passages and documents from the next question on (documents
        added or removed while serving); a question already running keeps its context."""
        pages = self.prompting.fit_pages(paginate(retriever.passages, self.settings.full_context_chars))
        longest = sorted(retriever.passages, key=lambda p: len(p.text))[-self.settings.top_k :]
        # The longest prompt a question can get, by tokens: every question is checked with it.
        self.widest_context = max(
            [*(list(page.passages) for page in pages), longest], key=self.prompting.context_tokens
        )
        self.pages = pages
        self.prompting.page_contexts = {page.passages for page in pages}
        # The whole corpus, when it is one page: every question gets the same prompt prefix.
        self.full_context = list(pages[0].passages) if len(pages) == 1 else None
        self.documents = documents
        self.retriever = retriever

    def whole_corpus(self, passages: list[Passage]) -> list[Passage] | None:
        """All these passages, in document order, when they fit in the prompt."""
        fits = sum(len(p.text) for p in passages) <= self.settings.full_context_chars
        return passages if fits and passages and self.prompting.leaves_room(passages) else None

    def _context(self, ranked: list[ScoredPassage], doc_id: str | None) -> list[Passage]:
        """The passages the prompt holds: the page of the best-ranked passage (or the asked
        document, whole, when it fits a page), else the ranked passages themselves."""
        if doc_id is not None:
            return self.whole_corpus([p for p in self.retriever.passages if p.doc_id == doc_id]) or [
                s.passage for s in ranked
            ]
        if self.full_context:  # the whole corpus is one page
            return self.full_context
        page = page_of(self.pages, ranked[0].passage) if ranked and self.settings.pages else None
        return list(page.passages) if page else [s.passage for s in ranked]

    # ------------------------------------------------------------ input checks

    def check_question(self, question: str, history: list[Turn], doc_id: str | None = None) -> None:
        if not question or not question.strip():
            raise InputError("The question is empty.")
        if len(question) > self.settings.max_question_chars:
            raise InputError(
                f"The question is {len(question)} characters long; the limit is "
                f"{self.settings.max_question_chars}."
            )
        if not self.retriever.passages:
            raise IndexError_("The index is empty: put documents in seeds/ and run `python app.py index`.")
        for turn in history:
            if turn.role not in ("user", "assistant"):
                raise InputError(f"Unknown role in history: {turn.role!r}.")
        for text in [question, *(turn.content for turn in history)]:
            if any("\ud800" <= ch <= "\udfff" for ch in text):  # not encodable as UTF-8
                raise InputError("The question or history holds invalid characters (lone surrogates).")
        if doc_id is not None and doc_id not in self.documents:
            raise InputError(f"Unknown document: {doc_id!r}. See GET /api/documents.")
        # Checked with the widest context a question can get, before any answer starts.
        self.prompting.fitted(question, detect_language(question), [], self.widest_context)

    # ------------------------------------------------------------ answering

    def retrieval_query(self, question: str, history: list[Turn]) -> str:
        # A follow-up ("Waar ligt dat?") is retrieved together with the question before it.
        previous = [t.content for t in history if t.role == "user"][-1:]
        return " ".join([*previous, question])

    def stream(
        self,
        question: str,
        history: list[Turn] | None = None,
        doc_id: str | None = None,
        cancelled: threading.Event | None = None,
        *,
        preference: str = "",
        max_answer_tokens: int | None = None,
    ) -> Iterator[StreamEvent]:
        """Tokens as they come, maybe a Reset, then the AnswerResult.

        `doc_id` keeps the question to one document; setting `cancelled` (the caller left)
        frees the model; `preference` is a client's wish on tone or length, which the rules
        outrank; `max_answer_tokens` caps the answer (not the quote before it)."""
        history = history or []
        self.check_question(question, history, doc_id)
        started = time.perf_counter()
        # The question's language, unless the client's system message asks for another.
        language = asked_language(preference, self.lexicons) or detect_language(question)
        if self.overviews and self.overviews.asks_overview(question):
            yield from self._overview(question, language, doc_id, started)
            return
        query = self.retrieval_query(question, history)
        ranked = self.retriever.retrieve(query, doc_id=doc_id)
        context = self._context(ranked, doc_id)
        timings = {"retrieval_ms": _ms(started)}
        yield Sources(tuple(context), language)

        with self.gate.turn(cancelled):
            timings["queue_ms"] = round(_ms(started) - timings["retrieval_ms"], 1)
            messages = self.prompting.fitted(question, language, history, context, preference)
            reading = _Reading(query=query, cancelled=cancelled, max_answer_tokens=max_answer_tokens)
            asked = (question, language, timings, started)
            result = yield from self._attempt(reading, messages, context, *asked)
            hop = self._second_hop(
                result, reading.evidence, context, doc_id, question, language, history, preference
            )
            if hop is not None:
                if reading.shown:
                    yield Reset()  # the first reading's text; the second one's follows
                timings["second_hop_ms"] = _ms(started)
                context, messages, links = hop
                reading = reading.again(reading.evidence, links)
                result = yield from self._attempt(reading, messages, context, *asked)
            result.usage = {
                "prompt_tokens": self.prompting.prompt_tokens(messages),
                # A refusal the model never wrote still reaches the client as text.
                "completion_tokens": self.prompting.text_tokens(max(reading.written, result.answer, key=len)),
            }
        if not result.refused and (reading.pending or not reading.shown.strip()):
            # What was held back is shown once it has passed every check: the rest of the
            # answer, or (nothing shown yet) the checked answer itself.
            rest = reading.pending if reading.shown.strip() else result.answer
            timings.setdefault("first_token_ms", _ms(started))
            reading.shown += rest
            yield Token(rest)
        if reading.shown and reading.shown.strip() != result.answer:
            yield Reset()  # the checked answer differs from what streamed
        timings["total_ms"] = _ms(started)
        result.timings = {**timings, **reading.timings}
        result.evidence = evidence = reading.evidence.text if reading.evidence else ""
        result.cut_short = reading.cut_short and not result.refused
        if result.refused:
            result.nearest = nearest_passage(reading.evidence, ranked)
            result.explanation = why_refused(
                result.reason, result.language, bool(result.nearest), self.lexicons
            )
        log.debug(
            "%r -> %s (%s) quoted %r, evidence %r",
            question,
            result.answer,
            result.reason,
            reading.quoted,
            evidence,
        )
        yield result

    def _attempt(
        self,
        reading: _Reading,
        messages: list[BaseMessage],
        context: list[Passage],
        question: str,
        language: str,
        timings: dict[str, float],
        started: float,
    ) -> Iterator[StreamEvent]:
        """One reading of the question over one context: its events as they come; returns
        the checked result."""
        read = self._read_with_signals if self.reads_signals else self._read_freely
        for piece in read(reading, messages, question, language, context):
            if isinstance(piece, Evidence):
                timings["evidence_ms"] = _ms(started)
                yield piece
                continue
            timings.setdefault("first_token_ms", _ms(started))
            reading.shown += piece
            yield Token(piece)
        return self._verdict(reading, question, language, context)

    def _overview(
        self, question: str, language: str, doc_id: str | None, started: float
    ) -> Iterator[StreamEvent]:
        """An overview question: the asked document's (the corpus's one, or the one retrieval
        ranks first) central sentences, each cited (`rag/overview.py`)."""
        if doc_id is None:
            ids = list(self.documents)
            doc_id = ids[0] if len(ids) == 1 else self.retriever.retrieve(question)[0].passage.doc_id
        store = self.retriever.index.sentences
        passages = [p for p in self.retriever.passages if p.doc_id == doc_id]
        points = self.overviews.main_points(passages, store.vectors if store is not None else None)
        if not points:
            yield self._refusal(language, "the document has no sentences", {})
            return
        yield Evidence(points[0][0], language)
        answer = self.overviews.answer(language, [s for s, _ in points])
        yield Token(answer)
        citations = [citation(n, ScoredPassage(s.passage, c), s) for n, (s, c) in enumerate(points, start=1)]
        timings = {"first_token_ms": _ms(started), "total_ms": _ms(started)}
        reason = "overview: the document's central sentences"
        yield AnswerResult(answer, False, language, citations, timings, reason, evidence=points[0][0].text)

    def _second_hop(
        self,
        result: AnswerResult,
        bridge: Sentence | None,
        context: list[Passage],
        doc_id: str | None,
        question: str,
        language: str,
        history: list[Turn],
        preference: str,
    ) -> tuple[list[Passage], list[BaseMessage], frozenset[str]] | None:
        """For a question refused over one page of a larger corpus, another page and its
        prompt, with the sentence the first page gave as a bridge before the question ("the
        municipality that runs the scheme" is named on one page, its population on another):
        the page of the best passage, searched for with the question and that sentence, that
        the first page lacks and that holds a name the bridge brings (`linking_names`); and
        those names. None where no second hop applies."""
        if not result.refused or bridge is None or doc_id is not None:
            return None
        if self.full_context or not self.settings.pages or not self.settings.second_hop:
            return None
        document = self.documents.get(bridge.doc_id)
        links = frozenset(linking_names(bridge.text, question, document.text if document else ""))
        read = {p.passage_id for p in context}
        # Deep enough to reach past the page already read.
        ranked = self.retriever.retrieve(f"{question} {bridge.text}", k=len(read) + self.settings.top_k)
        found = next(
            (s.passage for s in ranked if s.passage.passage_id not in read and _holds_any(s.passage, links)),
            None,
        )
        page = page_of(self.pages, found) if found else None
        if page is None:
            return None
        try:
            messages = self.prompting.fitted(
                question, language, history, list(page.passages), preference, bridge
            )
        except InputError:
            return None  # the bridge does not fit beside that page: the refusal stands
        return list(page.passages), messages, links

    def _read_with_signals(
        self,
        reading: _Reading,
        messages: list[BaseMessage],
        question: str,
        language: str,
        context: list[Passage],
    ) -> Iterator[str | Evidence]:
        """The model points at a numbered sentence of the context, which is handed to it as
        its quote; the model's probabilities right after it, and its judgement of the
        sentence on its own, decide whether and how it answers; then the answer streams.
        Nothing is shown before the checks that can refuse it have passed."""
        started = time.perf_counter()
        candidates = self._candidates(reading, messages, question, context)
        reading.timings["quote_ms"] = _ms(started)
        if not candidates:
            reading.declined = True  # it would give no number (an empty page)
            return
        best, *runners_up = candidates
        reading.stop_if_cancelled()  # between the model's steps, as between its tokens
        self._weigh(reading, messages, question, best)
        reading.stop_if_cancelled()
        first_judged = reading.signals.judged_answers if reading.signals else None
        if runners_up and first_judged is not None and first_judged < RUNNER_UP_JUDGED_BELOW:
            # A doubtful sentence: the model judges the runner-up on its own too, and the
            # one it judges better (beside pointer and similarity) is the evidence.
            with getattr(self.llm, "set_aside", nullcontext)():
                runner_up = reading.judged_text(runners_up[0].sentence)
                second_judged = self.judged(question, runner_up, keep=not reading.bridge)
            if runners_up[0].rank(second_judged) > best.rank(first_judged):
                self._weigh(reading, messages, question, runners_up[0], judged_answers=second_judged)
        reading.timings["signals_ms"] = round(_ms(started) - reading.timings["quote_ms"], 1)
        context_texts = reading.known(context)
        if reading.strays():
            reading.refusal = STRAYS
        elif self.calibration:
            chance = self.calibration.right_chance(self._signals(reading, language))
            if chance < self.calibration.threshold:
                reading.refusal = f"learned: P(right) {chance:.2f} < {self.calibration.threshold}"
        if reading.refusal:
            return
        yield Evidence(reading.evidence, language)  # the checks that refuse before any answer have passed
        stream_filter = StreamFilter(answer_only=True)
        # Only whole words that have passed the checks are shown: the last word may still
        # grow into a name or number the text lacks.
        answer, reading.pending, checked = "", "", 0
        limit = {"max_tokens": reading.max_answer_tokens} if reading.max_answer_tokens else {}
        for chunk in self.llm.stream([*messages, AIMessage(reading.handed)], stop=NEXT_ROUND, **limit):
            reading.go_on(chunk)
            piece = chunk.content if isinstance(chunk.content, str) else ""
            answer += piece
            reading.written += piece
            settled = answer[: answer.rfind(" ") + 1]
            if len(settled) <= checked:
                continue
            restated = denied_question(settled, question)
            if unsupported_facts(settled, [*context_texts, restated]):
                break  # refused by the checks: stop writing, show no more
            reading.pending += stream_filter.feed(settled[checked:])
            checked = len(settled)
            if reading.pending and (
                reading.shown
                or _first_words_pass(settled, language, reading.evidence, context_texts, restated)
            ):
                yield reading.pending
                reading.pending = ""
        reading.pending += stream_filter.feed(answer[checked:])  # shown once the answer is judged
        reading.raw = f"{reading.handed} {answer}"

    def _candidates(
        self, reading: _Reading, messages: list[BaseMessage], question: str, context: list[Passage]
    ) -> list[_Candidate]:
        """The model points at the sentence that answers: the sentences of the context are
        numbered in the prompt, and its probabilities for each number after "Quote: [" are
        read (a few one-token steps, nothing written). The likeliest numbers, each weighed by
        its sentence's similarity to the question, are the candidates: the best and the
        runner-up. (Left to itself after "Quote:", the model mostly starts copying words.)"""
        numbered = sentences(context)
        labels = [f"{n}]" for n in range(1, len(numbered) + 1)]
        weights = self._evidence_weights(reading, question, numbered)
        ranked = self.llm.likeliest_continuations(messages, f"{QUOTE_LABEL} [", labels, weights, count=2)
        return [_Candidate(numbered[c.index], c.index + 1, c.probability, c.score) for c in ranked]

    def _weigh(
        self,
        reading: _Reading,
        messages: list[BaseMessage],
        question: str,
        candidate: _Candidate,
        judged_answers: float | None = None,
    ) -> None:
        """Hand the model this sentence as its quote and read its signals: its next-word
        probabilities right after it, and its judgement of the sentence on its own
        (`judged_answers`: already asked)."""
        reading.evidence, reading.evidence_number = candidate.sentence, candidate.number
        reading.evidence_probability = (
            None if candidate.probability is None else round(candidate.probability, 4)
        )
        reading.handed = f"{QUOTE_LABEL} [{candidate.number}] {candidate.sentence.text}\n{ANSWER_LABEL}"
        first_words = {"refuse": [REFUSAL_WORD], "yes": [*YES.values()], "no": [*NO.values()]}
        in_text = Signals(**self.llm.next_word_probabilities(messages, reading.handed, first_words))
        # Judged apart from the text, while the conversation (read up to "Answer:") waits.
        with getattr(self.llm, "set_aside", nullcontext)():
            judged = reading.judged_text(candidate.sentence)
            answers = judged_answers
            if answers is None:
                answers = self.judged(question, judged, keep=not reading.bridge)
        reading.signals = replace(in_text, judged_answers=answers)

    def _evidence_weights(
        self, reading: _Reading, question: str, numbered: list[Sentence]
    ) -> list[float] | None:
        """Each sentence's weight (0-1) beside the model's pointer: exp(weight x (its
        similarity to the query - the highest) + weight x (its share of the question's rare
        words - the highest)). The words are the question's own: in a follow-up ("And for a
        hybrid one?") the question before it (in the query) would pull back to its answer."""
        if not numbered:
            return None
        texts = [s.text for s in numbered]
        query = reading.query
        shared = reading.overlaps = shared_rare_words(question, texts)
        exponents = [EVIDENCE_WORDS_WEIGHT * (share - max(shared)) for share in shared]
        store = self.retriever.index.sentences
        if store is not None and EVIDENCE_SIMILARITY_WEIGHT:
            try:
                similarity = store.similarities(query, texts)
            except Exception as error:  # a store that fails (a Chroma server gone): words only
                log.warning("sentence similarities unavailable (%s): the pointer and words decide", error)
            else:
                reading.similarities = similarity
                top = max(similarity)
                exponents = [
                    e + EVIDENCE_SIMILARITY_WEIGHT * (s - top)
                    for e, s in zip(exponents, similarity, strict=True)
                ]
        return [math.exp(e) for e in exponents]

    def judged(self, question: str, evidence: str, keep: bool = True) -> float:
        """The model judges the evidence sentence on its own, apart from the text, against
        the question (`prompts/judge_*.txt`): inside the text it leans to "yes" whatever the
        sentence says. Returns its yes-share for "does the sentence give the answer?".
        `keep`: save the state of the prompt up to the question (not for a one-off text, a
        bridge and a sentence)."""
        return self._yes_share(self.prompting.judge_conversation(evidence, question, keep))

    def _yes_share(self, conversation: list[BaseMessage]) -> float:
        """P(yes) / (P(yes) + P(no)) for the model's next word."""
        found = self.llm.next_word_probabilities(conversation, "", JUDGED_WORDS)
        total = found["yes"] + found["no"]
        return round(found["yes"] / total, 4) if total else 0.5

    def _read_freely(
        self,
        reading: _Reading,
        messages: list[BaseMessage],
        question: str,
        language: str,
        context: list[Passage],
    ) -> Iterator[str]:
        """Any chat model: it writes "Quote: ... Answer: ..." and the quote is matched to a
        sentence of the context afterwards."""
        stream_filter = StreamFilter()
        limit = {"max_tokens": reading.max_answer_tokens} if reading.max_answer_tokens else {}
        for chunk in self.llm.stream(messages, stop=NEXT_ROUND, **limit):
            reading.go_on(chunk)
            piece = chunk.content if isinstance(chunk.content, str) else ""
            reading.raw += piece
            reading.written += piece
            visible = stream_filter.feed(piece)
            if visible:
                yield visible
        reading.quoted, _ = split_quote(reading.raw)
        number, quoted = numbered_quote(reading.quoted)
        numbered = sentences(context)
        reading.evidence = copied_sentence(quoted, context) or (
            numbered[number - 1] if 0 < number <= len(numbered) else None
        )

    def _signals(self, reading: _Reading, language: str) -> dict[str, float]:
        """What the model and retrieval said of this reading, by name (`rag/decision.py`)."""
        signals = {k: v for k, v in vars(reading.signals).items() if v is not None} if reading.signals else {}
        if reading.signals:
            signals["yes_no_mass"] = round(reading.signals.yes_no_mass, 4)
        if reading.evidence_probability is not None:
            signals["evidence"] = reading.evidence_probability
        number = reading.evidence_number - 1
        if reading.evidence is not None and 0 <= number < len(reading.similarities):
            signals["similarity"] = round(reading.similarities[number], 4)
        if reading.evidence is not None and 0 <= number < len(reading.overlaps):
            signals["overlap"] = round(reading.overlaps[number], 4)
        if reading.evidence is not None:
            signals["other_language"] = float(detect_language(reading.evidence.text) != language)
        return signals

    def _verdict(
        self, reading: _Reading, question: str, language: str, context: list[Passage]
    ) -> AnswerResult:
        result = self._checked(reading, question, language, context)
        result.draft = strip_markers(split_quote(reading.raw)[1])
        if reading.evidence is not None:
            restated = denied_question(result.draft, question)
            result.checks = check_firings(
                result.draft, question, language, reading.evidence, reading.known(context), restated
            )
        return result

    def _checked(
        self, reading: _Reading, question: str, language: str, context: list[Passage]
    ) -> AnswerResult:
        signals = self._signals(reading, language)
        _, answer = split_quote(reading.raw)
        answer = strip_markers(answer)
        if reading.declined:
            return self._refusal(language, "the model points at no sentence", signals)
        if reading.refusal:
            return self._refusal(language, reading.refusal, signals)
        if reading.strays():
            return self._refusal(language, STRAYS, signals)
        if reading.quoted and reading.evidence is None and _same_language(reading.quoted, context):
            return self._refusal(language, "the quote is not a sentence of the text", signals)
        if not reading.raw or (not answer and reading.evidence is None):
            return self._refusal(language, "the quote matches no sentence of the text", signals)
        restated = denied_question(answer, question)
        verdict = judge(answer, language, reading.evidence, reading.known(context), restated)
        if verdict.answer != answer:
            reading.pending = ""  # nothing more of the written answer is shown
        if not verdict.accepted:
            return self._refusal(language, verdict.reason, signals)
        citations = self._cited(verdict.answer, reading.evidence, question, context, reading.bridge)
        if not citations:
            return self._refusal(language, "no passage supports the answer", signals)
        reason = verdict.reason
        return AnswerResult(verdict.answer, False, language, citations, reason=reason, signals=signals)

    @staticmethod
    def _refusal(language: str, reason: str, signals: dict[str, float]) -> AnswerResult:
        return AnswerResult(REFUSALS[language], True, language, [], reason=reason, signals=signals)

    def _cited(
        self,
        answer: str,
        evidence: Sentence | None,
        question: str,
        context: list[Passage],
        bridge: Sentence | None = None,
    ) -> list[Citation]:
        """The passages that support the answer, each with its evidence sentence; on a
        second hop the bridge too, last: the answer rests on both."""
        quote = evidence.text if evidence else ""
        elsewhere = [bridge.passage] if bridge else []  # the bridge's, from the first page
        similarity = self._similarity(question, f"{quote} {answer}", [*context, *elsewhere])
        on_page = [s for s in similarity if s.passage not in elsewhere]
        cited = choose_citations(answer, question, on_page, evidence=evidence)
        if not cited or bridge is None or any(c.sentence == bridge.text for c in cited):
            return cited
        return [*cited, *(citation(len(cited) + 1, s, bridge) for s in similarity if s.passage in elsewhere)]

    def _similarity(self, question: str, answer: str, context: list[Passage]) -> list[ScoredPassage]:
        """Each context passage scored by cosine similarity to the question and answer."""
        index = self.retriever.index
        claim = index.embeddings.embed_query(f"{question} {answer}")
        vectors = index.vectors([p.passage_id for p in context])
        # A passage removed while this question ran (its document was deleted) has no vector.
        return [
            ScoredPassage(p, cosine(claim, vectors[p.passage_id])) for p in context if p.passage_id in vectors
        ]

    def page_system_message(self, page: Page) -> BaseMessage:
        return self.prompting.messages("?", "nl", [], list(page.passages))[0]

    def save_page_states(self, on_page: Callable[[int, int], None] | None = None) -> list[Path]:
        return save_page_states(self, on_page)  # rag/page_states.py

    def warm_up(self) -> None:
        """Compute the fixed prompt prefix once, so the first real question is fast too."""
        if self.full_context:
            system = self.page_system_message(self.pages[0])
            with self.gate.turn():
                self.llm.invoke([system, HumanMessage("Hallo")], max_tokens=1)

    def answer(
        self,
        question: str,
        history: list[Turn] | None = None,
        doc_id: str | None = None,
        cancelled: threading.Event | None = None,
    ) -> AnswerResult:
        for event in self.stream(question, history, doc_id, cancelled):
            if isinstance(event, AnswerResult):
                return event
        raise RuntimeError("the answer stream ended without a result")


def _holds_any(passage: Passage, names: frozenset[str]) -> bool:
    text = passage.text.lower()
    return any(name in text for name in names)


def _same_language(quote: str, context: list[Passage]) -> bool:
    """A quote in the text's own language can be compared word for word; a translated one
    (an English question over a Dutch text) cannot."""
    return detect_language(quote) == detect_language(" ".join(p.text for p in context[:3]))


def _first_words_pass(
    answer: str,
    language: str,
    evidence: Sentence | None,
    context_texts: list[str],
    restated: str,
) -> bool:
    """An answer's first words may be shown: enough of them, and judged as if the answer
    ended there, they would be shown as they are."""
    if len(words(answer)) < SHOWN_AFTER_WORDS:
        return False
    verdict = judge(answer.strip(), language, evidence, context_texts, restated)
    return verdict.accepted and verdict.answer == answer.strip()


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
