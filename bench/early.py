"""What showing the answer before it is whole would give: each recorded draft decided again on
each of its word prefixes by today's rules (evidence, hard check, learned decision, language),
as if its first words were to be shown while the model writes the rest.

    .venv/bin/python bench/early.py .cache/benchmark/tune-all-second-reading.jsonl
    .venv/bin/python bench/early.py .cache/benchmark/report-half-second-reading.jsonl

For each release rule (a prefix of at least W words, not the start of a refusal, that the
rules pass as written with P(right) >= C), two ways of showing early are counted:
- the answer's first words: how many drafts would show words early, how many of those the
  checks of the whole answer then refuse or change (taken back in front of the reader), and
  the tokens the first word comes earlier;
- the evidence sentence alone: how many drafts would show it early, how often the whole
  answer then rests on another sentence, or is refused.
The prefixes' decisions are kept beside the dump (`-prefixes.jsonl`) and read again next time.
The model is loaded for its tokenizer only (`bench/replay.py`).
"""

from __future__ import annotations

import json
import statistics
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from replay import pipelines_over, replay_settings, tokenizer_only  # noqa: E402

from rag.benchmark import read_dump  # noqa: E402
from rag.evidence import reading  # noqa: E402
from rag.language import detect_language  # noqa: E402
from rag.lexicon import vocabulary  # noqa: E402
from rag.llm import verify_llm  # noqa: E402
from rag.retrieval import retrieval_query  # noqa: E402

WORDS = (1, 2, 3, 4)
CHANCES = (0.12, 0.3, 0.5, 0.7, 0.9)


def decide_prefixes(dump: Path) -> list[dict]:
    """Each row's draft decided on each word prefix, with the prompt's tokens of each."""
    rows = read_dump(dump)
    settings = replay_settings()
    path = str(verify_llm(settings.models_dir, settings.llm_model))

    model = partial(tokenizer_only, settings, path)
    decided = []
    for _corpus, pipeline, mine, records in pipelines_over(settings, rows, model, True):
        for row, record in zip(mine, records, strict=True):
            question = record["question"]
            language = detect_language(question)
            query = retrieval_query(question, [])
            ranked = pipeline._prompt(question, [], query, None, "")[2]
            read = reading(pipeline.retriever.index, query, [s.passage for s in ranked])
            words = row["product"]["draft"].split(" ")
            steps = []
            for k in range(1, len(words) + 1):
                prefix = " ".join(words[:k])
                result = pipeline._decide(prefix, question, language, ranked, read)
                chance = pipeline.calibration.right_chance(result.signals) if result.signals else None
                steps.append(
                    {
                        "prefix": prefix,
                        "tokens": pipeline.prompting.text_tokens(prefix),
                        "as_written": not result.refused and result.answer == prefix,
                        "chance": chance,
                        "evidence": result.evidence,
                    }
                )
            product = row["product"]
            decided.append(
                {
                    "id": row["id"],
                    "shown_as_written": not product["refused"] and product["answer"] == product["draft"],
                    "refused": product["refused"],
                    "steps": steps,
                }
            )
    return decided


@dataclass(frozen=True)
class Rule:
    words: int
    chance: float


def could_be_refusal(prefix: str) -> bool:
    """The prefix could still become the prompt's or the product's refusal."""
    said = prefix.lower()
    for lexicon in vocabulary().lexicons.values():
        if any(r.lower().startswith(said) for r in (lexicon.model_refusal, lexicon.refusal)):
            return True
    return False


def released(row: dict, rule: Rule) -> dict | None:
    """The first prefix, short of the whole draft, that the rule shows; None: none."""
    for k, step in enumerate(row["steps"][:-1], start=1):
        if k < rule.words or could_be_refusal(step["prefix"]) or not step["as_written"]:
            continue
        if step["chance"] is not None and step["chance"] >= rule.chance:
            return step
    return None


def curves(rows: list[dict]) -> list[str]:
    answers = [r for r in rows if r["shown_as_written"]]
    tokens = statistics.median(r["steps"][-1]["tokens"] for r in answers) if answers else 0
    lines = [
        f"{len(rows)} drafts; {len(answers)} shown as written (median {tokens} tokens)",
        "",
        "rule: >= W words, P(right) >= C | shown early | taken back | first word earlier"
        " (tokens, mean) | its evidence sentence not the final one | refused",
    ]
    for words in WORDS:
        for chance in CHANCES:
            rule = Rule(words, chance)
            early = {r["id"]: released(r, rule) for r in rows}
            shown = [r for r in rows if early[r["id"]]]
            taken_back = sum(not r["shown_as_written"] for r in shown)
            earlier = [
                r["steps"][-1]["tokens"] - early[r["id"]]["tokens"] if early[r["id"]] else 0 for r in answers
            ]
            moved = sum(
                not r["refused"] and early[r["id"]]["evidence"] != r["steps"][-1]["evidence"] for r in shown
            )
            refused = sum(r["refused"] for r in shown)
            mean = statistics.mean(earlier) if earlier else 0.0
            lines.append(
                f"W {words}, C {chance:<4}                   | {len(shown):>11} | {taken_back:>10} |"
                f" {mean:>30.1f} | {moved:>38} | {refused:>7}"
            )
    return lines


def main() -> int:
    dump = Path(sys.argv[1])
    saved = dump.with_name(f"{dump.stem}-prefixes.jsonl")
    if saved.is_file():
        rows = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
    else:
        rows = decide_prefixes(dump)
        saved.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    rows = [r for r in rows if r["steps"]]
    print("\n".join(curves(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
