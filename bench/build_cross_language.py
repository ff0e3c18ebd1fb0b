"""Cross-language corpora for the public benchmark: English questions over Dutch documents,
the product's daily case (an English question over the Dutch article) that the other corpora
lack. Each Dutch XQuAD corpus (`<half>-nl-<n>`) gets a twin `<half>-xl-<n>` that reads the
same folder: its questions are XQuAD's English ones with the same question ids, its gold
answers the Dutch and the English ones (an answer in the question's language may quote the
English wording or keep the Dutch), its evidence spans the Dutch documents'. Unanswerable
questions stay unanswerable: their paragraph is left out of the Dutch documents.

    python bench/build_cross_language.py --raw DIR

DIR holds `xquad.en.json` (checked by its SHA-256, as in `bench/build_benchmark.py`). Run it
after that script; it writes the question files and adds the corpora to manifest.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_benchmark import OUT, SOURCES, jsonl, write_text


def english_questions(raw: Path) -> dict[str, dict]:
    path = raw / "xquad.en.json"
    if hashlib.sha256(path.read_bytes()).hexdigest() != SOURCES["xquad.en.json"]["sha256"]:
        raise SystemExit(f"{path} is not the file the benchmark was built from")
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return {q["id"]: q for article in data for p in article["paragraphs"] for q in p["qas"]}


def twin(record: dict, english: dict, name: str, n: int) -> dict:
    asked = english[record["source_id"]]
    crossed = {
        **record,
        "id": f"{name}-{n}",
        "source": "xquad.en over xquad.nl",
        "lang": "en",
        "question": asked["question"],
    }
    if "expect" in record:  # the Dutch gold answers, then the English ones
        said = sorted({a["text"] for a in asked["answers"]})
        crossed["expect"] = [[*group, *(a for a in said if a not in group)] for group in record["expect"]]
    return crossed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True)
    args = parser.parse_args(argv)
    english = english_questions(args.raw)
    manifest_path = OUT / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    corpora = [c for c in manifest["corpora"] if "-xl-" not in c["name"]]
    twins = []
    for corpus in corpora:
        if corpus["lang"] != "nl" or "-nl-" not in corpus["name"]:
            continue
        name = corpus["name"].replace("-nl-", "-xl-")
        records = [
            json.loads(line)
            for line in (OUT / corpus["questions_file"]).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        crossed = [
            twin(r, english, name, n) for n, r in enumerate(records, start=1) if r["source_id"] in english
        ]
        write_text(OUT / f"{name}.jsonl", jsonl(crossed))
        counts = {k: sum(r["class"] == k for r in crossed) for k in ("fact", "yesno", "unanswerable")}
        twins.append(
            {
                **corpus,
                "name": name,
                "lang": "en",
                "folder": corpus.get("folder", corpus["name"]),  # the Dutch corpus's documents
                "questions": {**counts, "total": len(crossed)},
                "questions_file": f"{name}.jsonl",
            }
        )
        print(f"{name}: {len(crossed)} English questions over {corpus['name']}'s documents")
    manifest["corpora"] = corpora + twins
    write_text(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
