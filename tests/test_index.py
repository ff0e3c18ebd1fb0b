import shutil
import sqlite3

import chromadb
import chromadb.api.client
import chromadb.api.models.Collection
import pytest

from rag.build import add_to_seeds, index_seeds
from rag.chunking import chunk_documents
from rag.documents import load_documents, skipped_files
from rag.errors import IndexError_, InputError
from rag.index import BUILDING, BUILT, PassageIndex
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
    # One in seeds/ is skipped (with a warning, and on record), never read, never the
    # reason the other documents go unindexed.
    write_seed(tmp_path / "seeds", "echt.txt", "De vuurtoren is 31 meter hoog.")
    (tmp_path / "seeds" / "passwd.txt").symlink_to(outside)
    index, _ = index_seeds(local, embeddings)
    assert [p.doc_id for p in index.all_passages()] == ["echt.txt"]
    [skipped] = skipped_files(local.seeds_dir)
    assert skipped.name == "passwd.txt" and "symbolic link" in skipped.reason


# ---------------------------------------------------------------- a rebuild killed anywhere


class Killed(BaseException):
    """What `kill -9` does to a rebuild, at a chosen step: nothing after it runs (a
    BaseException, so no `except Exception` on the way tidies up either)."""


def segment_folders(index_dir) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.is_dir() and p.name.count("-") == 4}


def owned_segments(index_dir) -> set[str]:
    with sqlite3.connect(index_dir / "chroma.sqlite3") as database:
        return {row[0] for row in database.execute("SELECT id FROM segments")}


def harbour_seeds(folder) -> None:
    """Enough passages (about 40) that a rebuild embeds them in several batches of 16."""
    for n in range(4):
        write_seed(
            folder,
            f"haven{n}.txt",
            "\n\n".join(
                f"Haven {n}, kade {k}: hier meerden in het jaar {1900 + k} precies {k + n} schepen aan, "
                f"geladen met graan, hout en zout uit de landen rond de Oostzee en de Noordzee."
                for k in range(10)
            ),
        )


def kill_before_the_new_collection_exists(monkeypatch, embeddings):
    create = chromadb.api.client.Client.create_collection

    def create_or_die(self, name, *args, **kwargs):
        if name.endswith(BUILDING):
            raise Killed
        return create(self, name, *args, **kwargs)

    monkeypatch.setattr(chromadb.api.client.Client, "create_collection", create_or_die)
    return embeddings


def kill_while_it_fills(monkeypatch, embeddings):
    class DiesAtTheSecondBatch(type(embeddings)):
        calls = 0

        def embed_documents(self, texts):
            DiesAtTheSecondBatch.calls += 1
            if DiesAtTheSecondBatch.calls == 2:  # the first batch is written: its folder exists
                raise Killed
            return super().embed_documents(texts)

    return DiesAtTheSecondBatch(
        embeddings.model, embeddings.name, embeddings.query_prefix, embeddings.passage_prefix
    )


def kill_at_the_swap_before_the_old_goes(monkeypatch, embeddings):
    """Complete and renamed `-built`; the old collection still there."""
    monkeypatch.setattr(chromadb.api.client.Client, "delete_collection", _die)
    return embeddings


def kill_at_the_swap_after_the_old_went(monkeypatch, embeddings):
    """The old collection deleted; the new one not yet under its name."""
    modify = chromadb.api.models.Collection.Collection.modify

    def modify_or_die(self, *args, name=None, **kwargs):
        if name is not None and not name.endswith(BUILT):
            raise Killed
        return modify(self, *args, name=name, **kwargs)

    monkeypatch.setattr(chromadb.api.models.Collection.Collection, "modify", modify_or_die)
    return embeddings


def _die(*args, **kwargs):
    raise Killed


