"""Derive the public benchmark under bench/benchmark/ from raw XQuAD, SQuAD 2.0 and BoolQ files.

    python bench/build_benchmark.py --raw DIR

DIR holds the raw files named in SOURCES (bench/benchmark/README.md says where each comes from);
they are checked against their SHA-256 and never copied. Standard library only, deterministic (the
same raw files give byte-identical output), and it writes nothing outside bench/benchmark/, whose
corpora, question files, manifest and README it rewrites on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "benchmark"

XQUAD_LICENCE = "CC BY-SA 4.0 (the repository's README, section License, and its CC-BY-SA4.0.txt)"
SOURCES: dict[str, dict[str, str]] = {
    "xquad.nl.json": {
        "what": "XQuAD, Dutch",
        "repo": "alexandrainst/xquad",
        "path": "xquad.nl.json",
        "commit": "de693345ef4f8617d4008b20ef77fa2ca940c51d",
        "sha256": "27a98f8de9a16203029758ff37c9386e2780c574c0648ad5332cee406acfb607",
        "licence": XQUAD_LICENCE,
    },
    "xquad.en.json": {
        "what": "XQuAD, English",
        "repo": "alexandrainst/xquad",
        "path": "xquad.en.json",
        "commit": "de693345ef4f8617d4008b20ef77fa2ca940c51d",
        "sha256": "e4c57d1c9143aaa1c5d265ba5987a65f4e69528d2a98f29d6e75019b10344f29",
        "licence": XQUAD_LICENCE,
    },
    "dev-v2.0.json": {
        "what": "SQuAD 2.0 dev (this repository's copy holds 16 of the official dev set's 35 articles)",
        "repo": "chrischute/squad",
        "path": "data/dev-v2.0.json",
        "commit": "85623adeb9e6639f145081fea9cae2d8f3a26379",
        "sha256": "e67e5969b6dc6c1642154740806b79263b77fc048c7c11ee60d534eb48ef81e8",
        "licence": "CC BY-SA 4.0 (SQuAD 2.0; the repository's MIT licence covers its code)",
    },
    "boolq-dev.jsonl": {
        "what": "BoolQ dev, the original dev.jsonl (3,270 lines), saved as boolq-dev.jsonl",
        "repo": "ChrisDBaldwin/TruthByte",
        "path": "data/dev.jsonl",
        "commit": "da55d49d710b32a924bf35af0c20fec5e7560a7d",
        "sha256": "ebc29ea3808c5c611672384b3de56e83349fe38fc1fe876fd29b674d81d0a80a",
        "licence": "CC BY-SA 3.0 (BoolQ, google-research-datasets/boolean-questions; "
        "the repository's MIT licence covers its code)",
    },
}

# Articles kept out of the benchmark in every form (titles compared by norm_title).
RESERVED = (
    "Normans",
    "Rhine",
    "Huguenot",
    "Warsaw",
    "Steam engine",
    "Immune system",
    "Genghis Khan",
    "Black Death",
    "Oxygen",
)
# Words whose mere mention in a kept text is counted and warned about, not refused.
MENTIONS = (
    "Norman",
    "Rhine",
    "Huguenot",
    "Warsaw",
    "steam engine",
    "immune system",
    "Genghis",
    "Black Death",
    "Oxygen",
    # the Dutch names of the same articles
    "Normandiër",
    "Rijn",
    "Hugeno",
    "Warschau",
    "stoommachine",
    "immuunsysteem",
    "Zwarte Dood",
    "zuurstof",
)

HALVES = ("tune", "report")
ANSWERABLE_PER_DOC = 7
LEFT_OUT_EN = 3
LEFT_OUT_NL = 5  # 3, plus 2 in place of the SQuAD 2.0 questions the English documents get
SQUAD2_PER_DOC = 2
DOCS_PER_CORPUS = 10
BOOLQ_PER_HALF = 20


def norm_title(title: str) -> str:
    """A title compared case-insensitively, with underscores as spaces."""
    return " ".join(title.replace("_", " ").split()).casefold()


RESERVED_KEYS = frozenset(norm_title(t) for t in RESERVED)


def squash(text: str) -> str:
    """Collapse runs of whitespace (SQuAD 2.0 contexts are matched to XQuAD's this way)."""
    return " ".join(text.split())


def slugify(title: str) -> str:
    """The title lowercased, every run of non-alphanumerics one '-'."""
    return re.sub(r"[^a-z0-9]+", "-", title.replace("_", " ").lower()).strip("-")


def stable_int(text: str) -> int:
    """A hash of `text` that is the same on every run and machine (unlike hash())."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def mentions(text: str) -> list[str]:
    low = text.casefold()
    return [m for m in MENTIONS if m.casefold() in low]


def locate(body: str, text: str, start: int) -> tuple[int, str] | None:
    """Where `text` stands in `body`: at `start` if it is there, else the exact match nearest to
    `start`, else the case-insensitive match nearest to it (returned as written in `body`); None
    if absent. (Translated paragraphs often have answer_start off by the translation.)"""
    if 0 <= start and body[start : start + len(text)] == text:
        return start, text
    for hay, needle in ((body, text), (body.lower(), text.lower())):
        if len(hay) != len(body):
            continue
        hits = [m.start() for m in re.finditer(re.escape(needle), hay)]
        if hits:
            at = min(hits, key=lambda h: (abs(h - start), h))
            return at, body[at : at + len(text)]
    return None


@dataclass
class Para:
    """A kept paragraph as it stands in its document."""

    body: str  # the stripped context
    offset: int  # where body starts in the document text
    lead: int  # characters stripped from the front of the context
    qas: dict[str, dict[str, Any]]

    def support(self, qid: str) -> tuple[str, int] | None:
        """The first gold answer as written in the document and its offset there."""
        first = self.qas[qid]["answers"][0]
        text = first["text"].strip()
        if not text:
            return None
        start = first["answer_start"] + first["text"].index(text) - self.lead
        found = locate(self.body, text, start)
        return None if found is None else (found[1], self.offset + found[0])


@dataclass
class Doc:
    file: str
    lang: str
    title: str  # the English article title: the same for both languages
    text: str
    questions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Article:
    title: str
    docs: dict[str, Doc]
    squad2_paragraphs: int  # kept English paragraphs that are also SQuAD 2.0 dev paragraphs
    squad2_impossible: int  # impossible SQuAD 2.0 questions on those paragraphs


def build_document(head: str, file: str, lang: str, title: str, paragraphs: list[dict[str, Any]]):
    """The document text (title line, then the paragraphs) and where each paragraph landed."""
    parts = [head]
    offset = len(head) + 2
    placed: dict[str, Para] = {}
    for para in paragraphs:
        context = para["context"]
        body = context.strip()
        p = Para(body, offset, len(context) - len(context.lstrip()), {q["id"]: q for q in para["qas"]})
        placed.update(dict.fromkeys(p.qas, p))
        parts.append(body)
        offset += len(body) + 2
    return Doc(file, lang, title, "\n\n".join(parts) + "\n"), placed


def build_article(en: dict[str, Any], nl: dict[str, Any], squad2: dict[str, list[dict[str, Any]]]) -> Article:
    """One XQuAD article's English and Dutch documents, each without the same left-out paragraph,
    and their questions."""
    title = en["title"].replace("_", " ")
    paras = {"en": en["paragraphs"], "nl": nl["paragraphs"]}
    n = len(paras["en"])
    assert n == len(paras["nl"]), title
    for pe, pn in zip(paras["en"], paras["nl"], strict=True):
        assert [q["id"] for q in pe["qas"]] == [q["id"] for q in pn["qas"]], f"ids differ in {title}"
    left_out = stable_int(en["title"]) % n
    kept = [i for i in range(n) if i != left_out]
    heads = {"en": title, "nl": " ".join(nl["title"].replace("_", " ").split())}
    slug = slugify(title)

    docs: dict[str, Doc] = {}
    placed: dict[str, dict[str, Para]] = {}
    for lang in ("en", "nl"):
        docs[lang], placed[lang] = build_document(
            heads[lang], f"{slug}.{lang}.txt", lang, title, [paras[lang][i] for i in kept]
        )

    # Answerable: sampled from the kept paragraphs' questions whose answer both documents hold, so
    # the Dutch and English documents ask the same questions.
    usable = [
        qa["id"]
        for i in kept
        for qa in paras["en"][i]["qas"]
        if placed["en"][qa["id"]].support(qa["id"]) and placed["nl"][qa["id"]].support(qa["id"])
    ]
    chosen = set(random.Random(en["title"]).sample(usable, min(ANSWERABLE_PER_DOC, len(usable))))
    left_ids = [qa["id"] for qa in paras["en"][left_out]["qas"]]
    random.Random(en["title"] + ":left-out").shuffle(left_ids)

    for lang, doc in docs.items():
        for qid in (q for q in usable if q in chosen):
            qa = placed[lang][qid].qas[qid]
            support = placed[lang][qid].support(qid)
            assert support is not None
            text, start = support
            golds = list(dict.fromkeys(a["text"].strip() for a in qa["answers"] if a["text"].strip()))
            doc.questions.append(
                {
                    "source": f"xquad.{lang}",
                    "source_id": qid,
                    "question": qa["question"].strip(),
                    "class": "fact",
                    "expect": [golds],
                    "support": text,
                    "support_start": start,
                    "support_end": start + len(text),
                }
            )
        left_qas = {qa["id"]: qa for qa in paras[lang][left_out]["qas"]}
        for qid in left_ids[: LEFT_OUT_EN if lang == "en" else LEFT_OUT_NL]:
            doc.questions.append(
                {
                    "source": f"xquad.{lang}",
                    "source_id": qid,
                    "question": left_qas[qid]["question"].strip(),
                    "class": "unanswerable",
                    "unanswerable": True,
                    "why": "paragraph left out",
                }
            )

    matched = [
        squad2[squash(paras["en"][i]["context"])] for i in kept if squash(paras["en"][i]["context"]) in squad2
    ]
    impossible = [q for qas in matched for q in qas if q.get("is_impossible")]
    picked = random.Random(en["title"] + ":squad2").sample(impossible, min(SQUAD2_PER_DOC, len(impossible)))
    for q in sorted(picked, key=impossible.index):
        docs["en"].questions.append(
            {
                "source": "squad2",
                "source_id": q["id"],
                "question": q["question"].strip(),
                "class": "unanswerable",
                "unanswerable": True,
                "why": "impossible",
            }
        )
    return Article(title, docs, len(matched), len(impossible))


def boolq_docs(path: Path, taken_slugs: set[str]) -> dict[str, list[Doc]]:
    """20 BoolQ dev passages a half (10 'yes', 10 'no'), none touching a reserved article."""
    rows = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        text = " ".join((row["title"], row["question"], row["passage"]))
        if norm_title(row["title"]) in RESERVED_KEYS or mentions(text):
            continue
        rows.append((stable_int(row["question"] + "\n" + row["passage"]), line_no, row))
    rows.sort(key=lambda r: (r[0], r[1]))
    picked: dict[bool, list[tuple[int, dict[str, Any]]]] = {True: [], False: []}
    for _, line_no, row in rows:
        slug = slugify(row["title"])
        if not slug or slug in taken_slugs or len(picked[row["answer"]]) >= BOOLQ_PER_HALF:
            continue
        taken_slugs.add(slug)
        picked[row["answer"]].append((line_no, row))
    assert all(len(v) == BOOLQ_PER_HALF for v in picked.values()), "too few BoolQ passages"
    half_n = BOOLQ_PER_HALF // 2
    out: dict[str, list[Doc]] = {}
    for h, half in enumerate(HALVES):
        docs = []
        for answer in (True, False):
            for line_no, row in picked[answer][h * half_n : (h + 1) * half_n]:
                title = " ".join(row["title"].split())
                doc = Doc(f"{slugify(title)}.en.txt", "en", title, f"{title}\n\n{row['passage'].strip()}\n")
                doc.questions.append(
                    {
                        "source": "boolq",
                        "source_id": f"dev.jsonl:{line_no}",
                        "question": row["question"].strip(),
                        "class": "yesno",
                        "expect": [["yes" if answer else "no"]],
                        "support": None,
                    }
                )
                docs.append(doc)
        out[half] = docs
    return out


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    """`items` in order, cut into the fewest groups of at most `size`, as even as possible."""
    k = max(1, -(-len(items) // size))
    return [items[i * len(items) // k : (i + 1) * len(items) // k] for i in range(k)]


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(text)


def read_text(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as f:
        return f.read()


def jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def clear_output() -> None:
    """Remove what an earlier run wrote (only the names this script writes)."""
    if not OUT.is_dir():
        return
    for child in sorted(OUT.iterdir()):
        if re.fullmatch(r"(tune|report)-[a-z0-9-]+", child.name) and child.is_dir():
            shutil.rmtree(child)
        elif re.fullmatch(r"(tune|report)-[a-z0-9-]+\.jsonl", child.name) or child.name == "manifest.json":
            child.unlink()


def count_table(corpora: list[dict[str, Any]]) -> list[str]:
    """Markdown rows: per half and language, documents, questions by class and characters."""
    lines = [
        "| half | lang | documents | answerable | unanswerable | yes/no | questions | characters |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for half in HALVES:
        total = [0] * 6
        for lang in ("nl", "en"):
            cs = [c for c in corpora if c["split"] == half and c["lang"] == lang]
            row = [
                sum(c["documents"] for c in cs),
                sum(c["questions"]["fact"] for c in cs),
                sum(c["questions"]["unanswerable"] for c in cs),
                sum(c["questions"]["yesno"] for c in cs),
                sum(c["questions"]["total"] for c in cs),
                sum(c["characters"] for c in cs),
            ]
            total = [a + b for a, b in zip(total, row, strict=True)]
            lines.append(f"| {half} | {lang} | " + " | ".join(f"{v:,}" for v in row) + " |")
        lines.append(f"| **{half}** | all | " + " | ".join(f"**{v:,}**" for v in total) + " |")
    return lines


def readme(table: list[str], stats: dict[str, Any]) -> str:
    sources = "\n".join(
        f"| `{name}` | {s['what']} | [{s['repo']}](https://github.com/{s['repo']}) | `{s['path']}` "
        f"| `{s['commit']}` | {s['licence']} |"
        for name, s in SOURCES.items()
    )
    checksums = "\n".join(f"    {s['sha256']}  {name}" for name, s in SOURCES.items())
    reserved = ", ".join(RESERVED)
    return f"""# Public benchmark: XQuAD (nl, en), SQuAD 2.0 and BoolQ

Derived by `bench/build_benchmark.py` from public question-answering sets; every file in this
folder is written by that script. Regenerate (byte-identical output) with

    python bench/build_benchmark.py --raw DIR

where DIR holds the raw files below under the names in the first column (the script checks
their SHA-256 and refuses others). The raw files are not committed.

## Sources

| file in DIR | what | repository | path | commit | licence |
|---|---|---|---|---|---|
{sources}

SHA-256 of the raw files:

{checksums}

The derived files carry the same licences: the XQuAD and SQuAD 2.0 material is CC BY-SA 4.0
(XQuAD: Artetxe, Ruder & Yogatama 2019; SQuAD: Rajpurkar et al. 2016, 2018), the BoolQ material
CC BY-SA 3.0 (Clark et al. 2019). The Dutch XQuAD file is the alexandrainst fork's addition; its
README does not say how it was translated. In it {stats["nl_missing"]} of 1,190 gold answers do not
occur in their own paragraph, even ignoring case (the answer was translated apart from the text),
so only questions whose answer stands in both the Dutch and the English paragraph are asked as
answerable; where a Dutch answer_start is off, the support is the occurrence nearest to it.

## Reserved articles

{reserved} are excluded in every form: no document, paragraph or question comes from them (not
from XQuAD, SQuAD 2.0 or BoolQ, whose passages mentioning them are dropped too). The script
asserts this at the end. A kept text may still mention one of those words in passing
({stats["mention_docs"]} documents and {stats["mention_questions"]} questions do); that is
allowed.

## Layout

- `<corpus>/` holds the corpus's documents and nothing else: `<slug>.<lang>.txt`, the title on
  the first line, a blank line, then the paragraphs separated by blank lines.
- `<corpus>.jsonl` holds its questions, one JSON object a line: `id` (`<corpus>-<n>`), `source`
  (`xquad.nl`, `xquad.en`, `squad2`, `boolq`), `source_id` (the XQuAD/SQuAD question id, shared by
  the Dutch and English versions of a question; `dev.jsonl:<line>` for BoolQ), `lang`, `question`,
  `split`, `class` (`fact`, `yesno`, `unanswerable`), `doc` (file name in the corpus), `title`
  (the English article title, also for Dutch documents, whose first line is the Dutch title).
  Answerable questions add `expect` (one group: the distinct gold answers) and `support`, the
  first gold answer as it stands in the document, with `support_start`/`support_end`, character
  offsets into the document file's text (`text[start:end] == support`, checked for every
  question); BoolQ questions have `expect` `[["yes"]]` or `[["no"]]` and `support` null.
  Unanswerable ones add `"unanswerable": true` and `why`: `paragraph left out` or `impossible`.
