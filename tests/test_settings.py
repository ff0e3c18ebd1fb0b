import pytest
from pydantic import ValidationError

from rag.settings import Settings


def test_defaults() -> None:
    settings = Settings()
    assert settings.embedder == "e5-small" and settings.llm_backend == "local"
    assert settings.index_dir.name == "index"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_LLM_BACKEND", "openai")
    settings = Settings()
    assert settings.top_k == 7 and settings.llm_backend == "openai"


def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "0")
    with pytest.raises(ValidationError):
        Settings()
