"""LangChain's ChatLlamaCpp, with what the pipeline needs of a local model beyond chat:

- continue a reply it started (the last message is the assistant's): the pipeline hands the
  model its own evidence sentence and lets it go on from there; reading tokens costs a CPU
  several times less than writing them;
- report its next-word probabilities (a logits processor on a one-token completion, whose
  prompt the following answer reuses from the cache; no `logits_all`).

Imported only when the local model is loaded.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from llama_cpp import Llama, LogitsProcessorList
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's notice
    from langchain_community.chat_models import ChatLlamaCpp


class ContinuingChatLlamaCpp(ChatLlamaCpp):
    # The pipeline reads the model's probabilities and hands it its evidence sentence.
    reads_signals: ClassVar[bool] = True

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if not messages or not isinstance(messages[-1], AIMessage):
            yield from super()._stream(messages, stop, run_manager, **kwargs)
            return
        params = {**self._get_parameters(stop), **kwargs}
        params["stop"] = [*params["stop"], _eos(self.client)]
        written = False
        for chunk in self.client.create_completion(self._reply_tokens(messages), stream=True, **params):
            text = chunk["choices"][0]["text"]
            if text:
                written = True
                yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        if not written:  # the reply was already complete; LangChain wants at least one chunk
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))

    def _reply_tokens(self, messages: list[BaseMessage]) -> list[int]:
        """The conversation up to the reply, as create_chat_completion renders it, then the
        reply so far: the cached state of earlier calls is reused up to where they differ."""
        llama = self.client
        prompt = chat_prompt(llama, self._create_message_dicts(messages[:-1])) + str(messages[-1].content)
        return llama.tokenize(prompt.encode(), add_bos=True, special=True)

    def next_word_probabilities(
        self, messages: list[BaseMessage], reply: str, words: dict[str, list[str]]
    ) -> dict[str, float]:
        """For each group of words, the probability that the model's next token (after
        `reply`) starts one of them, with or without a leading space."""
        llama = self.client
        seen: list[np.ndarray] = []

        def capture(input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
            seen.append(np.array(scores, dtype=np.float64))
            return scores

        llama.create_completion(
            self._reply_tokens([*messages, AIMessage(reply)]),
            max_tokens=1,
            temperature=0,
            logits_processor=LogitsProcessorList([capture]),
        )
        logits = seen[0]
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        return {
            name: float(sum(probabilities[t] for t in _first_tokens(llama, variants)))
            for name, variants in words.items()
        }


def _first_tokens(llama: Llama, variants: list[str]) -> set[int]:
    tokens = set()
    for variant in variants:
        for text in (variant, " " + variant):
            ids = llama.tokenize(text.encode(), add_bos=False, special=False)
            if ids:
                tokens.add(ids[0])
    return tokens


def chat_prompt(llama: Llama, messages: list[dict]) -> str:
    """The messages as the model's own chat template renders them, ready for its answer."""
    template = llama.metadata["tokenizer.chat_template"]
    return Jinja2ChatFormatter(template, eos_token=_eos(llama), bos_token="")(messages=messages).prompt


def _eos(llama: Llama) -> str:
    return llama.detokenize([llama.token_eos()], special=True).decode()
