"""Naive RAG, the benchmark's baseline: top-k passages and the bare model's reply."""

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from rag.baseline import naive_answer, naive_prompt
from tests.conftest import fake_pipeline


def test_naive_answer_and_refusal(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, [])
    prompt = naive_prompt(settings.prompts_dir, pipeline.prompting.refusal())
    llm = FakeListChatModel(responses=["Amazon gaf 8 miljard dollar.", "Dat staat niet in de tekst."])
    answered = naive_answer(llm, pipeline.retriever, prompt, "Hoeveel gaf Amazon eerder?")
    assert not answered.refused and answered.answer == "Amazon gaf 8 miljard dollar."
    assert len(answered.passages) == settings.top_k and answered.total_ms >= answered.first_token_ms
    refused = naive_answer(llm, pipeline.retriever, prompt, "Wie is de CEO?")
    assert refused.refused
