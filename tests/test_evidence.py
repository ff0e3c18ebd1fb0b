"""The evidence step over the real embedder and Chroma: the sentence holding the answer, its
citations and the learned decision's signals; for a refusal, the sentence nearest the question."""

from rag.evidence import find_evidence
from tests.conftest import fake_pipeline

QUESTION = "Hoeveel stroom verbruikt Project Rainier?"


def test_the_sentence_holding_the_answer_is_its_evidence_and_is_cited(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["unused"])
    context = [s.passage for s in pipeline.retriever.retrieve(QUESTION)]
    found = find_evidence(pipeline.retriever.index, "2,2 gigawatt.", QUESTION, QUESTION, "nl", context)
    assert found.evidence is not None and "2,2 gigawatt" in found.evidence.text
    assert found.citations and found.citations[0].sentence == found.evidence.text
    assert found.signals["support"] == 1.0 and found.signals["other_language"] == 0.0
    assert 0 < found.signals["similarity"] <= found.signals["top_similarity"] <= 1


def test_a_refusal_keeps_the_sentence_nearest_the_question_and_cites_nothing(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["unused"])
    context = [s.passage for s in pipeline.retriever.retrieve(QUESTION)]
    found = find_evidence(
        pipeline.retriever.index, "Dat staat niet in de tekst.", QUESTION, QUESTION, "nl", context
    )
    assert found.evidence is not None and found.evidence.passage in context
    assert found.citations == [] and found.signals == {}
    # An answer none of whose words the text holds rests on the nearest sentence, unsupported.
    nowhere = find_evidence(
        pipeline.retriever.index, "Zeventien olifanten.", QUESTION, QUESTION, "nl", context
    )
    assert nowhere.signals["support"] == 0.0
