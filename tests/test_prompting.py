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
    messages, read = prompting.fitted("Wat staat er?", [], dense_passages[: here.top_k])
    assert prompting.prompt_tokens(messages) <= prompting.budget and read
    assert read == dense_passages[: len(read)]  # the best ones kept, in their order
    # Questions are let through, about the article or the dense document (was: 400, too long).
    pipeline.check_question("Wat is Project Rainier?", [])
    pipeline.check_question("Wat staat er in dit document?", [], doc_id=name)


def test_the_product_reads_naive_rags_prompt_word_for_word(settings) -> None:
    """The answer is naive RAG's model's own; what the product adds comes after it (checks,
    citations, the learned decision), so the benchmark compares only what it adds."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from rag.baseline import naive_prompt
    from rag.chunking import Passage
    from rag.lexicon import load_lexicons
    from rag.prompting import PromptMaker
    from rag.prompts import load_prompts

    passages = [Passage("a.nl.txt", 0, 12, "Eerste zin."), Passage("b.en.txt", 5, 20, "Second one.")]
    lexicons = load_lexicons(settings.lexicon_dir, settings.language_codes)
    maker = PromptMaker(settings, load_prompts(settings.prompts_dir), llm=None, lexicons=lexicons)
    numbered = "\n\n".join(f"[{n}] ({p.doc_id}) {p.text}" for n, p in enumerate(passages, start=1))
    served = load_lexicons(settings.lexicon_dir, ("nl", "en", "de"))
    german = PromptMaker(settings, load_prompts(settings.prompts_dir), llm=None, lexicons=served).refusal()
    assert german.endswith("(In German: Das steht nicht im Text.) (In Dutch: Dat staat niet in de tekst.)")
    for question in ["Wat is Project Rainier?", "What is Project Rainier?"]:
        assert maker.messages(f" {question} ", [], passages) == [
            SystemMessage(naive_prompt(settings.prompts_dir, maker.refusal()).format(passages=numbered)),
            HumanMessage(question),
        ]


def test_a_model_that_does_not_count_its_tokens_is_fitted_on_an_estimate_and_says_so(settings) -> None:
    """Counting tokens is declared by the model's class (the in-process model does), never
    probed per call; a backend without it gets an over-estimate, which start-up names."""
    from typing import ClassVar

    from langchain_core.language_models import FakeListChatModel

    from rag.prompting import PromptMaker
    from rag.prompts import load_prompts

    class Counting(FakeListChatModel):
        counts_tokens: ClassVar[bool] = True

        def get_num_tokens(self, text: str) -> int:
            return len(text.split())

    prompts = load_prompts(settings.prompts_dir)
    estimating = PromptMaker(settings, prompts, FakeListChatModel(responses=["x"]))
    assert estimating.estimate_notice.startswith("prompt fitting: by an estimate")
    assert estimating.text_tokens("één twee drie vier") == len("één twee drie vier") // 3
    counting = PromptMaker(settings, prompts, Counting(responses=["x"]))
    assert counting.estimate_notice is None and counting.text_tokens("één twee drie vier") == 4
