"""The embedder: a sentence-transformers model behind LangChain's `Embeddings` interface."""

from __future__ import annotations

import functools

from langchain_core.embeddings import Embeddings
from sentence_transformers import SentenceTransformer

from rag.errors import ModelError
from rag.model_setup import resolve_embedder
from rag.settings import Settings


class PrefixedEmbeddings(Embeddings):
    """E5-style embeddings: queries and passages each get their own prefix."""

    def __init__(self, model: SentenceTransformer, name: str, query_prefix: str, passage_prefix: str):
        self.model = model
        self.name = name  # recorded in the index, so a different embedder triggers a rebuild
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        prefixed = [self.passage_prefix + text for text in texts]
        return self.model.encode(prefixed, normalize_embeddings=True, batch_size=32).tolist()

    def embed_query(self, text: str) -> list[float]:
        # A question is embedded twice: for retrieval and to weigh its page's sentences.
        return list(self._query_vector(text))

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one embedder lives as long as the app)
    def _query_vector(self, text: str) -> tuple[float, ...]:
        vector = self.model.encode([self.query_prefix + text], normalize_embeddings=True)
        return tuple(vector[0].tolist())


def load_embedder(settings: Settings) -> PrefixedEmbeddings:
    source = resolve_embedder(settings.models_dir, settings.embedder)
    try:
        model = SentenceTransformer(source, device="cpu")
    except Exception as error:  # any failure to load is reported the same way
        raise ModelError(f"Could not load the embedder '{settings.embedder}': {error}") from error
    return PrefixedEmbeddings(model, settings.embedder, settings.query_prefix, settings.passage_prefix)
