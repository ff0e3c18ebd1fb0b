"""LangChain's ChatOpenAI, for any OpenAI-compatible server, with the one thing the pipeline
asks of a model beyond chat: its next-token log-probabilities (`top_logprobs`), for a yes/no
question's lean (`rag/yes_no.py`). Whether the server gives them is declared by a setting
(`RAG_LLM_LOGPROBS`: llama.cpp's server and vLLM do), never probed.

Imported only when the openai backend is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage
from langchain_openai import ChatOpenAI

from rag.errors import ModelError

TOP_LOGPROBS = 20  # the most the OpenAI API allows


class ServerChatOpenAI(ChatOpenAI):
    reads_token_probabilities: bool = False  # the server gives `top_logprobs` (RAG_LLM_LOGPROBS)

    def first_word_logprobs(self, messages: list[BaseMessage], words: Sequence[str]) -> dict[str, float]:
        """The log-probability that the reply starts with each word, for the words among the
        server's top candidates for its first token (a word of several tokens is never one)."""
        reply = self.invoke(messages, max_tokens=1, logprobs=True, top_logprobs=TOP_LOGPROBS)
        try:
            candidates = reply.response_metadata["logprobs"]["content"][0]["top_logprobs"]
        except (KeyError, IndexError, TypeError) as error:
            raise ModelError(
                "The LLM server gave no token probabilities (RAG_LLM_LOGPROBS is set): "
                "unset it for a server that cannot."
            ) from error
        found: dict[str, float] = {}
        for candidate in candidates:
            if candidate["token"] in words:
                found.setdefault(candidate["token"], float(candidate["logprob"]))
        return found