- `manifest.json` lists the corpora with their half, language, documents and question counts.

## How it is cut

- **Articles.** The {stats["articles"]} XQuAD articles left after the reserved ones, sorted by
  English title, go alternately to the `tune` and `report` halves; an article's Dutch and
  English documents are always in the same half, and in corpora with the same number
  (`tune-nl-1` and `tune-en-1` hold the same articles). Each half and language is cut in order
  into corpora of at most {DOCS_PER_CORPUS} documents.
- **Left-out paragraph.** Each XQuAD article has 5 paragraphs; the one at index
  `sha256(title) % 5` (the raw title, first 8 bytes of the digest, big-endian) is left out of both
  its documents. Its questions are the `paragraph left out` unanswerable ones (the same
  questions in both languages). Another paragraph may still touch on what one of them asks.
- **Questions per document.** Up to {ANSWERABLE_PER_DOC} answerable questions, drawn with
  `random.Random(title)` from the kept paragraphs' questions whose answer both documents hold
  (the same questions in Dutch and English); up to {LEFT_OUT_EN} questions of the left-out
  paragraph (`random.Random(title + ":left-out")`); English documents add up to
  {SQUAD2_PER_DOC} SQuAD 2.0 `is_impossible` questions asked on one of their kept paragraphs
  (contexts matched after collapsing whitespace; `random.Random(title + ":squad2")`), Dutch
  documents instead {LEFT_OUT_NL - LEFT_OUT_EN} more left-out-paragraph questions.
