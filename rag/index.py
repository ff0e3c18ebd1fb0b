"""The vector index: passages and their embeddings in Chroma (embedded or a server).

The collection records how it was built (embedder, chunk settings); opening it with
other settings rebuilds it instead of mixing incompatible vectors. A rebuild fills a new
collection beside the old one and swaps it in only when complete, so a rebuild that is
killed halfway leaves the old index answering.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_core.embeddings import Embeddings

from rag.chunking import Passage
from rag.errors import IndexError_
from rag.settings import Settings
from rag.text import sentences

INDEX_SCHEMA = 1
_BATCH = 256
_PAGE = 5000


@dataclass(frozen=True)
class ScoredPassage:
    passage: Passage
    score: float


@dataclass(frozen=True)
class SyncReport:
    added: int
    removed: int
    unchanged: int


def build_fingerprint(settings: Settings, embedder_name: str) -> dict[str, str | int]:
    return {
        "schema": INDEX_SCHEMA,
        "embedder": embedder_name,
        "chunk_chars": settings.chunk_chars,
        "chunk_overlap_sentences": settings.chunk_overlap_sentences,
    }


def open_client(settings: Settings) -> chromadb.ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    except Exception as error:
        where = (
            f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
            if settings.chroma_host
            else f"index folder {settings.index_dir}"
        )
        raise IndexError_(
            f"Cannot open the {where}: {error}. Rebuild it with `python app.py index --rebuild`."
        ) from error


# Suffixes of a collection being rebuilt, and of one rebuilt but not yet swapped in.
BUILDING = "-building"
BUILT = "-built"


def _names(client) -> list[str]:
    return [c if isinstance(c, str) else c.name for c in client.list_collections()]


_SEGMENT_FOLDER = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _remove_orphaned_segments(index_dir: Path) -> None:
    """Chroma keeps each collection's vectors in a folder named after its segment, and
    deleting the collection leaves that folder on disk (chromadb 1.x); so does a rebuild
    killed at any point. Run at every open and after every swap: whenever a kill landed,
    the next open leaves only folders that a collection owns. (A live segment's row is
    written when its collection is created, before its folder exists, so this never takes
    a folder in use.)"""
    with contextlib.closing(sqlite3.connect(index_dir / "chroma.sqlite3")) as database:
        known = {row[0] for row in database.execute("SELECT id FROM segments")}
    for folder in index_dir.iterdir():
        if folder.is_dir() and _SEGMENT_FOLDER.match(folder.name) and folder.name not in known:
            shutil.rmtree(folder, ignore_errors=True)


def _to_passage(passage_id: str, text: str, metadata: dict) -> Passage:
    return Passage(str(metadata["doc_id"]), int(metadata["start"]), int(metadata["end"]), text)


# The collection of sentence vectors beside a passage collection.
SENTENCES = "-sentences"


class SentenceVectors:
    """The embeddings of the passages' sentences, in a Chroma collection of their own keyed
    by the sentence's text: computed when a passage is indexed (or, missing, when first
    asked for), so ranking a page's sentences for a question costs one query embedding."""

    def __init__(self, collection, embeddings: Embeddings):
        self.collection = collection
        self.embeddings = embeddings

    @classmethod
    def open(cls, client, name: str, embeddings: Embeddings, embedder_name: str) -> SentenceVectors:
        metadata = {"hnsw:space": "cosine", "schema": INDEX_SCHEMA, "embedder": embedder_name}
        if name in _names(client):
            existing = client.get_collection(name, embedding_function=None)
            if {k: (existing.metadata or {}).get(k) for k in metadata} == metadata:
                return cls(existing, embeddings)
            client.delete_collection(name)  # built by another embedder: its vectors don't mix
        return cls(client.create_collection(name, metadata=metadata, embedding_function=None), embeddings)

    def vectors(self, texts: list[str]) -> list[list[float]]:
        """Each text's vector: stored ones read, the others embedded and stored."""
        ids = [_text_id(text) for text in texts]
        if not ids:
            return []
        stored = self.collection.get(ids=list(dict.fromkeys(ids)), include=["embeddings"])
        found = {i: list(v) for i, v in zip(stored["ids"], stored["embeddings"], strict=True)}
        found |= self._embed_and_store([t for t, i in zip(texts, ids, strict=True) if i not in found])
        return [found[i] for i in ids]

    def keep_only(self, texts: list[str]) -> None:
        """Store exactly these texts' vectors, embedding only what is new (the stored vectors
        themselves are not read)."""
        stored = set(self.collection.get(include=[])["ids"])
        wanted = {_text_id(t) for t in texts}
        self._embed_and_store([t for t in texts if _text_id(t) not in stored])
        gone = sorted(stored - wanted)
        for start in range(0, len(gone), _BATCH):
            self.collection.delete(ids=gone[start : start + _BATCH])

    def _embed_and_store(self, texts: list[str]) -> dict[str, list[float]]:
        """Embed and store these texts (each once); returns their vectors by id."""
        fresh = list(dict.fromkeys(texts))
        found: dict[str, list[float]] = {}
        for start in range(0, len(fresh), _BATCH):
            batch = fresh[start : start + _BATCH]
            vectors = self.embeddings.embed_documents(batch)
            self.collection.upsert(ids=[_text_id(t) for t in batch], embeddings=vectors, documents=batch)
            found |= {_text_id(t): v for t, v in zip(batch, vectors, strict=True)}
        return found

    def similarities(self, query: str, texts: list[str]) -> list[float]:
        """Cosine similarity of each text to the query."""
        asked = self.embeddings.embed_query(query)
        return [cosine(asked, vector) for vector in self.vectors(texts)]


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two normalised vectors (the embedder normalises them)."""
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


def _text_id(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


class PassageIndex:
    def __init__(self, collection, embeddings: Embeddings, client=None, replaces: str | None = None):
        self.collection = collection
        self.embeddings = embeddings
        self._client = client
        self._replaces = replaces  # a rebuild: the collection this one takes the place of
        # The local index's folder, where a swap leaves the old collection's segment behind.
        self._segments_dir: Path | None = None
        # Sentence vectors: opened by `open` (a bare collection has none).
        self.sentences: SentenceVectors | None = None

    @classmethod
    def open(
        cls, settings: Settings, embeddings: Embeddings, embedder_name: str, rebuild: bool = False
    ) -> PassageIndex:
        client = open_client(settings)
        fingerprint = build_fingerprint(settings, embedder_name)
        name, building, built = (
            settings.collection,
            f"{settings.collection}{BUILDING}",
            f"{settings.collection}{BUILT}",
        )
        try:
            names = _names(client)
            if building in names:  # a rebuild that was interrupted: the old index stands
                client.delete_collection(building)
            if built in names:  # a rebuild interrupted at its swap: finish the swap
                if name in names:
                    client.delete_collection(name)
                client.get_collection(built).modify(name=name)
            metadata = {"hnsw:space": "cosine", **fingerprint}
            if name not in _names(client):  # nothing to keep answering: fill it in place
                # embedding_function=None: we embed ourselves (Chroma's default would download)
                fresh = client.create_collection(name, metadata=metadata, embedding_function=None)
                index = cls(fresh, embeddings)
            else:
                existing = client.get_collection(name, embedding_function=None)
                recorded = {k: (existing.metadata or {}).get(k) for k in fingerprint}
                if not rebuild and recorded == fingerprint:
                    index = cls(existing, embeddings)
                else:
                    staging = client.create_collection(building, metadata=metadata, embedding_function=None)
                    index = cls(staging, embeddings, client=client, replaces=name)
            index.sentences = SentenceVectors.open(client, f"{name}{SENTENCES}", embeddings, embedder_name)
            if not settings.chroma_host:
                index._segments_dir = settings.index_dir
                _remove_orphaned_segments(settings.index_dir)
        except Exception as error:
            raise IndexError_(
                f"The index is unreadable ({error}). Rebuild it with `python app.py index --rebuild`."
            ) from error
        return index

    def commit(self) -> None:
        """After a rebuild has been filled: it takes the old collection's place."""
        if self._replaces is None:
            return
        built = f"{self._replaces}{BUILT}"
        self.collection.modify(name=built)  # complete: from here on, a restart finishes the swap
        if self._replaces in _names(self._client):
            self._client.delete_collection(self._replaces)
        self.collection.modify(name=self._replaces)
        self._replaces = None
        if self._segments_dir is not None:
            _remove_orphaned_segments(self._segments_dir)

    @property
    def rebuilding(self) -> bool:
        """A rebuild under way: this collection is to take another's place once filled."""
        return self._replaces is not None

    def count(self) -> int:
        return self.collection.count()

    def _get_all(self, include: list[str]) -> dict[str, list]:
        """Everything stored, read in pages (one big read exceeds SQLite's variable limit)."""
        merged: dict[str, list] = {"ids": [], **{field: [] for field in include}}
        for offset in range(0, self.count(), _PAGE):
            page = self.collection.get(include=include, limit=_PAGE, offset=offset)
            for field in merged:
                merged[field].extend(page[field])
        return merged

    def stored_texts(self) -> dict[str, str]:
        stored = self._get_all(["documents"])
        return dict(zip(stored["ids"], stored["documents"], strict=True))

    def sync(
        self,
        passages: list[Passage],
        progress: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
        batch_size: int = _BATCH,
    ) -> SyncReport:
        """Make the index hold exactly these passages; embeds only what is new or changed.
        `on_progress(embedded, total)` is called after each batch."""
        stored = self.stored_texts()
        wanted = {p.passage_id: p for p in passages}
        fresh = [p for pid, p in wanted.items() if stored.get(pid) != p.text]
        batches = range(0, len(fresh), batch_size)
        if progress and len(fresh) > _BATCH:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        # Add before deleting: an interrupted run leaves the old passages searchable.
        if on_progress:
            on_progress(0, len(fresh))
        for i in batches:
            batch = fresh[i : i + batch_size]
            self.collection.upsert(
                ids=[p.passage_id for p in batch],
                documents=[p.text for p in batch],
                embeddings=self.embeddings.embed_documents([p.text for p in batch]),
                metadatas=[{"doc_id": p.doc_id, "start": p.start, "end": p.end} for p in batch],
            )
            if on_progress:
                on_progress(min(i + batch_size, len(fresh)), len(fresh))
        gone = [pid for pid in stored if pid not in wanted]
        for i in range(0, len(gone), _BATCH):
            self.collection.delete(ids=gone[i : i + _BATCH])
        if self.sentences is not None:
            self.sentences.keep_only([s.text for s in sentences(passages)])
        return SyncReport(added=len(fresh), removed=len(gone), unchanged=len(wanted) - len(fresh))

    def all_passages(self) -> list[Passage]:
        stored = self._get_all(["documents", "metadatas"])
        passages = [
            _to_passage(pid, text, meta)
            for pid, text, meta in zip(stored["ids"], stored["documents"], stored["metadatas"], strict=True)
        ]
        return sorted(passages, key=lambda p: (p.doc_id, p.start))

    def vectors(self, passage_ids: list[str]) -> dict[str, list[float]]:
        stored = self.collection.get(ids=passage_ids, include=["embeddings"])
        return {pid: list(vector) for pid, vector in zip(stored["ids"], stored["embeddings"], strict=True)}

    def search(self, query: str, k: int, doc_id: str | None = None) -> list[ScoredPassage]:
        """Dense search, optionally within one document; score is cosine similarity."""
        count = self.count()
        if count == 0:
            return []
        result = self.collection.query(
            query_embeddings=[self.embeddings.embed_query(query)],
            n_results=min(k, count),
            where={"doc_id": doc_id} if doc_id else None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            ScoredPassage(_to_passage(pid, text, meta), 1.0 - float(distance))
            for pid, text, meta, distance in zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
                strict=True,
            )
        ]
