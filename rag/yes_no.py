"""Yes/no questions: which questions ask one, and the model's lean between yes and no.

A small model asked "Is X the same as Y?" often writes a sentence that neither says yes nor
no, or says yes out of habit. So, for a question that opens as a yes/no question does in its
language (`yes_no_openers` in `lexicon/<lang>.json`), the model is asked once more over the
same prompt to answer yes or no (`prompts/yes_no.txt`), and its next-token probabilities give
the log-odds of yes over no. The cut on those odds is learned per model on the benchmark's
tune half (`rag/decision.py`), since each model leans its own way; the grounding rules
(`rag/grounding.py`) then say the word. Reading the odds costs one short extra prompt
evaluation (the rest is the model's cached state).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from langchain_core.messages import BaseMessage, HumanMessage

from rag.lexicon import Lexicon

_FIRST_WORD = re.compile(r"[\w']+", re.UNICODE)


@runtime_checkable
class ReadsTokenProbabilities(Protocol):
    """A chat model that gives its next-token log-probabilities after a conversation (the
    in-process llama.cpp model declares it; a model without it answers with the yes/no rule
    off, and start-up says so)."""

    def first_word_logprobs(self, messages: list[BaseMessage], words: Sequence[str]) -> dict[str, float]: ...


def asks_yes_or_no(question: str, lexicon: Lexicon) -> bool:
    """The question opens as a yes/no question does in its language (`lexicon`'s): German
    "Was ...?" asks what, English "Was ...?" asks yes or no."""
    first = _FIRST_WORD.search(question.strip().lower())
    return bool(first) and first.group() in lexicon.yes_no_openers


def _words(lexicons: Mapping[str, Lexicon], said: str) -> list[str]:
    words = {getattr(lexicon, said) for lexicon in lexicons.values()}
    return sorted(words | {w.lower() for w in words} | {w.upper() for w in words})


def yes_odds(
    llm: ReadsTokenProbabilities,
    messages: list[BaseMessage],
    instruction: str,
    lexicons: Mapping[str, Lexicon],
) -> float | None:
    """log P(yes) − log P(no) for the reply's first word, the question followed by
    `instruction` ("Answer yes or no."); every served language's yes and no count. None where
    the model has no one-token yes or no."""
    asked = [*messages[:-1], HumanMessage(f"{messages[-1].content}\n{instruction}")]
    yes, no = _words(lexicons, "yes"), _words(lexicons, "no")
    logprobs = llm.first_word_logprobs(asked, [*yes, *no])
    said_yes = [logprobs[w] for w in yes if w in logprobs]
    said_no = [logprobs[w] for w in no if w in logprobs]
    if not said_yes or not said_no:
        return None
    return round(_logsumexp(said_yes) - _logsumexp(said_no), 4)


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))