@pytest.mark.parametrize(
    "kill",
    [
        kill_before_the_new_collection_exists,
        kill_while_it_fills,
        kill_at_the_swap_before_the_old_goes,
        kill_at_the_swap_after_the_old_went,
    ],
)
def test_rebuild_killed_halfway_leaves_the_old_index_answering(
    settings, embeddings, tmp_path, monkeypatch, kill
) -> None:
    """`index --rebuild` killed at each of its steps (not at a moment that depends on the
    machine's speed): the next `index` answers as before, embeds nothing again, and leaves
    in index/ only the segment folders that a collection owns."""
    harbour_seeds(tmp_path / "seeds")
    local = copy_settings(settings, seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index")
    index, first = index_seeds(local, embeddings)
    assert first.added > 32  # three batches of 16 at least
    with monkeypatch.context() as patched:
        dying = kill(patched, embeddings)
        with pytest.raises(Killed):
            index_seeds(local, dying, rebuild=True, on_progress=lambda *_: None)  # batches of 16
    index, again = index_seeds(local, embeddings)
    assert again.added == 0 and again.removed == 0 and index.count() == first.added
    assert index.collection.name == local.collection
    best = index.search("Hoeveel schepen meerden aan bij haven 2, kade 7 in 1907?", 1)[0].passage
    assert "Haven 2, kade 7" in best.text
    assert segment_folders(local.index_dir) <= owned_segments(local.index_dir)  # no orphan
    assert len(segment_folders(local.index_dir)) == 2  # the passages' and the sentences'


def test_a_finished_rebuild_and_a_stray_folder_leave_no_orphan(settings, embeddings, tmp_path) -> None:
    local = copy_settings(settings, index_dir=tmp_path / "index")
    index_seeds(local, embeddings)
    index_seeds(local, embeddings, rebuild=True)  # chromadb keeps a deleted collection's folder
    assert segment_folders(local.index_dir) <= owned_segments(local.index_dir)
    # A folder no collection owns, whatever left it (a kill while Chroma wrote it): gone at open.
    [kept, *_] = sorted(segment_folders(local.index_dir))
    stray = local.index_dir / "0f0f0f0f-0000-4000-8000-000000000000"
    shutil.copytree(local.index_dir / kept, stray)
    index, _ = index_seeds(local, embeddings)
    assert not stray.exists() and index.count() > 0
    assert segment_folders(local.index_dir) <= owned_segments(local.index_dir)


def test_start_up_serves_what_is_indexed_and_catches_up_after(settings, embeddings, tmp_path) -> None:
    """An upload that a restart interrupted (the file in seeds/, its passages not all in the
    index): the server answers at once from the documents the index holds whole, and indexes
    the new one in the background; a changed document is synced before serving."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from rag.build import build_pipeline
    from rag.library import Library

    seeds = tmp_path / "seeds"
    write_seed(seeds, "appels.txt", "Appels zijn rood. De boer plukt ze in september.")
    local = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index")
    index_seeds(local, embeddings)
    write_seed(seeds, "peren.txt", "Peren zijn groen. " * 60)  # several passages, one of them stored
    index = PassageIndex.open(local, embeddings, embeddings.name)
    passages = chunk_documents(load_documents(seeds), local.chunk_chars)
    half = [p for p in passages if p.doc_id == "peren.txt"][:1]
    index.collection.upsert(
        ids=[p.passage_id for p in half],
        documents=[p.text for p in half],
        embeddings=embeddings.embed_documents([p.text for p in half]),
        metadatas=[{"doc_id": p.doc_id, "start": p.start, "end": p.end} for p in half],
    )
    llm = FakeListChatModel(responses=["x"])
    pipeline = build_pipeline(local, llm=llm, embeddings=embeddings, calibration=False, serve_at_once=True)
    assert set(pipeline.documents) == {"appels.txt"}
    assert {p.doc_id for p in pipeline.retriever.passages} == {"appels.txt"}
    found = pipeline.retriever.retrieve("Welke kleur hebben peren?")
    assert found and all(s.passage.doc_id == "appels.txt" for s in found)
    job = Library(local, pipeline, 1_000_000).catch_up()
    assert job is not None and job.finished.wait(60) and job.state == "done", job
    assert set(pipeline.documents) == {"appels.txt", "peren.txt"}
    assert pipeline.retriever.retrieve("Welke kleur hebben peren?")[0].passage.doc_id == "peren.txt"
    assert Library(local, pipeline, 1_000_000).catch_up() is None  # nothing left to do
    # A document changed while the server was down: synced before it serves.
    write_seed(seeds, "appels.txt", "Appels zijn geel.")
    pipeline = build_pipeline(local, llm=llm, embeddings=embeddings, calibration=False, serve_at_once=True)
    assert set(pipeline.documents) == {"appels.txt", "peren.txt"}
    assert any("geel" in p.text for p in pipeline.retriever.passages)
