"""Chunking: documents -> passages with exact character offsets (pure functions).

Invariant: `document.text[p.start:p.end] == p.text` for every passage, and the passages,
in order, cover every sentence of the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.documents import Document


@dataclass(frozen=True)
class Passage:
    doc_id: str
    start: int
    end: int
    text: str

    @property
    def passage_id(self) -> str:
        # Stable: derived from the document and offsets only.
        return f"{self.doc_id}:{self.start}-{self.end}"


# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) when
# whitespace and an upper-case letter, digit or opening quote follow; abbreviations
# common in Dutch and English news text don't end one.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-ZÀ-Ý0-9])")
_ABBREVIATIONS = frozenset(
    "bijv bv dhr mevr mr mrs ms dr drs ir prof o.a m.a.w d.w.z e.g i.e etc vs nr inc ltd st jr".split()
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A list item or a table row starts a sentence of its own, on its own line: "- twee
# tabletten", "2. Los één tablet op", "| Vermogen | 1450 W |".
_LINE_ITEM = re.compile(r"\n(?=[ \t]*(?:[-*•+][ \t]|\d{1,3}[.)][ \t]|\|))")
# So is a Markdown heading, also where no blank line sets it apart ("## Kop\nTekst.").
_HEADING_LINE = re.compile(r"^[ \t]*#{1,6}[ \t][^\n]*", re.MULTILINE)
# A list item's own number ("2.") ends no sentence; a table's rule row ("|---|:--|") is none.
_ITEM_NUMBER = re.compile(r"\s*\d{1,3}[.)]")
_TABLE_RULE = re.compile(r"\|?[\s:|-]*-[\s:|-]*")


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; paragraph breaks and line-only headings end one too,
    and each list item and table row is one or more sentences of its own."""
    spans: list[tuple[int, int]] = []
    block_start = 0
    breaks = [m.start() for m in (*_PARAGRAPH_BREAK.finditer(text), *_LINE_ITEM.finditer(text))]
    breaks += [edge for m in _HEADING_LINE.finditer(text) for edge in m.span()]
    for block_end in sorted({*breaks, len(text)}):
        sentence_start = block_start
        for match in _SENTENCE_END.finditer(text, block_start, block_end):
            word = text[sentence_start : match.start()].rsplit(None, 1)[-1:] or [""]
            item_number = _ITEM_NUMBER.fullmatch(text[sentence_start : match.end()])
            if word[0].lower().rstrip(".") in _ABBREVIATIONS or item_number:
                continue
            span = _trimmed(text, sentence_start, match.end())
            if span:
                spans.append(span)
            sentence_start = match.end()
        span = _trimmed(text, sentence_start, block_end)
        if span and not _TABLE_RULE.fullmatch(text[span[0] : span[1]]):
            spans.append(span)
        block_start = block_end
    return spans


def _split_long(text: str, span: tuple[int, int], max_chars: int) -> list[tuple[int, int]]:
    """Cut a sentence longer than max_chars at whitespace (or hard, if it has none)."""
    start, end = span
    pieces = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars)
        cut = cut if cut > start else start + max_chars
        piece = _trimmed(text, start, cut)
        if piece:
            pieces.append(piece)
        start = cut
    last = _trimmed(text, start, end)
    if last:
        pieces.append(last)
    return pieces


def chunk_document(document: Document, max_chars: int, overlap_sentences: int = 0) -> list[Passage]:
    """Pack whole sentences into passages of at most `max_chars` characters.

    A passage never crosses a paragraph break: it ends where its paragraph ends. A
    heading (a paragraph of one line without closing punctuation) starts the passage of
    the paragraph below it, so it is never the tail of the section before.
    """
    text = document.text
    sentences = [piece for span in sentence_spans(text) for piece in _split_long(text, span, max_chars)]
    passages: list[Passage] = []
    group: list[tuple[int, int]] = []

    def flush() -> None:
        start, end = group[0][0], group[-1][1]
        passages.append(Passage(document.doc_id, start, end, text[start:end]))

    for sentence in sentences:
        if group:
            length = sentence[1] - group[0][0]
            new_paragraph = "\n" in text[group[-1][1] : sentence[0]]
            under_heading = len(group) == 1 and _is_heading(text, group[0])
            if length > max_chars or (new_paragraph and not under_heading):
                flush()
                kept = group[-overlap_sentences:] if overlap_sentences and not new_paragraph else []
                # Overlap only while it leaves room for the new sentence.
                group = [s for s in kept if sentence[1] - s[0] <= max_chars]
        group.append(sentence)
    if group:
        flush()
    return passages


def _is_heading(text: str, span: tuple[int, int]) -> bool:
    """A line of its own, short, without a sentence's closing punctuation ("## Verkeer",
    "Anthropic wil onafhankelijk opereren")."""
    start, end = span
    line = text[start:end]
    alone = (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")
    return (
        alone
        and "\n" not in line
        and len(line) <= 120
        and not line.rstrip().endswith((".", "!", "?", ":", ";"))
    )


def chunk_documents(documents: list[Document], max_chars: int, overlap_sentences: int = 0) -> list[Passage]:
    return [p for d in documents for p in chunk_document(d, max_chars, overlap_sentences)]
