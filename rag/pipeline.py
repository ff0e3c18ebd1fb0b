"""The answer function that the CLI, the web chat and the API all call.

question -> retrieval (the top passages, shown at once with the sentence nearest the
question) -> a plain grounded prompt (`prompts/`) -> the model writes its answer -> the
sentence that holds the answer's facts and words is its evidence, its passages the
citations (`rag/citations.py`) -> the grounding rules decide, in one ordered table
(`rag/grounding.py`: the model's refusal, no number or name the cited text lacks, the
learned decision from the model's and retrieval's signals in `rag/decision.py`, the
answer's language) -> the checked answer streams. A question the model refuses is read
once more over the sentences nearest it, where the model's calibration says so, and
decided the same way.
Overview questions take their own short way (`rag/overview.py`).

The model answers as naive RAG's bare model would (`rag/baseline.py`); what the product adds
is decided after, from signals, never by word rules. The public benchmark's tune half
measured the former way (the model pointing at a numbered sentence, handed it as its quote,
judging it apart, a second hop to another page): it answered fewer answerable questions
than the bare model with the same retrieval (docs/benchmark.md).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage

from rag.answer_format import answer_part, strip_markers
from rag.chunking import Passage
from rag.citations import Citation
from rag.decision import Calibration, decision_status
from rag.documents import Document
from rag.errors import Cancelled, IndexError_, InputError
from rag.evidence import Reading, find_evidence, reading
from rag.grounding import MODEL_REFUSED, Case, decide, refused, rules_off
from rag.index import ScoredPassage
from rag.language import detect_language
from rag.lexicon import Lexicon, asked_language
from rag.llm import ModelGate, model_queue
from rag.overview import Overviews
from rag.prompting import MOST_CHARS_PER_TOKEN, PromptMaker, Turn
from rag.prompts import Prompts
from rag.refusal import nearest_passage, why_refused
from rag.retrieval import HybridRetriever, retrieval_query, short_scopes
from rag.settings import Settings
from rag.text import Sentence

log = logging.getLogger(__name__)

SECOND_READING = " (read again over the nearest sentences)"  # after how that answer was decided


@dataclass(frozen=True)
class AnswerResult:
    answer: str
    refused: bool
    language: str
    citations: list[Citation]
    timings: dict[str, float] = field(default_factory=dict)
    # Why it was answered or refused, and the decision's signals: for the logs and calibration.
    reason: str = ""
    signals: dict[str, float] = field(default_factory=dict)
    # Tokens read (the prompt) and written (the answer, or the refusal shown) by the model.
    usage: dict[str, int] = field(default_factory=dict)
    # The sentence the answer rests on (a refusal: the one most like the question).
    evidence: str = ""
    # The model's answer as written, before the checks: what the benchmark's rows keep.
    draft: str = ""
    # A refusal's nearest passage (its evidence sentence, or the best-ranked passage),
    # clearly not an answer, and why it refused, in the question's language.
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
    """The sentence of the text the answer rests on, sent just before the answer's words."""

    sentence: Sentence
    language: str  # the question's, for whoever shows it


@dataclass(frozen=True)
class Sources:
    """The passages the model will read, right after retrieval: what a reader can see while
    it reads, and the sentence of them most like the question (not an answer)."""

    passages: tuple[Passage, ...]
    language: str
    nearest: Sentence | None = None


