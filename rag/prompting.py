"""The prompts a question is read with (templates in prompts/), fitted to the model's
context by tokens: the page's system message (the same for every question over it, so its
state is kept), the conversation, the question; and the judge's short conversation about
one sentence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from rag.answer_format import REFUSALS
from rag.chunking import Passage
from rag.errors import InputError
from rag.language import ANSWER_IN
from rag.lexicon import Lexicon, lexicon_for
from rag.pages import Page
from rag.prompts import Prompts
from rag.settings import Settings

# Room kept for the reply's labels ("Quote:", "Answer:") and the template's end markers,
# and for each message's chat markup when tokens are estimated.
REPLY_MARKUP_TOKENS = 16
# What a page's prompt must leave free for the question and its turns: a page that leaves
# less is split between its passages (a question of the longest allowed length, 1,000
# characters, is ~300 tokens; older turns are dropped to fit).
QUESTION_ROOM_TOKENS = 300
MESSAGE_MARKUP_TOKENS = 8


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


class PromptMaker:
    def __init__(
        self,
        settings: Settings,
        prompts: Prompts,
        llm: BaseChatModel,
        lexicons: dict[str, Lexicon] | None = None,
    ):
        self.settings = settings
        self.lexicons = lexicons or {}
        self.prompts = prompts
        self.llm = llm
        # The prompt may fill the context but for the reply: the quote, then the answer.
        self.budget = settings.llm_context_tokens - 2 * settings.llm_max_tokens - REPLY_MARKUP_TOKENS
        # The contexts that are pages: their system messages' states are kept.
        self.page_contexts: set[tuple[Passage, ...]] = set()

    def fitted(
        self,
        question: str,
        language: str,
        history: list[Turn],
        context: list[Passage],
        preference: str = "",
    ) -> list[BaseMessage]:
        """The prompt in the model's context, by tokens: the oldest turns go first (the
        system message, whose state is cached, stays as it is)."""
        turns = history[-self.settings.max_history_messages :] if self.settings.max_history_messages else []
        while True:
            messages = self.messages(question, language, turns, context, preference)
            needed = self.prompt_tokens(messages)
            if needed <= self.budget:
                return messages
            if not turns:
                raise InputError(
                    f"The question is too long for the model: with the documents it needs {needed} "
                    f"tokens, and {self.budget} fit. Ask it in fewer words."
                )
            turns = turns[1:]
            while turns and turns[0].role == "assistant":  # a conversation starts with a question
                turns = turns[1:]

    def context_tokens(self, context: Sequence[Passage]) -> int:
        """The tokens of a prompt over this context before any question."""
        return self.prompt_tokens(self.messages("", "nl", [], list(context)))

    def leaves_room(self, context: Sequence[Passage]) -> bool:
        return self.context_tokens(context) + QUESTION_ROOM_TOKENS <= self.budget

    def fit_pages(self, pages: Sequence[Page]) -> list[Page]:
        """Pages cut by characters, each split between its passages until its prompt leaves
        room for a question by tokens: a dense page (tables, numbers, code, CJK) never
        makes every question too long."""
        fitted: list[Page] = []
        for page in pages:
            if len(page.passages) == 1 or self.leaves_room(page.passages):
                fitted.append(page)
            else:
                half = len(page.passages) // 2
                fitted.extend(self.fit_pages([Page(page.passages[:half]), Page(page.passages[half:])]))
        return fitted

    def prompt_tokens(self, messages: list[BaseMessage]) -> int:
        if getattr(self.llm, "counts_tokens", False):
            return self.llm.get_num_tokens_from_messages(messages)
        # Other models: an over-estimate (Dutch and English run at 3.5-4 characters a token).
        return sum(self.text_tokens(str(m.content)) + MESSAGE_MARKUP_TOKENS for m in messages)

    def text_tokens(self, text: str) -> int:
        if getattr(self.llm, "counts_tokens", False):
            return self.llm.get_num_tokens(text)
        return len(text) // 3

    def messages(
        self,
        question: str,
        language: str,
        history: list[Turn],
        context: list[Passage],
        preference: str = "",
    ) -> list[BaseMessage]:
        """System (the rules, the refusal in the question's language, the passages) +
        history + question."""
        passages = "\n\n".join(
            self.prompts.passage.format(n=n, doc=p.doc_id, text=p.text)
            for n, p in enumerate(context, start=1)
        )
        system = self.prompts.system.format(passages=passages, refusal=self.refusal(language))
        messages: list[BaseMessage] = [SystemMessage(system)]
        for turn in history:
            messages.append(HumanMessage(turn.content) if turn.role == "user" else AIMessage(turn.content))
        asked = self.prompts.question.format(question=question.strip(), answer_in=ANSWER_IN[language])
        if preference.strip():
            asked += "\n" + self.prompts.preference.format(preference=preference.strip())
        messages.append(HumanMessage(asked))
        return messages

    def refusal(self, language: str) -> str:
        """What the model is told to write where the passages do not answer."""
        return lexicon_for(self.lexicons, language).model_refusal if self.lexicons else REFUSALS[language]
