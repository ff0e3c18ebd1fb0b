"""Documents: the seeds' text, read once. Offsets everywhere refer to `Document.text`.

Plain text and Markdown are taken as they are; HTML and PDF are reduced to their text
(BeautifulSoup, pypdf), and that extracted text is what offsets and the API refer to.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from rag.errors import InputError

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class Document:
    doc_id: str  # the file name, e.g. "amazon-anthropic.nl.txt"
    text: str


def html_text(markup: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup(["script", "style", "head", "noscript", "template"]):
        hidden.decompose()
    blocks = [line.strip() for line in soup.get_text("\n").splitlines()]
    # One blank line between blocks, so the chunker sees paragraphs.
    return "\n\n".join(block for block in blocks if block)


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    pages = [page.extract_text() or "" for page in PdfReader(path).pages]
    return "\n\n".join(page.strip() for page in pages if page.strip())


@dataclass(frozen=True)
class Skipped:
    """A file in seeds/ that is not served, and why (no server path in either)."""

    name: str
    reason: str


def read_document(path: Path) -> Document:
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            text = pdf_text(path)
        else:
            # newline="" keeps "\r\n" as two characters, so offsets match the file exactly.
            with path.open(encoding="utf-8", newline="") as handle:
                text = handle.read()
            if suffix in (".html", ".htm"):
                text = html_text(text)
    except Exception as error:  # unreadable file, bad encoding, broken PDF: all the same to a user
        raise InputError(f"Cannot read document {path.name}: {error}") from error
    if suffix != ".pdf" and "\x00" in text:  # valid UTF-8, but what a binary file decodes to
        raise InputError(f"{path.name} holds binary data, not text.")
    return Document(doc_id=path.name, text=text)


def load_documents(seeds_dir: Path) -> list[Document]:
    """Every readable supported file in `seeds_dir`, sorted by name for a stable order.

    A file that cannot be served (a symbolic link, a binary or non-UTF-8 text, a broken
    PDF) is skipped with a warning, never the reason the others go unserved: what was
    skipped, and why, stays on record for /healthz and GET /api/documents."""
    documents, skipped = [], []
    paths = (
        sorted(p for p in seeds_dir.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
        if seeds_dir.is_dir()
        else []
    )
    for path in paths:
        try:
            if path.is_symlink() or path.is_file():  # a folder named x.txt is no document
                refuse_link(path)
                documents.append(read_document(path))
        except InputError as error:
            log.warning("skipped %s: %s", path, error)
            skipped.append(Skipped(path.name, why_unreadable(error)))
    with _skipped_lock:
        _skipped[_key(seeds_dir)] = skipped
    return documents


def why_unreadable(error: InputError) -> str:
    """The reason a file was skipped, in words a user can act on and without the server's
    folders (an OSError's message names the full path)."""
    cause = error.__cause__
    if cause is None:  # our own refusal (a link), already in words
        return str(error)
    if isinstance(cause, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(cause, OSError):
        return f"cannot be read ({cause.strerror or type(cause).__name__})"
    return f"unreadable ({type(cause).__name__}: the file is damaged or not of its type)"


# What the last reading of each seeds folder skipped: the corpus being served was read by
# that call, wherever it was made (start-up, an upload's reindexing, `app.py index`).
_skipped: dict[Path, list[Skipped]] = {}
_skipped_lock = threading.Lock()


def _key(seeds_dir: Path) -> Path:
    return seeds_dir.resolve()


def skipped_files(seeds_dir: Path) -> list[Skipped]:
    """The files the last `load_documents(seeds_dir)` skipped (none when it never ran)."""
    with _skipped_lock:
        return list(_skipped.get(_key(seeds_dir), []))


def refuse_link(path: Path) -> None:
    """A symbolic link could point anywhere (/etc/passwd): documents are real files only."""
    if path.is_symlink():
        raise InputError(f"{path.name} is a symbolic link; copy the file itself instead.")
