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

from rag.answer_format import is_refusal
from rag.chunking import Passage
from rag.retrieval import HybridRetriever

# The prompt's own refusal and its usual rewordings (beside each served language's, `is_refusal`).
_REFUSED = re.compile(r"does not say|doesn't say|niet in de tekst|staat niet|not contain", re.IGNORECASE)
MAX_TOKENS = 80


@dataclass(frozen=True)
class NaiveAnswer:
    answer: str
    refused: bool
    passages: list[Passage]
    first_token_ms: float
    total_ms: float


def naive_prompt(prompts_dir: Path, refusal: str) -> PromptTemplate:
    """`refusal`: the sentence to reply where the passages do not answer, in each language
    served (`PromptMaker.refusal`), as the product's prompt gives it."""
    template = PromptTemplate.from_template((prompts_dir / "naive.txt").read_text(encoding="utf-8").strip())
    return template.partial(refusal=refusal)


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
        not answer or bool(_REFUSED.search(answer)) or is_refusal(answer),
        passages,
        round(((first or done) - started) * 1000, 1),
        round((done - started) * 1000, 1),
    )
