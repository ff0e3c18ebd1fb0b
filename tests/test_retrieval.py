from rag.build import index_seeds
from rag.chunking import Passage
from rag.retrieval import HybridRetriever, bm25_tokens, rrf_fuse, short_scopes


def test_rrf_rewards_agreement_and_is_deterministic() -> None:
    fused = rrf_fuse([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert [item for item, _ in fused][:2] in (["a", "b"], ["b", "a"])
    assert fused[0][1] == fused[1][1]  # a and b tie: ranks 1+2 each
    assert [item for item, _ in fused] == [item for item, _ in rrf_fuse([["a", "b", "c"], ["b", "a", "d"]])]
    assert dict(fused)["c"] == 1 / 63 and dict(fused)["d"] == 1 / 63


def test_rrf_single_ranking_keeps_order() -> None:
    assert [i for i, _ in rrf_fuse([["x", "y", "z"]])] == ["x", "y", "z"]


def test_bm25_tokens_lowercase_words() -> None:
    assert bm25_tokens("Project Rainier, 2,2 GW!") == ["project", "rainier", "2", "2", "gw"]


def test_hybrid_retrieval_finds_the_passage(settings, embeddings) -> None:
    index, _ = index_seeds(settings, embeddings)
    retriever = HybridRetriever.build(index, top_k=3, rrf_k=60)
    hits = retriever.retrieve("Hoeveel stroom verbruikt Project Rainier?")
    assert "2,2 gigawatt" in hits[0].passage.text
    english = retriever.retrieve("Which newspaper reported the investment?")
    assert any("Financial Times" in h.passage.text for h in english)
    # The LangChain interface returns the same passages with their offsets.
    docs = retriever.invoke("Project Rainier")
    assert docs and {"doc_id", "start", "end", "score"} <= set(docs[0].metadata)


def test_short_scopes_are_the_corpus_and_each_document_that_fit_in_document_order() -> None:
    second, first = Passage("a.txt", 100, 150, "x" * 50), Passage("a.txt", 0, 100, "y" * 100)
    long = Passage("b.txt", 0, 300, "z" * 300)
    # b.txt alone is too long, so the corpus is too; a.txt fits, in the order of its text.
    assert short_scopes([long, second, first], most_chars=200) == {"a.txt": [first, second]}
    scopes = short_scopes([long, second, first], most_chars=1000)
    assert scopes[None] == [first, second, long] and scopes["b.txt"] == [long]
    assert short_scopes([long, second, first], most_chars=0) == {}
