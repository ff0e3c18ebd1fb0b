"""The public benchmark (`bench/benchmark/`: SQuAD 2.0, XQuAD in Dutch and English, BoolQ;
see its README), answered by the product and by naive RAG in the same run, and scored alike.

Each corpus is a folder of ~10 articles with its questions beside it (`<corpus>.jsonl`);
`manifest.json` lists them with their half (tune or report) and language. An answerable
question is right when the answer holds one of its gold answers (SQuAD's normalisation:
case, punctuation and articles aside) or, for a yes/no question, starts with the gold
word; the product's answer must also cite a sentence that overlaps the gold answer's span.
An unanswerable question is right when refused.
"""

from __future__ import annotations

import json
import re
import string
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from rag.answer_format import is_refusal
from rag.baseline import naive_answer, naive_prompt
from rag.evaluation import score
from rag.lexicon import vocabulary
from rag.pipeline import AnswerResult, Pipeline, Token
from rag.settings import PROJECT_ROOT, Settings

BENCHMARK_DIR = PROJECT_ROOT / "bench" / "benchmark"
_ARTICLES = re.compile(r"\b(?:a|an|the|de|het|een)\b")
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th|de|ste|e)\b")
_YES = {"yes", "ja"}
_NO = {"no", "nee"}


@dataclass(frozen=True)
class Corpus:
    name: str
    split: str
    lang: str
    folder: Path
    questions: Path


def corpora(benchmark_dir: Path = BENCHMARK_DIR) -> list[Corpus]:
    manifest = json.loads((benchmark_dir / "manifest.json").read_text(encoding="utf-8"))
    # A corpus may read another's documents (`folder`): English questions over Dutch ones.
    return [
        Corpus(
            c["name"],
            c["split"],
            c["lang"],
            benchmark_dir / c.get("folder", c["name"]),
            benchmark_dir / f"{c['name']}.jsonl",
        )
        for c in manifest["corpora"]
    ]


def normalised(text: str) -> str:
    """SQuAD's normalisation (case, punctuation, articles), and a number written in words or
    as an ordinal is its digits ("four" and "4", "12th" and "12")."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if ch in string.punctuation or ch in "„“”‘’«»–—" else ch for ch in text)
    text = _ORDINAL.sub(r"\1", _ARTICLES.sub(" ", text))
    return " ".join(vocabulary().number_words.get(word, word) for word in text.split())


def says_gold(answer: str, record: dict) -> bool:
    """The answer gives a gold answer: for a yes/no question its first word, else one of the
    gold texts within it."""
    if is_refusal(answer):
        return False
    gold = [a for group in record.get("expect", []) for a in group]
    said = normalised(answer)
    if record.get("class") == "yesno":
        first = said.split()[:1]
        wanted = _YES if normalised(gold[0]) in _YES else _NO
        return bool(first) and first[0] in wanted
    padded = f" {said} "
    return any(normalised(g) and f" {normalised(g)} " in padded for g in gold)


def cites_gold(result: AnswerResult, record: dict) -> bool:
    """A citation of the question's document whose sentence (or passage) overlaps the span
    of the gold answer; a question without a span (yes/no) needs its document cited."""
    return _spans_hold_gold(
        [
            (c.doc_id, *((c.sentence_start, c.sentence_end) if c.sentence else (c.start, c.end)))
            for c in result.citations
        ],
        record,
    )


def _spans_hold_gold(spans: list[tuple[str, int, int]], record: dict) -> bool:
    start, end = record.get("support_start"), record.get("support_end")
    return any(
        doc == record["doc"] and (start is None or (low < end and start < high)) for doc, low, high in spans
    )


def _product(pipeline: Pipeline, record: dict) -> tuple[AnswerResult, bool]:
    """The product's answer, and whether what streamed differs from it (text withdrawn)."""
    shown, result = "", None
    for event in pipeline.stream(record["question"]):
        if isinstance(event, Token):
            shown += event.text
        elif isinstance(event, AnswerResult):
            result = event
    assert result is not None
    return result, bool(shown.strip()) and shown.strip() != result.answer.strip()


