"""One settings object: defaults in code, overridden by `RAG_*` environment variables.

Every knob is listed in the README's settings table; nothing here does work at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", frozen=True)

    # Where things live.
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    index_dir: Path = PROJECT_ROOT / "index"
    # Readers' 👍/👎 on answers, append-only (`rag/feedback.py`); beside the index, which a
    # rebuild starts over.
    feedback_file: Path = PROJECT_ROOT / "feedback" / "feedback.jsonl"
    models_dir: Path = PROJECT_ROOT / "models"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    # The learned answer-or-refuse decision, one file per model (`python app.py calibrate`).
    calibration_dir: Path = PROJECT_ROOT / "calibration"
    # Words and examples of each language (`lexicon/<lang>.json`).
    lexicon_dir: Path = PROJECT_ROOT / "lexicon"
    # The languages served, each a lexicon file's code, comma-separated. The first is the
    # language of a text too short to tell (the seed article's) and its stemmer goes first.
    languages: str = "nl,en"

    # Embedder: "e5-small" is the folder built at set-up from installed packages;
    # any other sentence-transformers name or path works where the user has one.
    embedder: str = "e5-small"
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "

    # Chunking: sentences packed into passages of at most this many characters.
    chunk_chars: int = Field(default=400, ge=50)
    chunk_overlap_sentences: int = Field(default=0, ge=0)

    # Vector store: embedded PersistentClient in index_dir, or a Chroma server.
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "passages"

    # Retrieval.
    top_k: int = Field(default=4, ge=1, le=50)
    # A corpus (or asked document) that fits in the prompt whole is read whole, in document
    # order, instead of its top passages: every question on it then starts with the same
    # tokens, which the model keeps read between questions.
    read_whole_if_it_fits: bool = True
    rrf_k: int = Field(default=60, ge=1)

    # LLM: "local" runs a GGUF through llama-cpp-python; "openai" talks to any
    # OpenAI-compatible server (llama.cpp server, vLLM, Ollama) at llm_base_url.
    llm_backend: Literal["local", "openai"] = "local"
    llm_model: Literal["qwen2.5-1.5b", "qwen2.5-0.5b"] | str = "qwen2.5-1.5b"
    llm_base_url: str = "http://127.0.0.1:8080/v1"
    llm_api_key: str = "not-needed"
    # Extra fields for the server's chat request, e.g. {"repeat_penalty": 1.0} for
    # llama.cpp's server (its default 1.1 penalises repeating the article's words).
    llm_extra_body: dict[str, float | int | str | bool] = Field(default_factory=dict)
    llm_threads: int = Field(default=2, ge=1)
    llm_context_tokens: int = Field(default=2048, ge=512)
    llm_max_tokens: int = Field(default=160, ge=8)

    # Limits for callers.
    max_question_chars: int = Field(default=1000, ge=10)
    max_history_messages: int = Field(default=12, ge=0)
    queue_size: int = Field(default=16, ge=1)

    # Serving.
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    # Who may use it: with a key set, /api, /v1 and /metrics want `Authorization: Bearer
    # <key>` and the web chat asks for it. Host headers other than these are refused.
    api_key: SecretStr | None = None
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "::1"])
    # Where readers reach the web chat, for the source links chat clients show (e.g.
    # "http://host.docker.internal:7860" for Open WebUI in Docker); unset: the request's own.
    public_url: str | None = None
    # Questions per minute from one client address (0: no limit); bigger bodies get a 413.
    rate_limit_per_minute: int = Field(default=60, ge=0)
    # Reverse proxies whose X-Forwarded-For names the client (for the rate limit); empty:
    # the header is ignored.
    trusted_proxies: list[str] = Field(default_factory=list)
    max_request_bytes: int = Field(default=1_000_000, ge=1000)
    # A request (headers and body) not whole this long after it starts is dropped: half-sent
    # requests never hold a connection. An upload of RAG_MAX_UPLOAD_MB needs ~3 Mbit/s.
    request_read_seconds: float = Field(default=60, gt=0)
    # Documents uploaded in the web chat or with POST /api/documents: the file, and the text
    # in it. Uploads are indexed one at a time, at ~0.5 MB of text a minute on 2 cores, so
    # the text bounds how long one upload holds the others (5 MB: ~10 minutes).
    max_upload_mb: float = Field(default=20, gt=0)
    max_upload_text_mb: float = Field(default=5, gt=0)

    @property
    def language_codes(self) -> tuple[str, ...]:
        """RAG_LANGUAGES as codes, the default language first."""
        return tuple(code.strip() for code in self.languages.split(",") if code.strip())