StreamEvent = Sources | Token | Evidence | AnswerResult


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
        self.gate = ModelGate(settings.queue_size, model_queue(llm))
        self.prompting = PromptMaker(settings, prompts, llm, self.lexicons)
        self.use_corpus(retriever, documents)

    def decision_status(self) -> str:
        """What decides to answer or refuse, for /healthz and the start-up log."""
        return decision_status(self.calibration, self.settings.llm_model)

    def backend_lacks(self) -> list[str]:
        """What this model's backend does not do, as declared: for start-up and /healthz."""
        notice = self.prompting.estimate_notice
        return [notice] if notice else []

    def rules_off(self) -> list[str]:
        """The grounding rules off, or without a word table, for these languages and model."""
        return rules_off(self.lexicons, self.calibration, self.settings.llm_model)

    def use_corpus(self, retriever: HybridRetriever, documents: dict[str, Document]) -> None:
        """Answer from these passages and documents from the next question on (documents
        added or removed while serving); a question already running keeps its context."""
        # The longest prompt a question can get (its top passages the longest, the longest
        # first: the last to go where they do not all fit): every question is checked with
        # it before any answer starts.
        longest = sorted(retriever.passages, key=lambda p: len(p.text), reverse=True)
        self.widest_context = longest[: self.settings.top_k]
        # The corpus, or any one document, short enough to be read whole.
        self.short_scopes = (
            short_scopes(retriever.passages, self.prompting.budget * MOST_CHARS_PER_TOKEN)
            if self.settings.read_whole_if_it_fits
            else {}
        )
        self.documents = documents
        self.retriever = retriever

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
        self.prompting.fitted(question, [], self.widest_context)

    # ------------------------------------------------------------ answering

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
        """The passages it reads, then (once checked and decided) the evidence and the
        answer's words, then the AnswerResult.

        `doc_id` keeps the question to one document; setting `cancelled` (the caller left)
        frees the model; `preference` is a client's wish on tone or length, which the rules
        outrank; `max_answer_tokens` caps the answer."""
        history = history or []
        self.check_question(question, history, doc_id)
        started = time.perf_counter()
        # The question's language, unless the client's system message asks for another.
        language = asked_language(preference, self.lexicons) or detect_language(question)
        if self.overviews and self.overviews.asks_overview(question):
            yield from self._overview(question, language, doc_id, started)
            return
        query = retrieval_query(question, [t.content for t in history if t.role == "user"])
        messages, read, ranked, read_whole = self._prompt(question, history, query, doc_id, preference)
        # Its sentences scored against the question once: the nearest is shown at once, and
        # the evidence is chosen among them once the answer is written.
        sentences_read = reading(self.retriever.index, query, [s.passage for s in ranked])
        timings = {"retrieval_ms": _ms(started)}
        yield Sources(tuple(read), language, sentences_read.nearest)

        with self.gate.turn(cancelled):
            timings["queue_ms"] = round(_ms(started) - timings["retrieval_ms"], 1)
            draft = write_draft(self.llm, messages, max_answer_tokens, cancelled)
            timings["written_ms"] = _ms(started)
            if draft.first_token_at is not None:  # the model's own first token, on this prompt
                timings["model_first_token_ms"] = _ms(started, draft.first_token_at)
            result = self._decide(draft.text, question, language, ranked, sentences_read)
            prompts_read = [messages]
            again = None
            # A text read whole is not read again: the short prompt would take the place of
            # the text's prompt that llama.cpp keeps read, and the next question would read
            # the whole text anew (~10 s on 2 cores).
            if result.reason == MODEL_REFUSED and not read_whole:
                again = self._second_reading(question, history, preference, sentences_read)
            if again:
                prompts_read.append(again)
                second = write_draft(self.llm, again, max_answer_tokens, cancelled)
                reread = self._decide(second.text, question, language, ranked, sentences_read)
                if reread.reason != MODEL_REFUSED:  # decided as any answer
                    draft, result = second, replace(reread, reason=reread.reason + SECOND_READING)
                timings["read_again_ms"] = round(_ms(started) - timings["written_ms"], 1)
            usage = {
                "prompt_tokens": sum(self.prompting.prompt_tokens(p) for p in prompts_read),
                # A refusal the model never wrote still reaches the client as text.
                "completion_tokens": self.prompting.text_tokens(max(draft.text, result.answer, key=len)),
            }
        if not result.refused:
            first = result.citations[0]
            yield Evidence(_cited_sentence(first), language)
            timings["first_token_ms"] = _ms(started)
            yield from (Token(piece) for piece in _word_pieces(result.answer))
        timings["total_ms"] = _ms(started)
        cut_short = draft.cut_short and not result.refused
        result = replace(result, timings=timings, usage=usage, cut_short=cut_short)
        log.debug("%r -> %s (%s), evidence %r", question, result.answer, result.reason, result.evidence)
        yield result

    def _prompt(
        self, question: str, history: list[Turn], query: str, doc_id: str | None, preference: str
    ) -> tuple[list[BaseMessage], list[Passage], list[ScoredPassage], bool]:
        """The prompt, the passages it holds, those ranked for the question, and whether the
        text is read whole. A short text that fits whole is read whole, in document order:
        every question on it then shares the prompt's start, which llama.cpp keeps read, so
        only the question is read anew. Otherwise the top passages, as many as fit."""
        scope = self.short_scopes.get(doc_id)
        whole = self.prompting.holding_all(question, history, scope, preference) if scope else None
        if scope and whole is not None:
            return whole, scope, self.retriever.retrieve(query, k=len(scope), doc_id=doc_id), True
        ranked = self.retriever.retrieve(query, doc_id=doc_id)
        messages, read = self.prompting.fitted(question, history, [s.passage for s in ranked], preference)
        return messages, read, ranked[: len(read)], False  # what did not fit is not read

    def _second_reading(
        self, question: str, history: list[Turn], preference: str, read: Reading
    ) -> list[BaseMessage] | None:
        """The prompt a refused question is read again with: the same, over the sentences
        most like the question, each as a passage. A small model that loses the answer in
        ~600 tokens often finds it in three sentences (the public benchmark's tune half,
        docs/benchmark.md). None where this model's calibration reads nothing again."""
        n = self.calibration.second_reading_sentences if self.calibration else 0
        if not n or not read.similarity:
            return None
        narrow = [Passage(s.doc_id, s.start, s.end, s.text) for s in read.closest(n)]
        return self.prompting.fitted(question, history, narrow, preference)[0]

    def _decide(
        self,
        draft: str,
        question: str,
        language: str,
        ranked: list[ScoredPassage],
        read: Reading,
    ) -> AnswerResult:
        """The written answer, its evidence and citations found, then decided by the
        grounding rules (`rag/grounding.py`); a refusal keeps the nearest passage and says why."""
        answer = strip_markers(answer_part(draft))  # a model that writes "Answer:" labels
        found = find_evidence(self.retriever.index, answer, question, language, read)
        evidence, citations, signals = found.evidence, found.citations, found.signals
        case = Case(question, language, answer, evidence, tuple(c.text for c in citations), signals)
        decision = decide(case, self.calibration)
        refused = not decision.accepted
        nearest = nearest_passage(evidence, ranked) if refused else []
        why = why_refused(decision.reason, language, bool(nearest), self.lexicons) if refused else ""
        return AnswerResult(
            decision.answer,
            refused,
            language,
            [] if refused else citations,
            reason=decision.reason,
            signals=signals,
            evidence=evidence.text if evidence else "",
            draft=answer,
            nearest=nearest,
            explanation=why,
        )

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
        summary = self.overviews.summary(passages, language, store.vectors if store is not None else None)
        if summary is None:
            yield self._refusal(language, "the document has no sentences")
            return
        first = summary.citations[0]
        yield Evidence(_cited_sentence(first), language)
        yield Token(summary.answer)
        timings = {"first_token_ms": _ms(started), "total_ms": _ms(started)}
        reason = "overview: the document's central sentences"
        evidence = first.sentence
        yield AnswerResult(
            summary.answer, False, language, summary.citations, timings, reason, evidence=evidence
        )

    @staticmethod
    def _refusal(language: str, reason: str) -> AnswerResult:
        said = refused(language, reason)
        return AnswerResult(said.answer, True, language, [], reason=said.reason)

    def warm_up(self) -> None:
        """Have the model write one token, so the first reader does not wait for its weights
        to load from disk, nor, where the corpus is read whole, for the passages to be read."""
        scope = self.short_scopes.get(None)
        whole = self.prompting.holding_all("Hallo", [], scope) if scope else None
        with self.gate.turn():
            self.llm.invoke(whole or [HumanMessage("Hallo")], max_tokens=1)

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


