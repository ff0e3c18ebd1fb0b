"""Saved model states of the prompts every question meets (a local model only): each page's
system message, the judge's, and, where the corpus is one page, the judge's prompt up to the
question for each sentence (`rag/prefix_states.py` stores them)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.messages import BaseMessage

if TYPE_CHECKING:
    from rag.pipeline import Pipeline

log = logging.getLogger(__name__)


def save_page_states(pipeline: Pipeline, on_page: Callable[[int, int], None] | None = None) -> list[Path]:
    """Read every page's prefix and save its state (a local model only), and, where the
    whole corpus is one page, the judge's state for each of its sentences; removes the
    states of pages that are gone; returns the files. `on_page(done, total)` reports."""
    llm = pipeline.llm
    if not hasattr(llm, "save_state") or llm.prefix_states is None:
        return []
    kept = []
    prompts = _kept_prompts(pipeline)
    # First make room: the states of pages that are gone.
    llm.prefix_states.prune([_state_file(llm, prompt) for prompt in prompts])
    for done, prompt in enumerate(prompts, start=1):
        try:
            with pipeline.gate.turn():  # one state at a time: questions may come in between
                saved = llm.save_state(prompt)
        except (RuntimeError, ValueError) as error:  # llama.cpp failed on this one: the rest go on
            log.warning("the state of prompt %d of %d not saved: %s", done, len(prompts), error)
            continue
        if saved is None:
            break  # no room left (RAG_PAGE_STATES_MAX_MB): later ones are read when asked
        kept.append(saved)
        if on_page:
            on_page(done, len(prompts))
    return kept


def _kept_prompts(pipeline: Pipeline) -> list[list[BaseMessage]]:
    """The prompts whose prefixes' states are saved: the judge's system message, each
    page's, and, for a corpus that is one page, the judge's prompt up to the question for
    each of its sentences: every question there meets these sentences (a larger corpus
    saves a sentence's state when it is first judged)."""
    return [[pipeline.page_system_message(page)] for page in pipeline.pages]


def _state_file(llm, prompt: list[BaseMessage]) -> Path:
    return llm.prefix_states.path_for(llm.kept_prefixes(prompt)[-1])
