"""Wiring: settings -> documents, index, retriever, prompts, models -> Pipeline.

Models are passed in when the caller already has them (tests hand in a fake LLM).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from rag.chunking import chunk_documents
from rag.decision import Calibration, load_calibration
from rag.documents import SUPPORTED_SUFFIXES, Document, load_documents, read_document, refuse_link
from rag.embedding import PrefixedEmbeddings, load_embedder
from rag.errors import InputError
from rag.grounding import rules_off
from rag.index import PassageIndex, SyncReport
from rag.lexicon import load_lexicons
from rag.llm import load_llm
from rag.overview import Overviews
from rag.pipeline import Pipeline
from rag.prompts import load_prompts
from rag.retrieval import HybridRetriever
from rag.settings import Settings

log = logging.getLogger(__name__)


def index_seeds(
    settings: Settings,
    embeddings: PrefixedEmbeddings,
    rebuild: bool = False,
    progress: bool = False,
    documents: list[Document] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[PassageIndex, SyncReport]:
    """Bring the index in line with seeds/ (or these documents, already read from it):
    unchanged passages cost nothing, changed ones are replaced, those of removed
    documents disappear."""
    documents = load_documents(settings.seeds_dir) if documents is None else documents
    passages = chunk_documents(documents, settings.chunk_chars, settings.chunk_overlap_sentences)
    index = PassageIndex.open(settings, embeddings, embeddings.name, rebuild=rebuild)
    report = index.sync(
        passages, progress=progress, on_progress=on_progress, batch_size=16 if on_progress else 256
    )
    index.commit()
    return index, report


def index_for_serving(
    settings: Settings, embeddings: PrefixedEmbeddings, documents: list[Document]
) -> tuple[PassageIndex, list[Document]]:
    """The index and the documents it answers from at once. Where the index holds only
    passages of the documents as they now are, and lacks some (an upload that a restart
    interrupted, a file copied into seeds/), it serves the documents it holds whole, and the
    rest are left to the caller to index in the background (`Library.catch_up`). Anything
    else (a first start, a changed or removed document, another embedder) is synced now."""
    wanted = chunk_documents(documents, settings.chunk_chars, settings.chunk_overlap_sentences)
    index = PassageIndex.open(settings, embeddings, embeddings.name)
    stored = index.stored_texts() if index.count() else {}
    texts = {p.passage_id: p.text for p in wanted}
    if not stored or index.rebuilding or any(texts.get(pid) != text for pid, text in stored.items()):
        index.sync(wanted)
        index.commit()
        return index, documents
    lacking = {p.doc_id for p in wanted if p.passage_id not in stored}
    if lacking:
        log.info("serving from the index as it is; indexing after start-up: %s", ", ".join(sorted(lacking)))
    return index, [d for d in documents if d.doc_id not in lacking]


def add_to_seeds(settings: Settings, path: Path) -> Path:
    """Copy a document into seeds/ (the index is always rebuilt from seeds/)."""
    refuse_link(path)
    if not path.is_file():
        raise InputError(f"No such file: {path}")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(f"Unsupported document type {path.suffix!r}; use {', '.join(SUPPORTED_SUFFIXES)}.")
    read_document(path)  # refuse an unreadable file before it lands in seeds/
    settings.seeds_dir.mkdir(parents=True, exist_ok=True)
    target = settings.seeds_dir / path.name
    if target.resolve() != path.resolve():
        shutil.copyfile(path, target)
    return target


def build_pipeline(
    settings: Settings,
    llm: BaseChatModel | None = None,
    embeddings: PrefixedEmbeddings | None = None,
    calibration: Calibration | bool | None = True,
    serve_at_once: bool = False,
) -> Pipeline:
    """`calibration`: True loads the model's file from settings.calibration_dir (none there:
    the learned decision is off, and the log says so); False or None: off. `serve_at_once`:
    documents the index lacks are left out, to be indexed in the background
    (`index_for_serving`); otherwise the index is brought in line with seeds/ first."""
    prompts = load_prompts(settings.prompts_dir)  # fail fast on a broken template
    embeddings = embeddings or load_embedder(settings)
    documents = load_documents(settings.seeds_dir)  # read (and extracted) once
    if serve_at_once:
        index, documents = index_for_serving(settings, embeddings, documents)
    else:
        index, _ = index_seeds(settings, embeddings, documents=documents)
    retriever = HybridRetriever.build(index, settings.top_k, settings.rrf_k, {d.doc_id for d in documents})
    by_id = {d.doc_id: d for d in documents}
    if calibration is True:
        calibration = load_calibration(settings.calibration_dir, settings.llm_model)
    learned = calibration if isinstance(calibration, Calibration) else None
    lexicons = load_lexicons(settings.lexicon_dir, settings.language_codes)
    for said in rules_off(lexicons, learned, settings.llm_model):
        log.warning("grounding rule %s", said)
    overviews = Overviews(embeddings, lexicons)
    model = llm or load_llm(settings)
    pipeline = Pipeline(settings, prompts, retriever, model, by_id, learned, overviews, lexicons)
    for said in pipeline.backend_lacks():
        log.warning("%s", said)
    return pipeline
