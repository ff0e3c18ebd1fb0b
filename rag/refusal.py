"""What a refusal shows beside "not in the article" (pure functions): where the text comes
closest, clearly not as an answer, and why it refused, in one line of the question's
language (`lexicon/<lang>.json`)."""

from __future__ import annotations

from rag.citations import Citation, citation
from rag.grounding import UNSUPPORTED_PREFIX
from rag.index import ScoredPassage
from rag.lexicon import Lexicon, lexicon_for
from rag.text import Sentence


def nearest_passage(evidence: Sentence | None, ranked: list[ScoredPassage]) -> list[Citation]:
    """The sentence the model rested on, in its passage, or else the passage retrieval
    ranked first."""
    if evidence is not None:
        score = next((s.score for s in ranked if s.passage == evidence.passage), 0.0)
        return [citation(1, ScoredPassage(evidence.passage, score), evidence)]
    if not ranked:
        return []
    best = ranked[0]
    return [citation(1, best, Sentence(best.passage, best.passage.start, best.passage.end))]


def why_refused(reason: str, language: str, has_nearest: bool, lexicons: dict[str, Lexicon]) -> str:
    """The refusal's `reason` (for the logs) said for a reader. An answer the hard check
    refused is not repeated: what it named is unfounded."""
    if not lexicons:
        return ""
    lexicon = lexicon_for(lexicons, language)
    if not has_nearest:
        return lexicon.refusal_nothing_near
    if reason.startswith(UNSUPPORTED_PREFIX):
        return lexicon.refusal_unsupported
    return lexicon.refusal_nearest