@dataclass(frozen=True)
class Draft:
    """The model's answer as written, before the checks."""

    text: str
    cut_short: bool  # the model stopped at the caller's token limit
    # When the model's first piece came (time.perf_counter): the bare model's first token on
    # the same prompt, which the first checked answer word is measured against.
    first_token_at: float | None = None


def write_draft(
    llm: BaseChatModel,
    messages: list[BaseMessage],
    max_tokens: int | None,
    cancelled: threading.Event | None = None,
) -> Draft:
    """The model's answer to the prompt; stops when the caller goes away (`cancelled`)."""
    limit = {"max_tokens": max_tokens} if max_tokens else {}
    text, cut_short, first_token_at = "", False, None
    for chunk in llm.stream(messages, **limit):
        if cancelled is not None and cancelled.is_set():
            raise Cancelled("The caller went away.")
        cut_short = cut_short or chunk.response_metadata.get("finish_reason") == "length"
        piece = chunk.content if isinstance(chunk.content, str) else ""
        if piece and first_token_at is None:
            first_token_at = time.perf_counter()
        text += piece
    return Draft(text.strip(), cut_short, first_token_at)


def _cited_sentence(first: Citation) -> Sentence:
    """The first citation's evidence sentence, for the reader to see before the answer."""
    document_passage = Passage(first.doc_id, first.start, first.end, first.text)
    return Sentence(document_passage, first.sentence_start, first.sentence_end)


def _word_pieces(answer: str) -> Iterator[str]:
    """The checked answer, a word (and its space) at a time: it is shown as it is read out."""
    words = answer.split(" ")
    for n, word in enumerate(words):
        yield word if n == len(words) - 1 else word + " "


def _ms(since: float, until: float | None = None) -> float:
    """Milliseconds from `since` to `until` (default: now), both time.perf_counter()."""
    return round(((time.perf_counter() if until is None else until) - since) * 1000, 1)
