"""Documents: the seeds' text, read once. Offsets everywhere refer to `Document.text`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class Document:
    doc_id: str  # the file name, e.g. "amazon-anthropic.nl.txt"
    text: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]


def read_document(path: Path) -> Document:
    # newline="" keeps "\r\n" as two characters, so offsets match the file exactly.
    with path.open(encoding="utf-8", newline="") as handle:
        return Document(doc_id=path.name, text=handle.read())


def load_documents(seeds_dir: Path) -> list[Document]:
    """Every supported file in `seeds_dir`, sorted by name for a stable order."""
    if not seeds_dir.is_dir():
        return []
    paths = sorted(p for p in seeds_dir.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    return [read_document(path) for path in paths]