def answer_corpus(
    pipeline: Pipeline, corpus: Corpus, records: list[dict], naive: bool = True
) -> Iterator[dict]:
    """Each question answered by the product and (`naive`) by naive RAG over the same
    retriever and model: one row each, with everything the tables and calibration read."""
    prompt = naive_prompt(pipeline.settings.prompts_dir, pipeline.prompting.refusal())
    for record in records:
        if naive:
            # Both read their prompt from the same model state (another prompt's): the
            # prompts are the same word for word, and a start llama.cpp kept read from the
            # question before is read in other batches, whose rounding parts greedy decoding
            # on a near tie (1 draft in 10 differed). The same draft then goes to both, and
            # the comparison measures what the product adds to it.
            pipeline.warm_up()
        result, withdrawn = _product(pipeline, record)
        scored = score(record, result, pipeline.documents, withdrawn)
        row = {
            "id": record["id"],
            "corpus": corpus.name,
            "split": corpus.split,
            "lang": record["lang"],
            "class": record.get("class", ""),
            "title": record.get("title", ""),
            "unanswerable": bool(record.get("unanswerable")),
            "expect": record.get("expect"),
            "product": {
                "answer": result.answer,
                "refused": result.refused,
                "draft": result.draft,
                "reason": result.reason,
                "evidence": result.evidence,
                "citations": [
                    [c.doc_id, c.start, c.end, c.sentence_start, c.sentence_end] for c in result.citations
                ],
                "signals": result.signals,
                "language_ok": scored.language_ok,
                "unsupported": scored.unsupported,
                "withdrawn": withdrawn,
                "first_token_ms": result.timings.get("first_token_ms", 0.0),
                "total_ms": result.timings.get("total_ms", 0.0),
            },
        }
        if naive:
            # Another prompt first again: the product's, found whole in llama.cpp's cache,
            # would give naive RAG its first token for nothing.
            pipeline.warm_up()
            baseline = naive_answer(pipeline.llm, pipeline.retriever, prompt, record["question"])
            row["naive"] = {
                "answer": baseline.answer,
                "refused": baseline.refused,
                "first_token_ms": baseline.first_token_ms,
                "total_ms": baseline.total_ms,
            }
        yield rescored(row, record)  # scored like a stored row


def corpus_pipelines(settings: Settings, index_dir: Path, calibration: bool) -> Callable[[Corpus], Pipeline]:
    """A pipeline for each corpus (an index of its own under `index_dir`), all sharing one
    model and one embedder, loaded once."""
    from rag.build import build_pipeline
    from rag.embedding import load_embedder
    from rag.evaluation import corpus_settings
    from rag.llm import load_llm

    base = settings.model_copy(update={"index_dir": index_dir})
    llm, embeddings = load_llm(base), load_embedder(base)
    return lambda corpus: build_pipeline(
        corpus_settings(base, corpus.folder), llm, embeddings, calibration=calibration
    )


