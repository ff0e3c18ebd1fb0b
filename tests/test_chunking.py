import itertools
import json

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from rag.chunking import Passage, chunk_document, sentence_spans
from rag.documents import Document
from rag.settings import PROJECT_ROOT


def rebuilds(document: Document, passages: list[Passage]) -> None:
    for p in passages:
        assert document.text[p.start : p.end] == p.text
    # In order, not overlapping, and every non-space character is in some passage.
    covered = set()
    for before, after in itertools.pairwise(passages):
        assert before.end <= after.start
    for p in passages:
        covered.update(range(p.start, p.end))
    assert all(i in covered for i, ch in enumerate(document.text) if not ch.isspace())


sentence = st.text(alphabet="abcdefghij ", min_size=1, max_size=80).map(lambda s: s.strip() or "x")
texts = st.lists(
    st.tuples(sentence, st.sampled_from([". ", "! ", "? ", ".\n\n", " ", "\n", ". A "])),
    min_size=1,
    max_size=30,
).map(lambda parts: "".join(s.capitalize() + sep for s, sep in parts))


@hsettings(max_examples=200, deadline=None)
@given(text=texts, max_chars=st.integers(min_value=50, max_value=500))
def test_passages_rebuild_the_source(text: str, max_chars: int) -> None:
    document = Document("t.txt", text)
    passages = chunk_document(document, max_chars)
    rebuilds(document, passages)
    assert all(len(p.text) <= max_chars for p in passages)


def test_article_passages_keep_sentences_whole(article: str) -> None:
    document = Document("a.txt", article)
    passages = chunk_document(document, 400)
    rebuilds(document, passages)
    # Every dev-set support quote is a sentence fragment: it must sit inside one passage.
    dev = PROJECT_ROOT / "tests" / "data" / "qa_dev.jsonl"  # a copy of shared/eval/qa_dev.jsonl
    supports = [json.loads(line).get("support") for line in dev.read_text().splitlines()]
    for support in filter(None, supports):
        assert any(support in p.text for p in passages), support


def test_dutch_abbreviations_and_decimals_do_not_end_sentences() -> None:
    text = "Het kost o.a. 2,2 miljard, bijv. voor dhr. Jansen. Daarna volgt meer."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Het kost o.a. 2,2 miljard, bijv. voor dhr. Jansen.",
        "Daarna volgt meer.",
    ]


def test_list_items_and_table_rows_are_sentences_of_their_own() -> None:
    text = (
        "## In de doos\n- de kast zelf\n- twee planken van 80 cm\n\n"
        "1. Zet de zijwanden rechtop\n2. Schroef de planken vast. Gebruik de korte schroeven.\n\n"
        "| Onderdeel | Maat |\n|---|:--:|\n| Plank | 80 cm |\n\n### Prijs\nHet kost 5. Dat is weinig."
    )
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "## In de doos",
        "- de kast zelf",
        "- twee planken van 80 cm",
        "1. Zet de zijwanden rechtop",  # the item's number stays with its sentence
        "2. Schroef de planken vast.",
        "Gebruik de korte schroeven.",
        "| Onderdeel | Maat |",  # the rule row below it is no sentence
        "| Plank | 80 cm |",
        "### Prijs",  # a heading ends at its line, blank line or not
        "Het kost 5.",  # a number that ends a sentence still ends it
        "Dat is weinig.",
    ]
    rebuilds(Document("kast.md", text), chunk_document(Document("kast.md", text), 400))


def test_ids_are_stable_and_derived_from_offsets() -> None:
    document = Document("doc.txt", "Eerste zin. Tweede zin.")
    first = chunk_document(document, 400)
    assert first == chunk_document(document, 400)
    assert first[0].passage_id == f"doc.txt:{first[0].start}-{first[0].end}"


def test_overlap_repeats_sentences() -> None:
    text = " ".join(f"Zin nummer {i} is hier." for i in range(10))
    passages = chunk_document(Document("d.txt", text), 60, overlap_sentences=1)
    for before, after in itertools.pairwise(passages):
        assert after.start < before.end  # shares a sentence


def test_passages_never_cross_a_paragraph() -> None:
    text = "Eerste alinea, kort. Nog een zin.\n\nTweede alinea. Ook kort.\n\nDerde."
    passages = chunk_document(Document("p.txt", text), 400)
    assert [p.text for p in passages] == [
        "Eerste alinea, kort. Nog een zin.",
        "Tweede alinea. Ook kort.",
        "Derde.",
    ]


def test_a_heading_starts_the_passage_below_it() -> None:
    text = "De molen draait al eeuwen. Hij maalt graan.\n\n## Openingstijden\n\nDe molen is open op zaterdag."
    passages = chunk_document(Document("m.md", text), 400)
    assert [p.text for p in passages] == [
        "De molen draait al eeuwen. Hij maalt graan.",
        "## Openingstijden\n\nDe molen is open op zaterdag.",
    ]


@hsettings(max_examples=100, deadline=None)
@given(text=texts, max_chars=st.integers(min_value=50, max_value=500))
def test_only_a_heading_shares_a_passage_across_a_blank_line(text: str, max_chars: int) -> None:
    for p in chunk_document(Document("t.txt", text), max_chars):
        parts = [part for part in p.text.split("\n\n")]
        assert len(parts) <= 2
        if len(parts) == 2:
            assert "\n" not in parts[0] and not parts[0].rstrip().endswith((".", "!", "?"))
