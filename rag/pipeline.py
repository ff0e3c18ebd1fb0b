"""The answer function that the CLI, the web chat and the API all call.

question -> retrieval -> prompt -> LLM (streamed) -> grounding check -> citations.

The prompt puts every passage of the corpus, in document order, in the system message
when they fit: that prefix never changes, so llama.cpp reuses its cached state and a
question only pays for its own tokens. Retrieval still ranks the passages and, when the
corpus is too big, picks the top-k that go in the prompt. The model quotes its evidence,
then answers; only the answer streams to the reader. An answer that is a refusal or fails
the checks is tried once more with retrieval's two best passages repeated after the
question (the cached prefix stays as it is); if that fails too, the answer is a refusal.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from rag.chunking import Passage
from rag.citations import (
    REFUSAL_WORD,
    REFUSALS,
    Citation,
    choose_citations,
    is_refusal,
    marked_numbers,
    quote_rest,
    quoted_sentence,
    split_quote,
    strip_markers,
    unsupported_facts,
)
from rag.documents import Document
from rag.errors import IndexError_, InputError
from rag.index import ScoredPassage
from rag.language import ANSWER_IN, clearly_other_language, detect_language
from rag.llm import ModelGate
from rag.prompts import Prompts
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.yes_no import NO_BECAUSE, denial, is_yes_no_question, says_no, unfounded_verdict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass
class AnswerResult:
    answer: str
    refused: bool
    language: str
    citations: list[Citation]
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Token:
    """A piece of the answer as it streams."""

    text: str


@dataclass(frozen=True)
class Reset:
    """What was streamed so far is withdrawn; a second attempt or the checked answer follows."""


StreamEvent = Token | Reset | AnswerResult


class _StreamFilter:
    """Decides what of the model's reply a reader sees as it streams: only the answer after
    "Answer:" (the quote before it is evidence for the citations), without [n] markers,
    and nothing while the answer may still turn out to be a refusal."""

    def __init__(self) -> None:
        self.raw = ""
        self.sent = 0

    def feed(self, piece: str) -> str:
        self.raw += piece
        if _quote_first(self.raw) and not ANSWER_STARTED.search(self.raw):
            return ""
        _, visible = split_quote(self.raw)
        cut = visible.rfind("[")
        if cut != -1 and "]" not in visible[cut:]:
            visible = visible[:cut]  # a marker may be starting
        visible = strip_markers(visible) if "[" in visible else visible
        if _may_become_refusal(visible):
            return ""
        # Stripping can shorten text already sent (a trailing space): never resend.
        out = visible[self.sent :] if len(visible) > self.sent else ""
        self.sent += len(out)
        return out


def _quote_first(raw: str) -> bool:
    """Whether the reply is (or may still become) "Quote: ... Answer: ..."."""
    start = raw.lstrip()[:7].lower()
    return any(label.startswith(start) or start.startswith(label) for label in ("quote:", "citaat:"))


# A small model sometimes starts a second "Quote: ... Answer: ..." round: stop there.
NEXT_ROUND = ["\nQuote:", "\nCitaat:"]
ANSWER_STARTED = re.compile(r"\b(?:Answer|Antwoord)\s*:\s*\S", re.IGNORECASE)


def _may_become_refusal(text: str) -> bool:
    start = text.strip().lower()
    return any(r.lower().startswith(start) for r in (REFUSAL_WORD, *REFUSALS.values()))


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        prompts: Prompts,
        retriever: HybridRetriever,
        llm: BaseChatModel,
        documents: dict[str, Document],
    ):
        self.settings = settings
        self.prompts = prompts
        self.retriever = retriever
        self.llm = llm
        self.documents = documents
        self.gate = ModelGate(settings.queue_size)
        self.full_context = self.whole_corpus(retriever.passages)
        self.copies_quotes = settings.copy_quotes and getattr(llm, "continues_replies", False)

    def whole_corpus(self, passages: list[Passage]) -> list[Passage] | None:
        """All these passages, in document order, when they fit in the prompt."""
        fits = sum(len(p.text) for p in passages) <= self.settings.full_context_chars
        return passages if fits and passages else None

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
            if not _is_valid_text(text):
                raise InputError("The question or history holds invalid characters (lone surrogates).")
        if doc_id is not None and doc_id not in self.documents:
            raise InputError(f"Unknown document: {doc_id!r}. See GET /api/documents.")

    # ------------------------------------------------------------ prompts

    def _messages(
        self,
        question: str,
        language: str,
        history: list[Turn],
        context: list[Passage],
        hint: list[Passage],
    ) -> list[BaseMessage]:
        """System (passages, rules) + history + question; `hint` repeats the passages that
        retrieval ranks first, for a second attempt, after the cacheable system prefix."""
        numbers = {p.passage_id: n for n, p in enumerate(context, start=1)}
        system = self.prompts.system.format(
            passages=self._format_passages(context, numbers),
            refusal=REFUSAL_WORD,
        )
        messages: list[BaseMessage] = [SystemMessage(system)]
        recent = history[-self.settings.max_history_messages :] if self.settings.max_history_messages else []
        for turn in recent:
            messages.append(HumanMessage(turn.content) if turn.role == "user" else AIMessage(turn.content))
        fields = {"question": question.strip(), "answer_in": ANSWER_IN[language], "refusal": REFUSAL_WORD}
        if hint:
            user = self.prompts.retry.format(passages=self._format_passages(hint, numbers), **fields)
        else:
            user = self.prompts.question.format(**fields)
        messages.append(HumanMessage(user))
        return messages

    def _format_passages(self, passages: list[Passage], numbers: dict[str, int]) -> str:
        return "\n\n".join(
            self.prompts.passage.format(n=numbers[p.passage_id], doc=p.doc_id, text=p.text) for p in passages
        )

    # ------------------------------------------------------------ answering

    def retrieval_query(self, question: str, history: list[Turn]) -> str:
        # A follow-up ("Waar ligt dat?") is retrieved together with the question before it.
        previous = [t.content for t in history if t.role == "user"][-1:]
        return " ".join([*previous, question])

    def stream(
        self, question: str, history: list[Turn] | None = None, doc_id: str | None = None
    ) -> Iterator[StreamEvent]:
        """Tokens as they come, maybe a Reset, then the AnswerResult; `doc_id` keeps the
        question to one document."""
        history = history or []
        self.check_question(question, history, doc_id)
        started = time.perf_counter()
        language = detect_language(question)
        ranked = self.retriever.retrieve(self.retrieval_query(question, history), doc_id=doc_id)
        timings = {"retrieval_ms": _ms(started)}
        whole = self.full_context
        if doc_id is not None:
            whole = self.whole_corpus([p for p in self.retriever.passages if p.doc_id == doc_id])
        context = whole or [s.passage for s in ranked]
        # Second attempt: the same prompt, with retrieval's two best passages repeated.
        attempts = [[], [s.passage for s in ranked[:2]]]

        with self.gate.turn():
            timings["queue_ms"] = round(_ms(started) - timings["retrieval_ms"], 1)
            streamed = False
            for number, hint in enumerate(attempts, start=1):
                if streamed:
                    yield Reset()
                text = shown = ""
                stream_filter = _StreamFilter()
                messages = self._messages(question, language, history, context, hint)
                for piece in self._reply(messages, context):
                    text += piece
                    visible = stream_filter.feed(piece)
                    if visible:
                        # What a reader sees: the quote before the answer is not shown.
                        timings.setdefault("first_token_ms", _ms(started))
                        streamed = True
                        shown += visible
                        yield Token(visible)
                timings["attempts"] = number
                result = self._judge(text, question, language, context, number == len(attempts))
                log.debug("attempt %d: %r -> refused=%s", number, text, result.refused)
                if not result.refused:
                    break
        if shown and shown.strip() != result.answer:
            yield Reset()  # the checked answer differs from what streamed (a refusal, a quoted "no")
        timings["total_ms"] = _ms(started)
        result.timings = timings
        yield result

    def _reply(self, messages: list[BaseMessage], context: list[Passage]) -> Iterator[str]:
        """The model's reply, piece by piece. A model that can continue its own reply gets
        the rest of a sentence it is quoting from the passages, once only one sentence
        fits, rather than writing it word by word: the answer starts sooner."""
        reply = ""
        for piece in self._model_pieces(messages):
            reply += piece
            yield piece
            rest = quote_rest(reply, context) if self.copies_quotes else ""
            if rest:
                break
        else:
            return
        log.debug("quote completed from the passages after %r", reply)
        reply += rest + "\nAnswer:"
        yield rest + "\nAnswer:"
        yield from self._model_pieces([*messages, AIMessage(reply)])

    def _model_pieces(self, messages: list[BaseMessage]) -> Iterator[str]:
        for chunk in self.llm.stream(messages, stop=NEXT_ROUND):
            yield chunk.content if isinstance(chunk.content, str) else ""

    def _judge(
        self,
        raw: str,
        question: str,
        language: str,
        context: list[Passage],
        last_attempt: bool = True,
    ) -> AnswerResult:
        """Accept an answer only if it is grounded and citable; otherwise refuse."""
        quote, answer = split_quote(raw)
        answer = strip_markers(answer)
        refusal = AnswerResult(REFUSALS[language], True, language, [])
        if is_yes_no_question(question):
            unfounded = unfounded_verdict(question, quote, answer, context)
            denied = denial(question, language, context)
            if denied and (unfounded or not says_no(answer)):
                # The article says "not" where the model said yes, or nothing: quote it.
                answer = NO_BECAUSE[language].format(sentence=denied.sentence)
                return self._cited(answer, denied.sentence, question, language, context, []) or refusal
            if unfounded:
                return refusal
        if not answer or is_refusal(answer):
            return refusal
        if unsupported_facts(answer, [p.text for p in context]):
            return refusal
        if clearly_other_language(answer, language):
            sentence = quoted_sentence(quote, context)
            if sentence and not clearly_other_language(sentence, language):
                answer = sentence  # the article's own sentence answers in the question's language
            elif not last_attempt:
                return refusal  # try again; on the last attempt a right answer beats a refusal
        return self._cited(answer, quote, question, language, context, marked_numbers(raw)) or refusal

    def _cited(
        self, answer: str, quote: str, question: str, language: str, context: list[Passage], marked: list[int]
    ) -> AnswerResult | None:
        """The answer with the passages that support it; None when none does."""
        # The quote is the model's evidence: it weighs in when choosing the passages to cite.
        similarity = self._similarity(question, f"{quote} {answer}", context)
        citations = choose_citations(answer, question, similarity, marked, evidence=quote)
        return AnswerResult(answer, False, language, citations) if citations else None

    def _similarity(self, question: str, answer: str, context: list[Passage]) -> list[ScoredPassage]:
        """Each context passage scored by cosine similarity to the question and answer."""
        index = self.retriever.index
        claim = index.embeddings.embed_query(f"{question} {answer}")
        vectors = index.vectors([p.passage_id for p in context])
        return [
            ScoredPassage(p, float(sum(a * b for a, b in zip(claim, vectors[p.passage_id], strict=True))))
            for p in context
        ]

    def warm_up(self) -> None:
        """Compute the fixed prompt prefix once, so the first real question is fast too."""
        if self.full_context:
            messages = self._messages("?", "nl", [], self.full_context, [])
            with self.gate.turn():
                self.llm.invoke([messages[0], HumanMessage("Hallo")], max_tokens=1)

    def answer(
        self, question: str, history: list[Turn] | None = None, doc_id: str | None = None
    ) -> AnswerResult:
        for event in self.stream(question, history, doc_id):
            if isinstance(event, AnswerResult):
                return event
        raise RuntimeError("the answer stream ended without a result")


def _is_valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
