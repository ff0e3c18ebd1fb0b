"""What a refusal says beside "not in the article": why, in the question's language, and
where the text comes closest (its passage and sentence at their offsets)."""

from rag.chunking import Passage
from rag.grounding import UNSUPPORTED_PREFIX
from rag.index import ScoredPassage
from rag.lexicon import load_lexicons
from rag.refusal import nearest_passage, why_refused
from rag.settings import PROJECT_ROOT
from rag.text import Sentence

LEXICONS = load_lexicons(PROJECT_ROOT / "lexicon", ("nl", "en"))
PASSAGE = Passage("a.txt", 100, 160, "Project Rainier ligt in Indiana. Het verbruikt 2,2 gigawatt.")


def test_why_it_refused_in_the_questions_language_without_the_unfounded_facts() -> None:
    assert why_refused("learned: P(right) 0.21 < 0.5", "en", True, LEXICONS) == LEXICONS["en"].refusal_nearest
    unfounded = why_refused(f"{UNSUPPORTED_PREFIX}dario amodei", "nl", True, LEXICONS)
    assert unfounded == LEXICONS["nl"].refusal_unsupported and "amodei" not in unfounded.lower()
    assert why_refused("the model refused", "nl", False, LEXICONS) == LEXICONS["nl"].refusal_nothing_near
    assert why_refused("the model refused", "nl", True, {}) == ""


def test_the_nearest_is_the_evidence_sentence_else_the_best_passage() -> None:
    ranked = [ScoredPassage(PASSAGE, 0.91)]
    (near,) = nearest_passage(Sentence(PASSAGE, 133, 160), ranked)
    assert (near.sentence, near.sentence_start, near.score) == ("Het verbruikt 2,2 gigawatt.", 133, 0.91)
    (best,) = nearest_passage(None, ranked)
    assert (best.sentence_start, best.sentence_end, best.sentence) == (100, 160, PASSAGE.text)
    assert nearest_passage(None, []) == []
