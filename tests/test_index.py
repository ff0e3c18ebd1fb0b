import sqlite3

import pytest

from rag.build import add_to_seeds, index_seeds
from rag.errors import IndexError_, InputError
from rag.index import PassageIndex
from tests.conftest import copy_settings, write_seed


def test_reindexing_is_incremental(settings, embeddings, tmp_path) -> None:
    seeds = tmp_path / "seeds"
    write_seed(seeds, "a.txt", "Eerste document. Het gaat over appels.")
    write_seed(seeds, "b.md", "# Tweede\n\nHet gaat over peren.")
    local = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index")
    _, first = index_seeds(local, embeddings)
    assert first.added == 2 and first.removed == 0  # one passage per small document
    _, again = index_seeds(local, embeddings)
    assert again.added == 0 and again.removed == 0  # unchanged seeds cost nothing
    write_seed(seeds, "a.txt", "Eerste document. Het gaat nu over kersen.")
    (seeds / "b.md").unlink()
    index, changed = index_seeds(local, embeddings)
    texts = " ".join(index.stored_texts().values())
    assert "kersen" in texts and "appels" not in texts and "peren" not in texts
    assert changed.added == 1 and changed.removed == 2


def test_sentence_vectors_follow_the_passages(settings, embeddings, tmp_path) -> None:
    seeds = tmp_path / "seeds"
    write_seed(seeds, "fruit.txt", "De boer teelt appels. Zijn buurman verkoopt peren op de markt.")
    local = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index")
    index, _ = index_seeds(local, embeddings)
    assert index.sentences is not None and index.sentences.collection.count() == 2
    apples, pears = "De boer teelt appels.", "Zijn buurman verkoopt peren op de markt."
    similarity = index.sentences.similarities("Wie verkoopt peren?", [apples, pears])
    assert similarity[1] > similarity[0]
    # A sentence not stored yet is embedded when asked for, and stored.
    index.sentences.similarities("Wat kost het?", ["Een kilo kost twee euro."])
    assert index.sentences.collection.count() == 3
    # Indexing again keeps exactly the passages' sentences.
    write_seed(seeds, "fruit.txt", "De boer teelt appels.")
    index, _ = index_seeds(local, embeddings)
    assert index.sentences.collection.get(include=["documents"])["documents"] == [apples]


def test_other_chunk_settings_rebuild_instead_of_mixing(settings, embeddings, tmp_path) -> None:
    local = copy_settings(settings, index_dir=tmp_path / "index")
    index, _ = index_seeds(local, embeddings)
    before = index.count()
    smaller = copy_settings(local, chunk_chars=150)
    index, report = index_seeds(smaller, embeddings)
    assert index.count() == report.added > before
    assert index.collection.metadata["chunk_chars"] == 150


def test_corrupt_index_gives_a_clear_message(settings, embeddings, tmp_path) -> None:
    local = copy_settings(settings, index_dir=tmp_path / "index")
    index_seeds(local, embeddings)
    database = tmp_path / "index" / "chroma.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TABLE collections")
    with pytest.raises(IndexError_, match="--rebuild"):
        PassageIndex.open(local, embeddings, embeddings.name)


def test_html_and_added_documents_are_indexed(settings, embeddings, tmp_path) -> None:
    seeds = tmp_path / "seeds"
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><style>p{}</style></head><body><h1>Nieuws</h1><p>De kat zit op de mat.</p>"
        "<script>var x;</script></body></html>",
        encoding="utf-8",
    )
    local = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index")
    add_to_seeds(local, page)
    index, _ = index_seeds(local, embeddings)
    [passage] = index.all_passages()
    assert passage.doc_id == "page.html" and passage.text == "Nieuws\n\nDe kat zit op de mat."
    other = tmp_path / "notes.docx"
    other.write_text("x")
    with pytest.raises(InputError, match="Unsupported"):
        add_to_seeds(local, other)
    with pytest.raises(InputError, match="No such file"):
        add_to_seeds(local, tmp_path / "missing.txt")


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text in Helvetica (no library needed to write it)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_pdf_text_is_indexed_and_broken_pdf_is_refused(settings, embeddings, tmp_path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "memo.pdf").write_bytes(minimal_pdf("Het budget is 42 miljoen euro."))
    local = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index")
    index, _ = index_seeds(local, embeddings)
    [passage] = index.all_passages()
    assert passage.doc_id == "memo.pdf" and "42 miljoen euro" in passage.text
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing else")
    with pytest.raises(InputError, match=r"Cannot read document broken\.pdf"):
        add_to_seeds(local, broken)


def test_interrupted_indexing_leaves_the_old_index_usable(settings, embeddings, tmp_path) -> None:
    seeds = tmp_path / "seeds"
    write_seed(seeds, "a.txt", "Appels zijn rood. " * 5)
    local = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index")
    index, _ = index_seeds(local, embeddings)
    before = index.stored_texts()

    class Interrupted(type(embeddings)):  # dies while embedding the new passages
        def embed_documents(self, texts):
            raise KeyboardInterrupt

    broken = Interrupted(
        embeddings.model, embeddings.name, embeddings.query_prefix, embeddings.passage_prefix
    )
    write_seed(seeds, "a.txt", "Peren zijn groen. " * 5)
    with pytest.raises(KeyboardInterrupt):
        index_seeds(local, broken)
    index = PassageIndex.open(local, embeddings, embeddings.name)
    assert index.stored_texts() == before  # the old passages, still searchable
    assert "Appels" in index.search("Welke kleur hebben appels?", 1)[0].passage.text


def test_a_rebuild_that_never_finishes_leaves_the_old_index(settings, embeddings, tmp_path) -> None:
    local = copy_settings(settings, index_dir=tmp_path / "index")
    index, _ = index_seeds(local, embeddings)
    before = index.count()
    # A rebuild fills a collection beside the old one; stopped before its swap (killed)...
    rebuilding = PassageIndex.open(local, embeddings, embeddings.name, rebuild=True)
    assert rebuilding.collection.name != local.collection and rebuilding.count() == 0
    # ...it leaves the old index answering, and the next start clears the leftover.
    reopened = PassageIndex.open(local, embeddings, embeddings.name)
    assert reopened.collection.name == local.collection and reopened.count() == before
    index, report = index_seeds(local, embeddings, rebuild=True)
    assert index.collection.name == local.collection and index.count() == report.added == before


def test_a_rebuild_killed_at_its_swap_is_finished_at_the_next_start(settings, embeddings, tmp_path) -> None:
    local = copy_settings(settings, index_dir=tmp_path / "index")
    passages = index_seeds(local, embeddings)[0].all_passages()
    rebuilding = PassageIndex.open(local, embeddings, embeddings.name, rebuild=True)
    rebuilding.sync(passages)
    rebuilding.collection.modify(name=f"{local.collection}-built")  # complete, not yet swapped
    reopened = PassageIndex.open(local, embeddings, embeddings.name)
    assert reopened.collection.name == local.collection and reopened.count() == rebuilding.count() > 0


def test_symbolic_links_are_refused(settings, embeddings, tmp_path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Geheim: het wachtwoord is hunter2.", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(outside)
    local = copy_settings(settings, seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index")
    with pytest.raises(InputError, match="symbolic link"):
        add_to_seeds(local, link)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "passwd.txt").symlink_to(outside)
    with pytest.raises(InputError, match=r"passwd\.txt is a symbolic link"):
        index_seeds(local, embeddings)
