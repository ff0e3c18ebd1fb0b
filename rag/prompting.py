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

from rag.answer_format import REFUSAL_WORD
from rag.chunking import Passage
from rag.errors import InputError
from rag.language import ANSWER_IN
from rag.pages import KEEP_STATE, Page
from rag.prompts import Prompts
from rag.settings import Settings
from rag.text import Sentence, numbered_text, sentences

# Room kept for the reply's labels ("Quote:", "Answer:") and the template's end markers,
# and for each message's chat markup when tokens are estimated.
REPLY_MARKUP_TOKENS = 16
# What a page's prompt must leave free for the question and its turns: a page that leaves
# less is split between its passages (a question of the longest allowed length, 1,000
# characters, is ~300 tokens; older turns are dropped to fit).
QUESTION_ROOM_TOKENS = 300
MESSAGE_MARKUP_TOKENS = 8
# Stands for the question while the judge's prompt is split at it; never in real text.
_ASKED = "\x00question\x00"


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


class PromptMaker:
    def __init__(self, settings: Settings, prompts: Prompts, llm: BaseChatModel):
        self.settings = settings
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
        bridge: Sentence | None = None,
    ) -> list[BaseMessage]:
        """The prompt in the model's context, by tokens: the oldest turns go first (the
        system message, whose state is cached, stays as it is)."""
        turns = history[-self.settings.max_history_messages :] if self.settings.max_history_messages else []
        while True:
            messages = self.messages(question, language, turns, context, preference, bridge)
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
        bridge: Sentence | None = None,
    ) -> list[BaseMessage]:
        """System (passages, rules) + history + question; the system message is the same for
        every question over the same context, so its computed state is reused. A `bridge`
        (a second hop) goes before the question, after that cached prefix."""
        numbered = sentences(context)
        passages = "\n\n".join(
            self.prompts.passage.format(n=n, doc=p.doc_id, text=numbered_text(p, numbered))
            for n, p in enumerate(context, start=1)
        )
        system = self.prompts.system.format(passages=passages, refusal=REFUSAL_WORD)
        # A page's system message comes back question after question: its state is kept.
        keep = {KEEP_STATE: True} if tuple(context) in self.page_contexts else {}
        messages: list[BaseMessage] = [SystemMessage(system, additional_kwargs=keep)]
        for turn in history:
            messages.append(HumanMessage(turn.content) if turn.role == "user" else AIMessage(turn.content))
        fields = {"question": question.strip(), "answer_in": ANSWER_IN[language], "refusal": REFUSAL_WORD}
        asked = self.prompts.question.format(**fields)
        if bridge is not None:
            asked = f"{self.prompts.bridge.format(bridge=bridge.text)}\n{asked}"
        if preference.strip():
            # After the question, so the cached system prefix stays the same.
            asked += "\n" + self.prompts.preference.format(preference=preference.strip())
        messages.append(HumanMessage(asked))
        return messages

    def judge_system(self) -> BaseMessage:
        # The same for every question: its state is kept like a page's.
        return SystemMessage(self.prompts.judge_system.format(), additional_kwargs={KEEP_STATE: True})

    def judge_conversation(self, sentence: str, question: str, keep: bool = True) -> list[BaseMessage]:
        """The judge's system message and "Sentence: ... Question: ...". Everything before the
        question is the same whoever asks about the sentence: its state is kept too."""
        template = self.prompts.judge_answers
        asked = template.format(sentence=sentence, question=question.strip())
        head = template.format(sentence=sentence, question=_ASKED).split(_ASKED)[0]
        kept = {KEEP_STATE: head} if keep else {}
        return [self.judge_system(), HumanMessage(asked, additional_kwargs=kept)]