def load_records(corpus: Corpus) -> list[dict]:
    return [
        json.loads(line) for line in corpus.questions.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def run(
    pipelines: Callable[[Corpus], Pipeline],
    chosen: list[Corpus],
    dump: Path,
    per_corpus: int | None = None,
    naive: bool = True,
    on_row=None,
    skip: frozenset[str] = frozenset(),
) -> list[dict]:
    """Answer the chosen corpora, writing each row to `dump` as it comes (a long run that
    stops keeps what it did); questions whose id is in `skip` (answered in another run) are
    left out."""
    rows = []
    dump.parent.mkdir(parents=True, exist_ok=True)
    with dump.open("w", encoding="utf-8") as out:
        for corpus in chosen:
            started = time.perf_counter()
            records = [r for r in load_records(corpus) if r["id"] not in skip]
            if per_corpus:
                records = spread(records, per_corpus)
            pipeline = pipelines(corpus)
            for row in answer_corpus(pipeline, corpus, records, naive):
                rows.append(row)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                if on_row:
                    on_row(row)
            print(
                f"{corpus.name}: {len(records)} questions in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    return rows


def spread(records: list[dict], count: int) -> list[dict]:
    """`count` questions spread evenly over the file (its documents and kinds in turn)."""
    if count >= len(records):
        return records
    step = len(records) / count
    return [records[int(i * step)] for i in range(count)]


def read_dump(path: Path, benchmark_dir: Path = BENCHMARK_DIR) -> list[dict]:
    """A run's rows, scored again with the present scorer."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = {r["id"]: r for c in corpora(benchmark_dir) if c.questions.is_file() for r in load_records(c)}
    return [rescored(row, records[row["id"]]) if row["id"] in records else row for row in rows]


def rescored(row: dict, record: dict) -> dict:
    """The row's answers scored (again, for a run of an older scorer). Rows without their
    citations count as cited where the evidence sentence holds the gold answer."""
    product, unanswerable = dict(row["product"]), row["unanswerable"]

    def cited() -> bool:
        if "citations" not in product:
            return normalised(record.get("support") or "") in normalised(product.get("evidence", ""))
        spans = [
            (doc, *((low, high) if high > low else (start, end)))
            for doc, start, end, low, high in product["citations"]
        ]
        return _spans_hold_gold(spans, record)

    answered = not product["refused"] and says_gold(product["answer"], record)
    drafted = bool(product.get("draft")) and says_gold(product["draft"], record)
    product["right"] = product["refused"] if unanswerable else answered
    product["cited"] = not unanswerable and answered and cited()
    product["draft_right"] = not unanswerable and drafted
    row = {**row, "product": product}
    if "naive" in row:
        naive = dict(row["naive"])
        naive["right"] = (
            naive["refused"] if unanswerable else not naive["refused"] and says_gold(naive["answer"], record)
        )
        row["naive"] = naive
    return row


def table(rows: list[dict]) -> str:
    """Product beside naive RAG, per half and language, and in all."""
    # "words alone": the answerable right by the measure naive RAG is scored by (a gold
    # answer in the reply), the gold sentence cited or not.
    columns = [("product: answerable right+cited", 31), ("(words alone)", 15), ("unanswerable refused", 21)]
    product = " ".join(f"{name:>{width}}" for name, width in [*columns, ("overall", 14)])
    naive = f"{'naive: answerable right':>24} {'unanswerable refused':>21} {'overall':>14}"
    lines = [f"{'half':<7}{'lang':<5}{'n':>5} | {product} | {naive}"]
    groups = sorted({(r["split"], r["lang"]) for r in rows})
    for split, lang in [*groups, *((s, "all") for s in sorted({r["split"] for r in rows}))]:
        part = [r for r in rows if r["split"] == split and lang in ("all", r["lang"])]
        lines.append(f"{split:<7}{lang:<5}{len(part):>5} | {_figures(part)}")
    return "\n".join(lines)


def kinds_table(rows: list[dict]) -> str:
    """The same figures, questions in their documents' language apart from English questions
    over Dutch documents (the `-xl-` corpora)."""
    own = [r for r in rows if "-xl-" not in r["corpus"]]
    across = [r for r in rows if "-xl-" in r["corpus"]]
    return "\n\n".join(
        f"{title}:\n{table(part)}"
        for title, part in [
            ("Questions over documents in their own language", own),
            ("English questions over Dutch documents", across),
        ]
        if part
    )


def _share(hits: int, of: int) -> str:
    return f"{hits}/{of} ({100 * hits / of:.1f}%)" if of else "-"


def _figures(part: list[dict]) -> str:
    answerable = [r for r in part if not r["unanswerable"]]
    unanswerable = [r for r in part if r["unanswerable"]]
    p_ans = sum(r["product"]["cited"] for r in answerable)
    p_words = sum(r["product"]["right"] for r in answerable)
    p_un = sum(r["product"]["right"] for r in unanswerable)
    cells = [
        f"{_share(p_ans, len(answerable)):>31}",
        f"{_share(p_words, len(answerable)):>15}",
        f"{_share(p_un, len(unanswerable)):>21}",
    ]
    cells.append(f"{_share(p_ans + p_un, len(part)):>14} |")
    if all("naive" in r for r in part):
        n_ans = sum(r["naive"]["right"] for r in answerable)
        n_un = sum(r["naive"]["right"] for r in unanswerable)
        cells += [
            f"{_share(n_ans, len(answerable)):>24}",
            f"{_share(n_un, len(unanswerable)):>21}",
            f"{_share(n_ans + n_un, len(part)):>14}",
        ]
    return " ".join(cells)


def as_dict(corpus: Corpus) -> dict:
    return {k: str(v) for k, v in asdict(corpus).items()}