- **SQuAD 2.0 match.** {stats["squad2_paragraphs"]} kept English paragraphs (of
  {stats["articles"]} articles) are SQuAD 2.0 dev paragraphs, carrying
  {stats["squad2_impossible"]} impossible questions; {stats["squad2_used"]} are used. The copy
  used holds only 16 of the official dev set's 35 articles and renames the question ids, so
  `source_id` for `squad2` questions is that copy's id.
- **BoolQ.** Dev passages whose title is reserved or whose title, question or passage mentions a
  word in the mentions list are dropped; the rest are ordered by `sha256(question + "\\n" +
  passage)`, one passage per title, and the first {BOOLQ_PER_HALF} 'yes' and
  {BOOLQ_PER_HALF} 'no' taken: the first half of each to `tune`, the rest to `report`, 10
  documents (5 yes, 5 no) per corpus `<half>-yesno-en-<n>`. Questions are kept as written
  (lower case, no question mark).

## Counts

{chr(10).join(table)}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder with the raw files in SOURCES")
    args = parser.parse_args(argv)

    for name, source in SOURCES.items():
        path = args.raw / name
        if not path.is_file():
            parser.error(f"missing {path}: {source['repo']} {source['path']} at {source['commit']}")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != source["sha256"]:
            parser.error(f"{path} has SHA-256 {digest}, expected {source['sha256']}")

    en_data = json.loads((args.raw / "xquad.en.json").read_text(encoding="utf-8"))["data"]
    nl_data = json.loads((args.raw / "xquad.nl.json").read_text(encoding="utf-8"))["data"]
    squad = json.loads((args.raw / "dev-v2.0.json").read_text(encoding="utf-8"))["data"]
    assert len(en_data) == len(nl_data)

    squad2: dict[str, list[dict[str, Any]]] = {}
    reserved_ids: set[str] = set()
    reserved_questions: set[str] = set()
    reserved_paragraphs: list[str] = []
    for art in squad:
        for para in art["paragraphs"]:
            if norm_title(art["title"]) in RESERVED_KEYS:
                reserved_ids.update(q["id"] for q in para["qas"])
                reserved_questions.update(squash(q["question"]).casefold() for q in para["qas"])
                reserved_paragraphs.append(squash(para["context"]))
            else:
                squad2.setdefault(squash(para["context"]), []).extend(para["qas"])

    articles: list[Article] = []
    nl_missing = 0
    for en, nl in zip(en_data, nl_data, strict=True):
        for para in nl["paragraphs"]:
            for qa in para["qas"]:
                a = qa["answers"][0]
                nl_missing += a["text"].strip().lower() not in para["context"].lower()
        if norm_title(en["title"]) in RESERVED_KEYS:
            for data in (en, nl):
                for para in data["paragraphs"]:
                    reserved_ids.update(q["id"] for q in para["qas"])
                    reserved_questions.update(squash(q["question"]).casefold() for q in para["qas"])
                    reserved_paragraphs.append(squash(para["context"]))
            continue
        articles.append(build_article(en, nl, squad2))
    articles.sort(key=lambda a: (norm_title(a.title), a.title))
    assert len({slugify(a.title) for a in articles}) == len(articles)

    groups: dict[str, list[Doc]] = {}
    for h, half in enumerate(HALVES):
        mine = [a for i, a in enumerate(articles) if i % 2 == h]
        for lang in ("nl", "en"):
            for j, part in enumerate(chunks(mine, DOCS_PER_CORPUS), 1):
                groups[f"{half}-{lang}-{j}"] = [a.docs[lang] for a in part]
    taken = {slugify(a.title) for a in articles}
    for half, docs in boolq_docs(args.raw / "boolq-dev.jsonl", taken).items():
        for j, part in enumerate(chunks(docs, DOCS_PER_CORPUS), 1):
            groups[f"{half}-yesno-en-{j}"] = part

    clear_output()
    corpora: list[dict[str, Any]] = []
    all_rows: list[tuple[dict[str, Any], str]] = []
    for name in sorted(groups, key=lambda g: (HALVES.index(g.split("-")[0]), g)):
        half = name.split("-")[0]
        docs = sorted(groups[name], key=lambda d: d.file)
        assert len({d.file for d in docs}) == len(docs), name
        rows = []
        for doc in docs:
            write_text(OUT / name / doc.file, doc.text)
            for q in doc.questions:
                row = {
                    "id": f"{name}-{len(rows) + 1}",
                    "source": q["source"],
                    "source_id": q["source_id"],
                    "lang": doc.lang,
                    "question": q["question"],
                    "split": half,
                    "class": q["class"],
                    "doc": doc.file,
                    "title": doc.title,
                }
                row.update({k: v for k, v in q.items() if k not in row})
                rows.append(row)
        write_text(OUT / f"{name}.jsonl", jsonl(rows))
        counts = {c: sum(r["class"] == c for r in rows) for c in ("fact", "yesno", "unanswerable")}
        corpora.append(
            {
                "name": name,
                "split": half,
                "lang": docs[0].lang,
                "documents": len(docs),
                "characters": sum(len(d.text) for d in docs),
                "questions": {**counts, "total": len(rows)},
                "questions_file": f"{name}.jsonl",
            }
        )
        all_rows.extend((r, read_text(OUT / name / r["doc"])) for r in rows)

    # Every offset holds against the files as written; nothing comes from a reserved article.
    mention_docs = 0
    for c in corpora:
        for path in sorted((OUT / c["name"]).iterdir()):
            text = squash(read_text(path))
            assert not any(p in text for p in reserved_paragraphs), f"reserved paragraph in {path}"
            mention_docs += bool(mentions(text))
    mention_questions = 0
    for row, text in all_rows:
        assert norm_title(row["title"]) not in RESERVED_KEYS, row["id"]
        assert row["source_id"] not in reserved_ids, row["id"]
        assert squash(row["question"]).casefold() not in reserved_questions, row["id"]
        mention_questions += bool(mentions(row["question"]))
        if row.get("support") is not None:
            s, e = row["support_start"], row["support_end"]
            assert text[s:e] == row["support"], row["id"]
    for path in sorted(OUT.glob("*/*.txt")):
        first = read_text(path).split("\n", 1)[0]
        assert norm_title(first) not in RESERVED_KEYS, path

    table = count_table(corpora)
    stats = {
        "articles": len(articles),
        "nl_missing": nl_missing,
        "mention_docs": mention_docs,
        "mention_questions": mention_questions,
        "squad2_paragraphs": sum(a.squad2_paragraphs for a in articles),
        "squad2_impossible": sum(a.squad2_impossible for a in articles),
        "squad2_used": sum(r["source"] == "squad2" for r, _ in all_rows),
    }
    manifest = {
        "generator": "bench/build_benchmark.py",
        "sources": {name: {k: v for k, v in s.items() if k != "what"} for name, s in SOURCES.items()},
        "reserved": list(RESERVED),
        "corpora": corpora,
    }
    write_text(OUT / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    write_text(OUT / "README.md", readme(table, stats))

    print("\n".join(table))
    print(json.dumps(stats))
    if mention_docs or mention_questions:
        print(
            f"warning: {mention_docs} documents and {mention_questions} questions mention a reserved "
            "article's name in passing (none is derived from one)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
