"""Saved page states with the real model: restoring one answers exactly like reading the page."""

from __future__ import annotations

from pathlib import Path

from langchain_core.messages import HumanMessage

from rag.prefix_states import PrefixStates


def completion(llama, tokens: list[int]) -> str:
    return llama.create_completion(tokens, max_tokens=12, temperature=0)["choices"][0]["text"]


def test_a_restored_page_state_answers_like_a_freshly_read_page(real_pipeline, tmp_path: Path) -> None:
    llm = real_pipeline.llm
    llama = llm.client
    states = PrefixStates(tmp_path / "states", Path(llm.model_path))
    system = real_pipeline.page_system_message(real_pipeline.pages[0])
    prefix = llm.page_prefix(system)
    tokens = llm._reply_tokens([system, HumanMessage("Hoeveel stroom verbruikt Project Rainier?")])
    assert tokens[: len(prefix)] == prefix and len(tokens) > len(prefix)

    path = states.build(llama, prefix)
    read_now = completion(llama, tokens)
    assert path.stat().st_size > 1_000_000  # the page's KV cache, not the 300 MB logits

    llama.reset()
    completion(llama, llama.tokenize(b"Iets heel anders."))  # another prompt takes the cache
    assert states.restore(llama, prefix) == "loaded"
    assert llama.n_tokens == len(prefix)
    assert completion(llama, tokens) == read_now
    assert states.restore(llama, prefix) == "cached"

    path.write_bytes(path.read_bytes()[:1000])  # a broken file is read again, not trusted
    llama.reset()
    assert states.restore(llama, prefix) == "built"
    assert path.stat().st_size > 1_000_000
    assert completion(llama, tokens) == read_now

    assert states.prune(keep=[]) == 1 and not path.exists()


def test_past_its_disk_budget_a_state_is_read_but_not_saved(real_pipeline, tmp_path: Path) -> None:
    llm = real_pipeline.llm
    states = PrefixStates(tmp_path / "states", Path(llm.model_path), max_bytes=1000)
    prefix = llm.page_prefix(real_pipeline.page_system_message(real_pipeline.pages[0]))
    assert states.build(llm.client, prefix) is None
    assert states.files() == [] and llm.client.n_tokens == len(prefix)  # read all the same
    assert states.restore(llm.client, prefix) == "cached"


def test_a_conversation_set_aside_goes_on_as_if_nothing_happened_in_between(real_pipeline) -> None:
    llm = real_pipeline.llm
    llama = llm.client
    system = real_pipeline.page_system_message(real_pipeline.pages[0])
    tokens = llm._reply_tokens([system, HumanMessage("Waar ligt Project Rainier?")])
    straight = completion(llama, tokens)
    with llm.set_aside():
        completion(llama, llama.tokenize(b"Iets heel anders."))  # takes the cache meanwhile
    assert llama.input_ids[: len(tokens)].tolist() == tokens
    assert completion(llama, tokens) == straight


def test_a_judged_sentence_keeps_its_state_for_the_next_question_about_it(
    real_pipeline, tmp_path: Path
) -> None:
    """The judge's prompt up to the question ("Sentence: ...") is kept like a page's: a
    second question about the same sentence reads only itself, and is judged the same."""
    llm = real_pipeline.llm
    llama = llm.client
    kept_before = llm.prefix_states
    llm.prefix_states = PrefixStates(tmp_path / "states", Path(llm.model_path))
    try:
        sentence = "De veerboot naar Schierhorn vaart in de zomer zes keer per dag."
        first = real_pipeline.prompting.judge_conversation(sentence, "Hoe vaak vaart de veerboot?")
        second = real_pipeline.prompting.judge_conversation(sentence, "Waar vaart de veerboot naartoe?")
        judge_prefix, sentence_prefix = llm.kept_prefixes(second)
        tokens = llm._reply_tokens(second)
        assert (
            tokens[: len(sentence_prefix)] == sentence_prefix
            and len(sentence_prefix) > len(judge_prefix) + 10
        )
        assert llm.kept_prefixes(first)[-1] == sentence_prefix  # the same whatever is asked

        llama.reset()
        read_now = completion(llama, tokens)
        llama.reset()
        llm._prepared(first)  # judged once: its sentence's state is saved
        assert llm.prefix_states.path_for(sentence_prefix).exists()
        llama.reset()
        assert llm.prefix_states.restore(llama, sentence_prefix) == "loaded"
        assert completion(llama, tokens) == read_now
    finally:
        llm.prefix_states = kept_before
