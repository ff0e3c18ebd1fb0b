"""The prompt a question is read with (templates in prompts/), fitted to the model's
context by tokens: the system message (the rules, the refusal, the passages), the
conversation, the question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from rag.chunking import Passage
from rag.errors import InputError
from rag.lexicon import Lexicon, vocabulary
from rag.prompts import Prompts
from rag.settings import Settings

# Room kept for the template's end markers, and for each message's chat markup when tokens
# are estimated.
REPLY_MARKUP_TOKENS = 16
MESSAGE_MARKUP_TOKENS = 8
# No tokenizer packs more characters than this into a token on average over real text:
# passages longer than the budget times this cannot all fit, and are not counted.
MOST_CHARS_PER_TOKEN = 6


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
        # Declared by the model's class (the in-process llama.cpp model counts its own tokens);
        # other backends are fitted on an over-estimate, and start-up says so (`estimate_notice`).
        self.counts_tokens: bool = getattr(type(llm), "counts_tokens", False) is True
        # The prompt may fill the context but for the reply.
        self.budget = settings.llm_context_tokens - settings.llm_max_tokens - REPLY_MARKUP_TOKENS

    def fitted(
        self,
        question: str,
        history: list[Turn],
        context: list[Passage],
        preference: str = "",
    ) -> tuple[list[BaseMessage], list[Passage]]:
        """The prompt in the model's context, by tokens, and the passages it holds: the
        oldest turns go first, then the lowest-ranked passages (a dense text, a table or CJK,
        runs at a token a character), down to the best one. Only a question too long beside
        that one passage is refused."""
        turns = self._recent(history)
        while True:
            messages = self.messages(question, turns, context, preference)
            needed = self.prompt_tokens(messages)
            if needed <= self.budget:
                return messages, context
            if turns:
                turns = _without_oldest_turn(turns)
            elif len(context) > 1:
                context = context[:-1]
            else:
                raise InputError(
                    f"The question is too long for the model: with the documents it needs {needed} "
                    f"tokens, and {self.budget} fit. Ask it in fewer words."
                )

    def holding_all(
        self,
        question: str,
        history: list[Turn],
        passages: list[Passage],
        preference: str = "",
    ) -> list[BaseMessage] | None:
        """The prompt holding every one of these passages, the oldest turns dropped as they
        must; None where the passages alone do not fit."""
        turns = self._recent(history)
        while True:
            messages = self.messages(question, turns, passages, preference)
            if self.prompt_tokens(messages) <= self.budget:
                return messages
            if not turns:
                return None
            turns = _without_oldest_turn(turns)

    def _recent(self, history: list[Turn]) -> list[Turn]:
        """The turns a prompt may hold at most (`RAG_MAX_HISTORY_MESSAGES`), the newest."""
        return history[-self.settings.max_history_messages :] if self.settings.max_history_messages else []

    @property
    def estimate_notice(self) -> str | None:
        """What start-up and /healthz say where this model does not count its tokens."""
        if self.counts_tokens:
            return None
        return (
            "prompt fitting: by an estimate of 3 characters a token (this backend does not count "
            "its tokens); lower RAG_LLM_CONTEXT_TOKENS if the server says a prompt is too long"
        )

    def prompt_tokens(self, messages: list[BaseMessage]) -> int:
        if self.counts_tokens:
            return self.llm.get_num_tokens_from_messages(messages)
        # Other models: an over-estimate (Dutch and English run at 3.5-4 characters a token).
        return sum(self.text_tokens(str(m.content)) + MESSAGE_MARKUP_TOKENS for m in messages)

    def text_tokens(self, text: str) -> int:
        if self.counts_tokens:
            return self.llm.get_num_tokens(text)
        return len(text) // 3

    def messages(
        self,
        question: str,
        history: list[Turn],
        context: list[Passage],
        preference: str = "",
    ) -> list[BaseMessage]:
        """System (the rules, the refusal, the passages) + history + question: naive RAG's
        prompt (`prompts/naive.txt`), word for word where the lexicons are English and Dutch,
        so the product's answer is the one naive RAG's model writes, before it is checked."""
        passages = "\n\n".join(
            self.prompts.passage.format(n=n, doc=p.doc_id, text=p.text)
            for n, p in enumerate(context, start=1)
        )
        system = self.prompts.system.format(passages=passages, refusal=self.refusal())
        messages: list[BaseMessage] = [SystemMessage(system)]
        for turn in history:
            messages.append(HumanMessage(turn.content) if turn.role == "user" else AIMessage(turn.content))
        asked = self.prompts.question.format(question=question.strip())
        if preference.strip():
            asked += "\n" + self.prompts.preference.format(preference=preference.strip())
        messages.append(HumanMessage(asked))
        return messages

    def refusal(self) -> str:
        """What the model is told to write where the passages do not answer: the English
        words (the prompt's language), then each other language's in brackets: "The text does
        not say. (In Dutch: Dat staat niet in de tekst.)". The same for every question, so a
        question in any language reads the same prompt over the same passages."""
        lexicons = self.lexicons or vocabulary().lexicons
        said = [lexicons["en"].model_refusal]  # prompts/ are written in English
        others = [lexicon for code, lexicon in lexicons.items() if code != "en"]
        said += [f"(In {other.name_in_english}: {other.model_refusal})" for other in others]
        return " ".join(said)


def _without_oldest_turn(turns: list[Turn]) -> list[Turn]:
    turns = turns[1:]
    while turns and turns[0].role == "assistant":  # a conversation starts with a question
        turns = turns[1:]
    return turns
