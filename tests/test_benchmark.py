"""Scoring the public benchmark: gold answers, cited spans, the table, the data's shape."""

import json

from rag.benchmark import (
    BENCHMARK_DIR,
    Corpus,
    answer_corpus,
    cites_gold,
    corpora,
    load_records,
    normalised,
    says_gold,
    spread,
    table,
)
from rag.build import build_pipeline
from rag.citations import Citation
from rag.pipeline import AnswerResult
from tests.conftest import RecordingChatModel, copy_settings

RESERVED = [
    "Normans",
    "Rhine",
    "Huguenot",
    "Warsaw",
    "Steam engine",
    "Immune system",
    "Genghis Khan",
    "Black Death",
    "Oxygen",
]


def test_gold_answers_are_found_as_squad_normalises_them() -> None:
    record = {"class": "fact", "expect": [["the 10th and 11th centuries", "10th and 11th"]]}
    assert says_gold("In de 10th and 11th centuries.", record)
    assert not says_gold("In the 10th century.", record)
    assert normalised("De „Grote” Brand, 1.000!") == "grote brand 1 000"


def test_a_yes_no_answer_is_read_by_its_first_word() -> None:
    record = {"class": "yesno", "expect": [["no"]]}
    assert says_gold("No, it does not.", record) and says_gold("Nee.", record)
    assert not says_gold("Yes, but not now.", record)


def citation(doc: str, start: int, end: int) -> Citation:
    return Citation(1, doc, start - 50, end + 50, "x", 0.9, start, end, "sentence")


def test_the_cited_sentence_must_overlap_the_gold_span() -> None:
    record = {"doc": "a.txt", "support_start": 100, "support_end": 110}
    hit = AnswerResult("x", False, "en", [citation("a.txt", 90, 105)])
    beside = AnswerResult("x", False, "en", [citation("a.txt", 111, 150)])
    other_doc = AnswerResult("x", False, "en", [citation("b.txt", 90, 120)])
    assert cites_gold(hit, record) and not cites_gold(beside, record) and not cites_gold(other_doc, record)


def test_the_table_sets_product_beside_naive() -> None:
    rows = [
        {
            "split": "tune",
            "lang": "nl",
            "unanswerable": False,
            "product": {"cited": True, "right": True},
            "naive": {"right": False},
        },
        {
            "split": "tune",
            "lang": "nl",
            "unanswerable": False,
            "product": {"cited": False, "right": True},  # right, the gold sentence not cited
            "naive": {"right": True},
        },
        {
            "split": "tune",
            "lang": "nl",
            "unanswerable": True,
            "product": {"right": True},
            "naive": {"right": True},
        },
    ]
    text = table(rows)
    line = next(x for x in text.splitlines() if x.startswith("tune   nl"))
    product, naive = line.split("|")[1:3]
    # answerable right+cited, right by words alone, unanswerable refused, overall
    assert product.split() == ["1/2", "(50.0%)", "2/2", "(100.0%)", "1/1", "(100.0%)", "2/3", "(66.7%)"]
    assert naive.split() == ["1/2", "(50.0%)", "1/1", "(100.0%)", "2/3", "(66.7%)"]


def test_spread_takes_questions_over_the_whole_file() -> None:
    records = [{"id": i} for i in range(10)]
    assert [r["id"] for r in spread(records, 5)] == [0, 2, 4, 6, 8]


def test_the_benchmark_is_large_split_by_article_and_free_of_reserved_articles() -> None:
    found = corpora()
    halves: dict[str, list[dict]] = {"tune": [], "report": []}
    titles: dict[str, set[str]] = {"tune": set(), "report": set()}
    german: list[dict] = []  # a language added by its lexicon: the Dutch questions in German
    for corpus in found:
        records = load_records(corpus)
        if corpus.lang == "de":
            german += records
        else:
            halves[corpus.split] += records
        titles[corpus.split] |= {r["title"] for r in records}
        for record in records:
            text = (corpus.folder / record["doc"]).read_text(encoding="utf-8")
            if "support_start" in record:
                assert normalised(text[record["support_start"] : record["support_end"]]) == normalised(
                    record["support"]
                )
    assert len(halves["tune"]) >= 400 and len(halves["report"]) >= 400
    assert not titles["tune"] & titles["report"]  # split by article
    for half in halves.values():
        # A third asked in Dutch, a third in English over the same Dutch documents (the
        # product's daily case), a third in English over English ones.
        dutch = sum(r["lang"] == "nl" for r in half)
        across = sum(r["lang"] == "en" and r["doc"].endswith(".nl.txt") for r in half)
        unanswerable = sum(bool(r.get("unanswerable")) for r in half)
        assert 0.3 < dutch / len(half) < 0.4 and 0.25 < across / len(half) < 0.4
        assert 0.25 < unanswerable / len(half) < 0.45
        assert any(r["class"] == "yesno" for r in half)
    dutch_ids = {(r["split"], r["source_id"]) for half in halves.values() for r in half if r["lang"] == "nl"}
    assert len(german) >= 400 and {(r["split"], r["source_id"]) for r in german} <= dutch_ids
    reserved = {t.lower() for t in RESERVED}
    assert not {t.lower().replace("_", " ") for half in titles.values() for t in half} & reserved
    manifest = json.loads((BENCHMARK_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sources"] and all("licence" in s for s in manifest["sources"].values())


def test_product_and_naive_rag_read_the_same_prompt_from_the_same_state(settings, embeddings) -> None:
    """What `bench/replay.py --naive-drafts` rests on: the product's prompt is naive RAG's word
    for word, and each is read after the same other prompt (the warm-up), so the model's
    draft is the same for both and the run compares what the product adds to it."""
    top = copy_settings(settings, read_whole_if_it_fits=False)  # a benchmark corpus: top passages
    llm = RecordingChatModel(responses=["x", "2,2 gigawatt.", "x", "2,2 gigawatt."], prompts=[])
    pipeline = build_pipeline(top, llm=llm, embeddings=embeddings, calibration=False)
    corpus = Corpus("seed", "tune", "nl", top.seeds_dir, top.seeds_dir / "questions.jsonl")
    record = {"id": "q1", "lang": "nl", "question": "Hoeveel stroom verbruikt Project Rainier?"}
    record |= {"doc": "amazon-anthropic.nl.txt", "expect": [["2,2 gigawatt"]]}
    row = next(answer_corpus(pipeline, corpus, [record]))
    warm_up, product, warm_up_again, naive = llm.prompts
    assert warm_up == warm_up_again and warm_up != product
    assert [(m.type, m.content) for m in product] == [(m.type, m.content) for m in naive]
    assert row["product"]["draft"] == row["naive"]["answer"] == "2,2 gigawatt."
