"""Documents: the seeds' text, read once. Offsets everywhere refer to `Document.text`.

Plain text and Markdown are taken as they are; HTML and PDF are reduced to their text
(BeautifulSoup, pypdf), and that extracted text is what offsets and the API refer to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rag.errors import InputError

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
    return Document(doc_id=path.name, text=text)


def load_documents(seeds_dir: Path) -> list[Document]:
    """Every supported file in `seeds_dir`, sorted by name for a stable order."""
    if not seeds_dir.is_dir():
        return []
    paths = sorted(p for p in seeds_dir.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    for path in paths:
        refuse_link(path)
    return [read_document(path) for path in paths if path.is_file()]


def refuse_link(path: Path) -> None:
    """A symbolic link could point anywhere (/etc/passwd): documents are real files only."""
    if path.is_symlink():
        raise InputError(f"{path.name} is a symbolic link; copy the file itself instead.")
