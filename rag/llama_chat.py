"""LangChain's ChatLlamaCpp, with what the pipeline needs of a local model beyond chat:

- continue a reply it started (the last message is the assistant's): the pipeline hands the
  model its own evidence sentence and lets it go on from there; reading tokens costs a CPU
  several times less than writing them;
- report its next-word probabilities (a logits processor on a one-token completion, whose
  prompt the following answer reuses from the cache; no `logits_all`);
- tokenise what people and documents wrote as plain text: only the chat template's own
  markup may become control tokens (`<|im_start|>` typed in a question stays text);
- count a conversation's tokens exactly, so the pipeline fits it into the context;
- start from a saved state of the system message when the pipeline marks it as a page
  (`rag/prefix_states.py`): a question then pays only for its own tokens;
- set its conversation aside for a side question (a sentence judged on its own) and go on
  with it afterwards without reading it again.

Imported only when the local model is loaded.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from llama_cpp import Llama, LogitsProcessorList
from llama_cpp.llama_chat_format import Jinja2ChatFormatter
from pydantic import PrivateAttr

from rag.pages import KEEP_STATE
from rag.prefix_states import put_back, shared_length, snapshot

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's notice
    from langchain_community.chat_models import ChatLlamaCpp


class ContinuingChatLlamaCpp(ChatLlamaCpp):
    # The pipeline reads the model's probabilities and hands it its evidence sentence.
    reads_signals: ClassVar[bool] = True
    counts_tokens: ClassVar[bool] = True
    # Saved states of page prefixes (None: llama.cpp's in-memory prefix cache only).
    prefix_states: Any = None
    # Page prefixes by system text, for this model's tokenizer (three calls a question).
    _prefixes: dict[str, list[int]] = PrivateAttr(default_factory=dict)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        params = {**self._get_parameters(stop), **kwargs}
        params["stop"] = [*params["stop"], _eos(self.client)]
        finish_reason = None
        for chunk in self.client.create_completion(self._prepared(messages), stream=True, **params):
            text, finish_reason = chunk["choices"][0]["text"], chunk["choices"][0].get("finish_reason")
            if text:
                yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        # The last chunk says why it stopped ("length": at max_tokens), as LangChain's
        # OpenAI model does; it is also the one chunk LangChain wants where nothing was written.
        info = {"finish_reason": finish_reason} if finish_reason else None
        yield ChatGenerationChunk(message=AIMessageChunk(content=""), generation_info=info)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Through _stream, so that every prompt is tokenised the same safe way.
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    def get_num_tokens(self, text: str) -> int:
        return len(self.client.tokenize(text.encode(), add_bos=False, special=False))

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Any = None) -> int:
        """The prompt's length in the model's own tokens (LangChain's default would fetch a
        GPT-2 tokenizer from a hub)."""
        return len(self._reply_tokens(messages))

    def _prepared(self, messages: list[BaseMessage]) -> list[int]:
        """The reply's tokens, with the model's cache holding the saved states of the
        prompt's kept prefixes first (restored from disk, or read and saved)."""
        tokens = self._reply_tokens(messages)
        if self.prefix_states is not None:
            for prefix in self.kept_prefixes(messages):
                if tokens[: len(prefix)] == prefix:
                    self.prefix_states.restore(self.client, prefix)
        return tokens

    def kept_prefixes(self, messages: list[BaseMessage]) -> list[list[int]]:
        """The prompt's prefixes whose states are kept, shortest first: a marked system
        message's (a page's, up to where the first question starts) and, where the first
        question marks a head (`KEEP_STATE: "<its opening text>"`), the prompt up to the
        end of that head: a judged sentence, before the question asked about it."""
        if not keeps_state(messages):
            return []
        kept = [self.page_prefix(messages[0])]
        head = messages[1].additional_kwargs.get(KEEP_STATE) if len(messages) > 1 else None
        if isinstance(head, str) and head:
            kept.append(self._head_prefix(messages[0], head))
        return kept

    def page_prefix(self, system: BaseMessage) -> list[int]:
        """The prompt's tokens up to where the first question starts: the part that is the
        same for every question over one page."""
        text = str(system.content)
        if text not in self._prefixes:
            with_question, alone = (
                self._reply_tokens([system, HumanMessage("?")]),
                self._reply_tokens([system]),
            )
            self._remember(text, with_question[: shared_length(with_question, alone)])
        return self._prefixes[text]

    def _head_prefix(self, system: BaseMessage, head: str) -> list[int]:
        """The prompt's tokens up to the end of the first question's `head`, whatever
        follows it (two different endings share exactly these)."""
        key = f"{system.content}{_HOLE}{head}"
        if key not in self._prefixes:
            asked, exclaimed = (self._reply_tokens([system, HumanMessage(head + end)]) for end in ("?", "!"))
            self._remember(key, asked[: shared_length(asked, exclaimed)])
        return self._prefixes[key]

    def _remember(self, key: str, prefix: list[int]) -> None:
        if len(self._prefixes) >= PREFIXES_KEPT:
            self._prefixes.pop(next(iter(self._prefixes)))
        self._prefixes[key] = prefix

    def save_state(self, messages: list[BaseMessage]) -> Path | None:
        """Read the longest kept prefix of this prompt and save its state, unless saved
        already; returns the file (None: not saved, see `PrefixStates.build`)."""
        *shorter, prefix = self.kept_prefixes(messages)
        path = self.prefix_states.path_for(prefix)
        if path.exists():
            return path
        for part in shorter:  # read from the shorter saved state on
            self.prefix_states.restore(self.client, part)
        return self.prefix_states.build(self.client, prefix)

    def _reply_tokens(self, messages: list[BaseMessage]) -> list[int]:
        """The conversation as the model's chat template renders it, ready for the reply; when
        the last message is the assistant's, its reply so far follows. Earlier calls' cached
        state is reused up to where the tokens differ.

        Each message's text is tokenised with special tokens off and only the template's
        markup with them on, so no text from a user or a document acts as a control token."""
        llama = self.client
        ends_in_reply = bool(messages) and isinstance(messages[-1], AIMessage)
        reply = str(messages[-1].content) if ends_in_reply else ""
        conversation = self._create_message_dicts(messages[:-1] if ends_in_reply else messages)
        texts = [str(m["content"]) for m in conversation]
        placeholders = [{**m, "content": f"{_HOLE}{n}{_HOLE}"} for n, m in enumerate(conversation)]
        template = re.split(f"{_HOLE}(\\d+){_HOLE}", chat_prompt(llama, placeholders))
        tokens = llama.tokenize(b"", add_bos=True, special=True)
        for n, piece in enumerate(template):
            text, special = (texts[int(piece)], False) if n % 2 else (piece, True)
            if text:
                tokens += llama.tokenize(text.encode(), add_bos=False, special=special)
        if reply:
            tokens += llama.tokenize(reply.encode(), add_bos=False, special=False)
        return tokens

    def next_word_probabilities(
        self, messages: list[BaseMessage], reply: str, words: dict[str, list[str]]
    ) -> dict[str, float]:
        """For each group of words, the probability that the model's next token (after
        `reply`) starts one of them, with or without a leading space."""
        llama = self.client
        logits = self._next_logits(self._prepared([*messages, AIMessage(reply)]))
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        return {
            name: float(sum(probabilities[t] for t in _first_tokens(llama, variants)))
            for name, variants in words.items()
        }

    @contextmanager
    def set_aside(self) -> Iterator[None]:
        """Calls made inside use the model's cache for other prompts; afterwards it holds
        what it held before (its state copied to memory and back: ~20 MB, milliseconds), so
        the conversation goes on without reading its prompt again."""
        tokens, state = snapshot(self.client)
        try:
            yield
        finally:
            put_back(self.client, tokens, state)

    def likeliest_continuations(
        self,
        messages: list[BaseMessage],
        reply: str,
        continuations: list[str],
        weights: list[float] | None = None,
        count: int = 1,
    ) -> list[Choice]:
        """Which continuations (say labels "12]") the model would most likely go on with
        after `reply`, each one's probability times its weight (0-1, a prior from
        elsewhere): the best `count`, best first."""
        llama = self.client
        start = self._prepared([*messages, AIMessage(reply)])
        paths = [tuple(llama.tokenize(c.encode(), add_bos=False, special=False)) for c in continuations]

        def next_token(done: tuple[int, ...]) -> np.ndarray:
            logits = self._next_logits([*start, *done])
            step = np.exp(logits - logits.max())
            return step / step.sum()

        return likeliest_paths(paths, next_token, weights, count)

    def _next_logits(self, tokens: list[int]) -> np.ndarray:
        """The model's scores for the token after `tokens` (one decode step; the prefix
        comes from the cache)."""
        seen: list[np.ndarray] = []

        def capture(input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
            seen.append(np.array(scores, dtype=np.float64))
            return scores

        self.client.create_completion(
            tokens, max_tokens=1, temperature=0, logits_processor=LogitsProcessorList([capture])
        )
        return seen[0]


class Choice(NamedTuple):
    """One of the continuations: its index, the model's probability for it, and that times
    its weight (what ranks it)."""

    index: int
    probability: float
    score: float


def likeliest_paths(
    paths: list[tuple[int, ...]],
    next_token: Callable[[tuple[int, ...]], np.ndarray],
    weights: list[float] | None = None,
    count: int = 1,
) -> list[Choice]:
    """The `count` paths (of token ids) with the highest probability times weight, best
    first, where `next_token(done)` gives the probabilities of the token after `done`. Best
    first: a branch is followed only while its probability so far, times the highest weight
    it can reach, may still beat the `count`-th best whole path found, so a sharp choice
    costs two or three one-token steps."""
    weights = weights or [1.0] * len(paths)

    def reach(done: tuple[int, ...]) -> float:
        return max(w for w, path in zip(weights, paths, strict=True) if path[: len(done)] == done)

    found: list[Choice] = []

    def beaten() -> float:  # what a path must score to be among the best found
        return found[count - 1].score if len(found) >= count else 0.0

    branches = [(1.0, 1.0, ())]  # (score it may reach, probability so far, tokens so far)
    while branches:
        bound, probability, done = branches.pop(0)
        if bound <= beaten():
            break
        step = next_token(done)
        for n, path in enumerate(paths):
            if path[: len(done)] != done or len(path) <= len(done):
                continue
            longer = float(probability * step[path[len(done)]])  # the path one token further
            if len(path) == len(done) + 1:
                if longer * weights[n] > beaten():
                    found = sorted([*found, Choice(n, longer, longer * weights[n])], key=lambda c: -c.score)
            elif all(branch[2] != path[: len(done) + 1] for branch in branches):
                branches.append((longer * reach(path[: len(done) + 1]), longer, path[: len(done) + 1]))
        branches.sort(key=lambda branch: -branch[0])
    return found[:count]


def _first_tokens(llama: Llama, variants: list[str]) -> set[int]:
    tokens = set()
    for variant in variants:
        for text in (variant, " " + variant):
            ids = llama.tokenize(text.encode(), add_bos=False, special=False)
            if ids:
                tokens.add(ids[0])
    return tokens


# Stands for a message's text while the template is rendered; never in real text.
_HOLE = "\x00"

# How many page prefixes a model keeps (tokenising a page twice takes a few milliseconds).
PREFIXES_KEPT = 64


def keeps_state(messages: list[BaseMessage]) -> bool:
    return bool(messages) and bool(messages[0].additional_kwargs.get(KEEP_STATE))


def chat_prompt(llama: Llama, messages: list[dict]) -> str:
    """The messages as the model's own chat template renders them, ready for its answer."""
    template = llama.metadata["tokenizer.chat_template"]
    return _formatter(template, _eos(llama))(messages=messages).prompt


@cache
def _formatter(template: str, eos_token: str) -> Jinja2ChatFormatter:
    # Compiling the template takes ~7 ms, and a question renders a conversation ~8 times.
    return Jinja2ChatFormatter(template, eos_token=eos_token, bos_token="")


def _eos(llama: Llama) -> str:
    return llama.detokenize([llama.token_eos()], special=True).decode()
