"""Prompts fitted to the model's context by tokens: a dense document (a table of dates and
amounts, code, Chinese) runs at a token for every character or two, and still never makes
every question too long."""

import pytest

from rag.build import build_pipeline
from tests.conftest import copy_settings, write_seed

# ~3,300 characters, one page by characters; digits and symbols run at ~1 token each.
DENSE = "\n".join(
    f"2024-{1 + n % 12:02d}-{1 + n % 28:02d} | € {n * 7919 % 1000003:,} | {n * 104729 % 65536:#06x}"
    for n in range(90)
)


# Code, and Chinese text: each ~1 token per 1-2 characters.
CODE = "\n".join(f"def f{n}(x): return [x ** {n} % 7 for x in range({n}, {n * 3})]" for n in range(50))
CJK = "亚马逊正在扩大与人工智能初创公司的合作，新的投资将超过此前承诺的八十亿美元。" * 90


@pytest.mark.model
@pytest.mark.parametrize(("name", "dense"), [("tabel.txt", DENSE), ("code.txt", CODE), ("cjk.txt", CJK)])
def test_a_dense_documents_passages_are_fitted_by_tokens(
    settings, embeddings, real_pipeline, article, tmp_path, name, dense
) -> None:
    seeds = tmp_path / "seeds"
    write_seed(seeds, "amazon-anthropic.nl.txt", article)
    write_seed(seeds, name, dense)
    here = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index")
    pipeline = build_pipeline(here, llm=real_pipeline.llm, embeddings=embeddings)
    prompting = pipeline.prompting
    dense_passages = [p for p in pipeline.retriever.passages if p.doc_id == name]
    messages, read = prompting.fitted("Wat staat er?", "nl", [], dense_passages[: here.top_k])
    assert prompting.prompt_tokens(messages) <= prompting.budget and read
    assert read == dense_passages[: len(read)]  # the best ones kept, in their order
    # Questions are let through, about the article or the dense document (was: 400, too long).
    pipeline.check_question("Wat is Project Rainier?", [])
    pipeline.check_question("Wat staat er in dit document?", [], doc_id=name)
