"""German corpora for the public benchmark: a language added by its lexicon file alone
(`lexicon/de.json`). Each Dutch XQuAD corpus (`<half>-nl-<n>`) gets a German twin
`<half>-de-<n>`: the same articles from XQuAD's German file, each without the same left-out
paragraph, and the same questions (by XQuAD question id) in German, with German gold
answers and evidence spans. Unanswerable questions stay unanswerable: their paragraph is
left out. A question whose German answer its paragraph does not hold as written is left out.

    python bench/build_german.py --raw DIR

DIR holds `xquad.en.json` and `xquad.de.json` (checked by their SHA-256). Run it after
`bench/build_benchmark.py`; it writes the documents and question files and adds the corpora
to manifest.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_benchmark import (
    OUT,
    SOURCES,
    XQUAD_LICENCE,
    build_document,
    jsonl,
    slugify,
    stable_int,
    write_text,
)

GERMAN = {
    "what": "XQuAD, German",
    "repo": "alexandrainst/xquad",
    "path": "xquad.de.json",
    "commit": "de693345ef4f8617d4008b20ef77fa2ca940c51d",
    "sha256": "990b5d746746ed65ed4702ea5f35f99ffa4e2f1c390c07d003642acd937916f9",
    "licence": XQUAD_LICENCE,
}


def articles(raw: Path, name: str, sha256: str) -> dict[str, dict]:
    path = raw / name
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        raise SystemExit(f"{path} is not the file the benchmark is built from")
    return {a["title"].replace("_", " "): a for a in json.loads(path.read_text(encoding="utf-8"))["data"]}


def german_corpus(name: str, dutch: list[dict], english: dict, german: dict) -> list[dict]:
    """The German documents of a Dutch corpus's articles (written to OUT/name) and its
    questions in German."""
    rows: list[dict] = []
    for title in dict.fromkeys(r["title"] for r in dutch):
        en, de = english[title], german[title]
        n = len(en["paragraphs"])
        left_out = stable_int(en["title"]) % n  # as bench/build_benchmark.py leaves it out
        kept = [de["paragraphs"][i] for i in range(n) if i != left_out]
        head = " ".join(de["title"].replace("_", " ").split())
        doc, placed = build_document(head, f"{slugify(title)}.de.txt", "de", title, kept)
        write_text(OUT / name / doc.file, doc.text)
        left = {q["id"]: q for q in de["paragraphs"][left_out]["qas"]}
        for record in (r for r in dutch if r["title"] == title):
            qid = record["source_id"]
            row = {**record, "id": "", "source": "xquad.de", "lang": "de", "doc": doc.file}
            if record.get("unanswerable"):
                row["question"] = left[qid]["question"].strip()
            else:
                found = placed[qid].support(qid)
                if found is None:
                    continue
                qa = placed[qid].qas[qid]
                text, start = found
                golds = list(dict.fromkeys(a["text"].strip() for a in qa["answers"] if a["text"].strip()))
                row.update(question=qa["question"].strip(), expect=[golds], support=text)
                row.update(support_start=start, support_end=start + len(text))
            rows.append({**row, "id": f"{name}-{len(rows) + 1}"})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True)
    args = parser.parse_args(argv)
    english = articles(args.raw, "xquad.en.json", SOURCES["xquad.en.json"]["sha256"])
    german = articles(args.raw, "xquad.de.json", GERMAN["sha256"])
    manifest_path = OUT / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    corpora = [c for c in manifest["corpora"] if "-de-" not in c["name"]]
    added = []
    for corpus in corpora:
        if "-nl-" not in corpus["name"]:
            continue
        name = corpus["name"].replace("-nl-", "-de-")
        dutch = [
            json.loads(line)
            for line in (OUT / corpus["questions_file"]).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        rows = german_corpus(name, dutch, english, german)
        write_text(OUT / f"{name}.jsonl", jsonl(rows))
        counts = {k: sum(r["class"] == k for r in rows) for k in ("fact", "yesno", "unanswerable")}
        characters = sum(len(p.read_text(encoding="utf-8")) for p in (OUT / name).glob("*.txt"))
        added.append(
            {
                **{k: v for k, v in corpus.items() if k != "folder"},
                "name": name,
                "lang": "de",
                "characters": characters,
                "questions": {**counts, "total": len(rows)},
                "questions_file": f"{name}.jsonl",
            }
        )
        print(f"{name}: {len(rows)} German questions ({len(dutch)} in {corpus['name']})")
    manifest["corpora"] = corpora + added
    manifest["sources"]["xquad.de.json"] = GERMAN
    write_text(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
