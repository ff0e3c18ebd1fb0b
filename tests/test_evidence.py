"""The evidence step over the real embedder and Chroma: the sentence holding the answer, its
citations and the learned decision's signals; for a refusal, the sentence nearest the question."""

from rag.evidence import find_evidence, reading
from tests.conftest import fake_pipeline

QUESTION = "Hoeveel stroom verbruikt Project Rainier?"


def test_the_sentence_holding_the_answer_is_its_evidence_and_is_cited(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["unused"])
    index = pipeline.retriever.index
    read = reading(index, QUESTION, [s.passage for s in pipeline.retriever.retrieve(QUESTION)])
    found = find_evidence(index, "2,2 gigawatt.", QUESTION, "nl", read)
    assert found.evidence is not None and "2,2 gigawatt" in found.evidence.text
    assert found.citations and found.citations[0].sentence == found.evidence.text
    assert found.signals["support"] == 1.0 and found.signals["other_language"] == 0.0
    assert 0 < found.signals["similarity"] <= found.signals["top_similarity"] <= 1


def test_a_refusal_keeps_the_sentence_nearest_the_question_and_cites_nothing(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["unused"])
    index = pipeline.retriever.index
    context = [s.passage for s in pipeline.retriever.retrieve(QUESTION)]
    read = reading(index, QUESTION, context)
    found = find_evidence(index, "Dat staat niet in de tekst.", QUESTION, "nl", read)
    assert found.evidence is not None and found.evidence.passage in context
    assert found.evidence == read.nearest  # the sentence most like the question
    assert found.citations == [] and found.signals == {}
    # An answer none of whose words the text holds rests on the nearest sentence, unsupported.
    nowhere = find_evidence(index, "Zeventien olifanten.", QUESTION, "nl", read)
    assert nowhere.signals["support"] == 0.0


def test_the_nearest_sentence_read_is_the_one_most_like_the_question(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["unused"])
    context = [s.passage for s in pipeline.retriever.retrieve(QUESTION)]
    read = reading(pipeline.retriever.index, QUESTION, context)
    assert len(read.similarity) == len(read.sentences) > 1
    assert read.nearest is not None and "2,2 gigawatt" in read.nearest.text  # the power it uses
    assert read.similarity[read.sentences.index(read.nearest)] == max(read.similarity)
    # Nothing read, nothing nearest.
    assert reading(pipeline.retriever.index, QUESTION, []).nearest is None
