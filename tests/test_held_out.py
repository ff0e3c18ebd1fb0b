"""The real model on questions of each kind, over the seed article and over the held-out
corpus (tests/data/corpus/, written for the repo): scored the way `python app.py eval`
scores them. Questions from the tune halves; figures are quoted from the report halves."""

import json
import re
import shutil

import pytest

from rag.build import build_pipeline
from rag.evaluation import evaluate
from rag.settings import PROJECT_ROOT
from tests.conftest import copy_settings

DATA = PROJECT_ROOT / "tests" / "data"
# Question id -> what kind of question it is (the `class` field of the questions file). One
# or two of each kind, from the tune halves; the figures come from the public benchmark.
ARTICLE_CASES = {
    "d03": "a fact",
    "x02": "an English question over the Dutch article",
    "d11": "a follow-up",
    "x29": "yes/no, English over the Dutch article, answered yes",
    "x11": "another word than the text's: a newspaper, where the text names the paper",
    "x14": "unanswerable: a CEO the article does not name",
}
CORPUS_CASES = {
    "c01": "a fact",
    "c53": "unanswerable: the topic is not there",
    "c67": "an English question over a Dutch document",
}


def questions(path, ids) -> list[dict]:
    by_id = {q["id"]: q for q in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if q}
    return [by_id[i] for i in ids]


def pipeline_over(folder: str, settings, embeddings, tmp_path_factory):
    """A real pipeline over a copy of tests/data/<folder>/, with an index of its own."""
    seeds = tmp_path_factory.mktemp(folder) / "seeds"
    shutil.copytree(DATA / folder, seeds)
    local = copy_settings(settings, seeds_dir=seeds, index_dir=seeds.parent / "index")
    return build_pipeline(local, embeddings=embeddings)


@pytest.fixture(scope="module")
def corpus_pipeline(settings, embeddings, tmp_path_factory):
    return pipeline_over("corpus", settings, embeddings, tmp_path_factory)


@pytest.mark.parametrize(
    ("question", "intro"),
    [("Waar gaat dit artikel over?", "De kern"), ("What are the main points?", "The gist")],
)
def test_an_overview_is_the_articles_own_sentences_each_cited(
    real_pipeline, article, question, intro
) -> None:
    result = real_pipeline.answer(question)
    assert not result.refused and result.answer.startswith(intro)
    assert len(result.citations) >= 3
    for c in result.citations:
        assert (
            article[c.sentence_start : c.sentence_end] == c.sentence and c.sentence.strip() in result.answer
        )


def test_a_list_question_names_more_than_one(real_pipeline) -> None:
    [score] = evaluate(real_pipeline, questions(DATA / "qa_extra.jsonl", ["x06"]))
    assert score.correct and score.support_cited, score
    assert "alexa" in score.answer.lower() and "prime video" in score.answer.lower(), score


@pytest.mark.parametrize("qid", ARTICLE_CASES)
def test_article_question(real_pipeline, qid) -> None:
    source = DATA / ("qa_extra.jsonl" if qid.startswith("x") else "qa_dev.jsonl")
    [score] = evaluate(real_pipeline, questions(source, [qid]))
    assert score.correct and score.support_cited and score.language_ok, (ARTICLE_CASES[qid], score)
    assert not score.unsupported


@pytest.mark.model
@pytest.mark.parametrize("qid", CORPUS_CASES)
def test_held_out_corpus_question(corpus_pipeline, qid) -> None:
    [score] = evaluate(corpus_pipeline, questions(DATA / "qa_corpus.jsonl", [qid]))
    assert score.correct and score.support_cited and score.language_ok, (CORPUS_CASES[qid], score)
    assert not score.unsupported


# Documents with tables and lists (tests/data/formats/): the evidence is the one row or item.
FORMATS_CASES = {
    "n06": "a table row",
    "n07": "a bulleted list item",
}


@pytest.fixture(scope="module")
def formats_pipeline(settings, embeddings, tmp_path_factory):
    return pipeline_over("formats", settings, embeddings, tmp_path_factory)


@pytest.mark.model
@pytest.mark.parametrize("qid", FORMATS_CASES)
def test_formats_question(formats_pipeline, qid) -> None:
    [question] = questions(DATA / "qa_formats.jsonl", [qid])
    [score] = evaluate(formats_pipeline, [question])
    assert score.correct and score.support_cited and score.language_ok, (FORMATS_CASES[qid], score)
    assert not score.unsupported
    # That row or item, no more (a numbered step's number aside: the support leaves it out).
    assert re.sub(r"^\d+\. ", "", score.evidence) == question["support"]
