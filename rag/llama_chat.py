"""LangChain's ChatLlamaCpp, able to continue a reply it started.

When the last message is the assistant's, the model goes on writing that message instead
of starting a new one. The pipeline uses this to hand the model the rest of a sentence it
is quoting: reading tokens costs a CPU several times less than writing them. Imported only
when the local model is loaded.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, ClassVar

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from llama_cpp import Llama
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's notice
    from langchain_community.chat_models import ChatLlamaCpp


class ContinuingChatLlamaCpp(ChatLlamaCpp):
    continues_replies: ClassVar[bool] = True

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
        llama = self.client
        # The conversation up to the reply, as create_chat_completion renders it, then the
        # reply so far: the cached state of the first try is reused up to where it stopped.
        prompt = chat_prompt(llama, self._create_message_dicts(messages[:-1]))
        prompt += str(messages[-1].content)
        params = {**self._get_parameters(stop), **kwargs}
        params["stop"] = [*params["stop"], _eos(llama)]
        tokens = llama.tokenize(prompt.encode(), add_bos=True, special=True)  # as the chat handler does
        for chunk in llama.create_completion(tokens, stream=True, **params):
            text = chunk["choices"][0]["text"]
            if text:
                yield ChatGenerationChunk(message=AIMessageChunk(content=text))


def chat_prompt(llama: Llama, messages: list[dict]) -> str:
    """The messages as the model's own chat template renders them, ready for its answer."""
    template = llama.metadata["tokenizer.chat_template"]
    return Jinja2ChatFormatter(template, eos_token=_eos(llama), bos_token="")(messages=messages).prompt


def _eos(llama: Llama) -> str:
    return llama.detokenize([llama.token_eos()], special=True).decode()
