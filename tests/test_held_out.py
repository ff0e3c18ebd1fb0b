"""The real model on questions of each kind, over the seed article and over the held-out
corpus (tests/data/corpus/, written for the repo): scored the way `python app.py eval`
scores them. Questions from the tune halves; figures are quoted from the report halves."""

import json
import shutil

import pytest

from rag.build import build_pipeline
from rag.evaluation import evaluate
from rag.settings import PROJECT_ROOT
from tests.conftest import copy_settings

DATA = PROJECT_ROOT / "tests" / "data"
# Question id -> what kind of question it is (the `class` field of the questions file).
ARTICLE_CASES = {
    "x08": "a fraction (één derde)",
    "x10": "which other partnership it is compared with",
    "d07": "yes/no, Dutch, answered no",
    "x29": "yes/no, English, answered yes",
    "x15": "unanswerable",
}
CORPUS_CASES = {
    "c11": "is X the largest? (it is the second largest)",
    "c05": "yes/no, Dutch, answered yes",
    "c21": "attribute missing: the topic is there, the asked attribute is not",
    "c01": "a fact",
}


def questions(path, ids) -> list[dict]:
    by_id = {q["id"]: q for q in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if q}
    return [by_id[i] for i in ids]


@pytest.fixture(scope="module")
def corpus_pipeline(settings, embeddings, tmp_path_factory):
    seeds = tmp_path_factory.mktemp("corpus") / "seeds"
    shutil.copytree(DATA / "corpus", seeds)
    local = copy_settings(settings, seeds_dir=seeds, index_dir=seeds.parent / "index")
    return build_pipeline(local, embeddings=embeddings)


@pytest.mark.parametrize("qid", ARTICLE_CASES)
def test_article_question(real_pipeline, qid) -> None:
    [score] = evaluate(
        real_pipeline,
        questions(DATA / "qa_extra.jsonl", [qid])
        if qid[0] == "x"
        else questions(DATA / "qa_dev.jsonl", [qid]),
    )
    assert score.correct and score.support_cited and score.language_ok, (ARTICLE_CASES[qid], score)
    assert not score.unsupported


@pytest.mark.parametrize("qid", CORPUS_CASES)
def test_held_out_corpus_question(corpus_pipeline, qid) -> None:
    [score] = evaluate(corpus_pipeline, questions(DATA / "qa_corpus.jsonl", [qid]))
    assert score.correct and score.support_cited and score.language_ok, (CORPUS_CASES[qid], score)
    assert not score.unsupported
