"""LangChain's ChatLlamaCpp, with what the pipeline needs of a local model beyond chat:

- tokenise what people and documents wrote as plain text: only the chat template's own
  markup may become control tokens (`<|im_start|>` typed in a question stays text);
- count a conversation's tokens exactly, so the pipeline fits it into the context.

Imported only when the local model is loaded.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from functools import cache
from typing import Any, ClassVar

from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from llama_cpp import Llama
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's notice
    from langchain_community.chat_models import ChatLlamaCpp


class LocalChatLlamaCpp(ChatLlamaCpp):
    counts_tokens: ClassVar[bool] = True

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
        for chunk in self.client.create_completion(self._reply_tokens(messages), stream=True, **params):
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


# Stands for a message's text while the template is rendered; never in real text.
_HOLE = "\x00"


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
