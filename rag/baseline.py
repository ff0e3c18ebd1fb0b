"""Naive RAG, the baseline every change is judged beside: the same retriever's top-k
passages, numbered, in a plain grounded prompt (`prompts/naive.txt`), and the bare model's
reply as it comes; no pointing, judging or checks. What a user would build in an afternoon
with LangChain; the product must beat it on the benchmark (`bench/benchmark.py`)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.prompts import PromptTemplate

from rag.chunking import Passage
from rag.retrieval import HybridRetriever

# The prompt's own refusal, in both of its languages, and its usual rewordings.
_REFUSED = re.compile(r"does not say|doesn't say|niet in de tekst|staat niet|not contain", re.IGNORECASE)
MAX_TOKENS = 80


@dataclass(frozen=True)
class NaiveAnswer:
    answer: str
    refused: bool
    passages: list[Passage]
    first_token_ms: float
    total_ms: float


def naive_prompt(prompts_dir: Path) -> PromptTemplate:
    return PromptTemplate.from_template((prompts_dir / "naive.txt").read_text(encoding="utf-8").strip())


def naive_answer(
    llm: BaseChatModel, retriever: HybridRetriever, prompt: PromptTemplate, question: str
) -> NaiveAnswer:
    started = time.perf_counter()
    passages = [s.passage for s in retriever.retrieve(question)]
    numbered = "\n\n".join(f"[{n}] ({p.doc_id}) {p.text}" for n, p in enumerate(passages, start=1))
    messages = [SystemMessage(prompt.format(passages=numbered)), HumanMessage(question.strip())]
    answer, first = "", 0.0
    for chunk in llm.stream(messages, max_tokens=MAX_TOKENS):
        first = first or time.perf_counter()
        answer += chunk.content if isinstance(chunk.content, str) else ""
    done = time.perf_counter()
    answer = answer.strip()
    return NaiveAnswer(
        answer,
        not answer or bool(_REFUSED.search(answer)),
        passages,
        round(((first or done) - started) * 1000, 1),
        round((done - started) * 1000, 1),
    )
