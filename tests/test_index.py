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
