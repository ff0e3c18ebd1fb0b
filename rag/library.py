"""Documents added and removed while the app serves (web chat and API), by the same rules
as `python app.py index`: copied into seeds/, indexed incrementally, idempotent.

- An upload is checked at once (name, size, type, contents, text) and then queued: one
  indexing job runs at a time, in a worker thread. Questions go on meanwhile, answered from
  the documents that are ready; the new corpus is swapped in only when its passages are all
  written, so no half document is ever served.
- The file lands in seeds/ whole (written beside it, then renamed), before it is indexed:
  a server killed mid-job finds it at the next start, and indexing there completes it.
- The same file again adds nothing. Another file under an existing name is a conflict,
  unless the caller says to replace it (then its passages are replaced).
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import tempfile
import threading
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from rag.build import index_seeds
from rag.chunking import Passage
from rag.documents import SUPPORTED_SUFFIXES, Skipped, load_documents, read_document, skipped_files
from rag.errors import Conflict, InputError, NoText, NotFound, RagError, TooLarge, UnsupportedType
from rag.pipeline import Pipeline
from rag.retrieval import HybridRetriever
from rag.settings import Settings

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 120
# File systems limit a name's bytes, not its characters: 120 characters of CJK or emoji
# are up to 480 bytes in UTF-8, past the 255 that ext4 and most others allow.
MAX_NAME_BYTES = 255
# How long a finished job stays visible to GET /api/documents/jobs/{id}.
JOBS_KEPT = 200


@dataclass
class Job:
    id: str
    doc: str
    action: Literal["add", "remove", "catch-up"]
    state: Literal["queued", "indexing", "done", "unchanged", "failed"] = "queued"
    embedded: int = 0  # passages embedded so far ...
    total: int = 0  # ... of this many new or changed ones
    passages: int = 0  # the document's passages once indexed
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def public(self) -> dict:
        return {k: v for k, v in vars(self).items() if k != "finished"}


@dataclass(frozen=True)
class DocumentInfo:
    doc: str
    chars: int
    bytes: int
    passages: int
    added: str  # ISO time the file landed in seeds/


def passages_of(doc: str, passages: list[Passage]) -> int:
    return sum(1 for p in passages if p.doc_id == doc)


def safe_name(name: str) -> str:
    """The upload's file name as it will stand in seeds/, or an InputError."""
    name = unicodedata.normalize("NFC", name.strip())
    if "/" in name or "\\" in name or any(unicodedata.category(c).startswith("C") for c in name):
        raise InputError("The file name may not hold path separators or control characters.")
    if not name or name.startswith("."):
        raise InputError("The file needs a name that does not start with a dot.")
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"The file name is longer than {MAX_NAME_CHARS} characters.")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise InputError(
            f"The file name is {len(name.encode('utf-8'))} bytes in UTF-8; the limit is {MAX_NAME_BYTES} "
            "bytes (fewer characters for non-Latin scripts): shorten it."
        )
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnsupportedType(f"Unsupported type {Path(name).suffix!r}; use {', '.join(SUPPORTED_SUFFIXES)}.")
    return name


def _digest(path: Path) -> bytes | None:
    """The file's SHA-256, or None when it cannot be read (it is then skipped, not served)."""
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return None


def check_contents(name: str, data: bytes, max_bytes: int, max_text_bytes: int) -> str:
    """The text that would be indexed, or why the file cannot be: empty, too big, contents
    that do not match the extension, no extractable text, more text than one job may index."""
    if not data:
        raise InputError(f"{name} is empty.")
    if len(data) > max_bytes:
        raise TooLarge(f"{name} is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB.")
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        if not data.startswith(b"%PDF-"):
            raise UnsupportedType(f"{name} does not hold a PDF.")
    else:
        try:
            decoded = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsupportedType(f"{name} is not UTF-8 text, as a {suffix} file should be.") from None
        if "\x00" in decoded or data.startswith(b"%PDF-"):
            raise UnsupportedType(f"{name} holds binary data, not {suffix} text.")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        text = read_document(path).text
    if not text.strip():
        if suffix == ".pdf":
            raise NoText(f"{name} has no extractable text (a scanned PDF needs OCR first).")
        raise InputError(f"{name} holds no text.")
    text_bytes = len(text.encode())
    if text_bytes > max_text_bytes:
        raise TooLarge(
            f"{name} holds {text_bytes / 1e6:.1f} MB of text; the limit is "
            f"{max_text_bytes / 1e6:g} MB of text an upload (RAG_MAX_UPLOAD_TEXT_MB): split it."
        )
    return text


