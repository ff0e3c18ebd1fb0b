"""Wiring: settings -> documents, index, retriever, prompts, models -> Pipeline.

Models are passed in when the caller already has them (tests hand in a fake LLM).
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from rag.chunking import chunk_documents
from rag.documents import load_documents
from rag.embedding import PrefixedEmbeddings, load_embedder
from rag.index import PassageIndex, SyncReport
from rag.llm import load_llm
from rag.pipeline import Pipeline
from rag.prompts import load_prompts
from rag.retrieval import HybridRetriever
from rag.settings import Settings


def index_seeds(
    settings: Settings, embeddings: PrefixedEmbeddings, rebuild: bool = False
) -> tuple[PassageIndex, SyncReport]:
    """Bring the index in line with seeds/: unchanged passages cost nothing."""
    documents = load_documents(settings.seeds_dir)
    passages = chunk_documents(documents, settings.chunk_chars, settings.chunk_overlap_sentences)
    index = PassageIndex.open(settings, embeddings, embeddings.name, rebuild=rebuild)
    return index, index.sync(passages)


def build_pipeline(
    settings: Settings,
    llm: BaseChatModel | None = None,
    embeddings: PrefixedEmbeddings | None = None,
) -> Pipeline:
    prompts = load_prompts(settings.prompts_dir)  # fail fast on a broken template
    embeddings = embeddings or load_embedder(settings)
    index, _ = index_seeds(settings, embeddings)
    retriever = HybridRetriever.build(index, settings.top_k, settings.rrf_k)
    documents = {d.doc_id: d for d in load_documents(settings.seeds_dir)}
    return Pipeline(settings, prompts, retriever, llm or load_llm(settings), documents)