class Library:
    """The documents of a running pipeline: list, add, remove; one job at a time."""

    def __init__(self, settings: Settings, pipeline: Pipeline, max_upload_bytes: int) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.max_upload_bytes = max_upload_bytes
        self.jobs: dict[str, Job] = {}
        self._queue: queue.Queue[tuple[Job, bytes | None]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        # Uploads queued or indexing, by their content's SHA-256.
        self._waiting: dict[bytes, Job] = {}

    # ---------------------------------------------------------------- reading

    def documents(self) -> list[DocumentInfo]:
        counts = Counter(p.doc_id for p in self.pipeline.retriever.passages)
        listed = []
        for doc, document in sorted(self.pipeline.documents.items()):
            path = self.settings.seeds_dir / doc
            stat = path.stat() if path.is_file() else None
            added = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds") if stat else ""
            listed.append(
                DocumentInfo(doc, len(document.text), stat.st_size if stat else 0, counts.get(doc, 0), added)
            )
        return listed

    def skipped(self) -> list[Skipped]:
        """The files in seeds/ that are not served (unreadable), and why."""
        return skipped_files(self.settings.seeds_dir)

    def job(self, job_id: str) -> Job:
        if job_id not in self.jobs:
            raise NotFound(f"No indexing job {job_id[:40]!r}.")
        return self.jobs[job_id]

    # ---------------------------------------------------------------- changing

    def add(self, name: str, data: bytes, replace: bool = False) -> Job:
        """Checks the upload now (errors raise at once) and queues its indexing."""
        name = safe_name(name)
        check_contents(name, data, self.max_upload_bytes, int(self.settings.max_upload_text_mb * 1_000_000))
        digest = hashlib.sha256(data).digest()
        with self._lock:  # two uploads of the same content at once: the second finds the first
            waiting = self._waiting.get(digest)
            if waiting is not None and not waiting.finished.is_set():
                return waiting  # the same content, queued a moment ago: follow its job
            for path in self._seed_files():
                if _digest(path) == digest:  # the same file again
                    return self._finished(Job(uuid.uuid4().hex, path.name, "add", "unchanged"))
            if (self.settings.seeds_dir / name).exists() and not replace:
                raise Conflict(
                    f"A different document named {name} exists already; send it with replace=true to "
                    "replace it, or rename the file."
                )
            job = Job(uuid.uuid4().hex, name, "add")
            self._waiting[digest] = job
            self._enqueue(job, data)
        return job

    def catch_up(self) -> Job | None:
        """Index, in the background, the documents of seeds/ that the pipeline does not serve
        yet (an upload a restart interrupted: start-up serves at once from what is indexed)."""
        lacking = [p.name for p in self._seed_files() if p.name not in self.pipeline.documents]
        if not lacking:
            return None
        with self._lock:
            return self._enqueue(Job(uuid.uuid4().hex, ", ".join(lacking), "catch-up"), None)

    def remove(self, doc: str) -> Job:
        if doc not in self.pipeline.documents:
            raise NotFound(f"Unknown document: {doc[:100]!r}.")
        with self._lock:
            return self._enqueue(Job(uuid.uuid4().hex, doc, "remove"), None)

    def _seed_files(self) -> list[Path]:
        """The documents' files: real files only (a link is never read, not even to compare)."""
        folder = self.settings.seeds_dir
        return (
            sorted(
                p
                for p in folder.iterdir()
                if not p.is_symlink() and p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
            )
            if folder.is_dir()
            else []
        )

    def _finished(self, job: Job) -> Job:
        job.passages = passages_of(job.doc, self.pipeline.retriever.passages)
        job.finished.set()
        self._keep(job)
        return job

    def _keep(self, job: Job) -> None:
        self.jobs[job.id] = job
        while len(self.jobs) > JOBS_KEPT:
            self.jobs.pop(next(iter(self.jobs)))

    def _enqueue(self, job: Job, data: bytes | None) -> Job:
        """Queues the job; the caller holds the lock."""
        self._keep(job)
        self._queue.put((job, data))
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="indexing", daemon=True)
            self._worker.start()
        return job

    def _work(self) -> None:
        while True:
            job, data = self._queue.get()
            job.state = "indexing"
            try:
                self._run(job, data)
                job.state = "done"
            except RagError as error:
                job.state, job.error = "failed", str(error)
            except Exception as error:  # never let the worker die
                job.state, job.error = "failed", f"Indexing failed: {error}"
            finally:
                job.finished.set()
                with self._lock:
                    self._waiting = {d: j for d, j in self._waiting.items() if j is not job}

    def _run(self, job: Job, data: bytes | None) -> None:
        if job.action == "catch-up":  # seeds/ stays as it is; the index catches up with it
            self._reindex(job)
            return
        seeds = self.settings.seeds_dir
        target = seeds / job.doc
        # A link in its place is never read (it could point anywhere), so never put back.
        previous = target.read_bytes() if target.exists() and not target.is_symlink() else None
        if data is None:
            target.unlink(missing_ok=True)
        else:
            seeds.mkdir(parents=True, exist_ok=True)
            # Not a document: ignored if left. Not named after the document, whose name may
            # take all the bytes a file name can have.
            partial = seeds / f".upload-{job.id}.part"
            partial.write_bytes(data)
            os.replace(partial, target)  # whole or not at all
        try:
            self._reindex(job)
        except Exception:
            # Put seeds/ back as it was, so the next start indexes what is served now.
            if previous is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(previous)
            raise

    def _reindex(self, job: Job) -> None:
        def progress(embedded: int, total: int) -> None:
            job.embedded, job.total = embedded, total

        embeddings = self.pipeline.retriever.index.embeddings
        documents = load_documents(self.settings.seeds_dir)
        index, _ = index_seeds(self.settings, embeddings, documents=documents, on_progress=progress)  # type: ignore[arg-type]
        retriever = HybridRetriever.build(index, self.settings.top_k, self.settings.rrf_k)
        self.pipeline.use_corpus(retriever, {d.doc_id: d for d in documents})
        job.passages = passages_of(job.doc, retriever.passages)
