"""Saved llama.cpp states of prompt prefixes: a page's system message, read once, kept on disk.

Reading a 4,000-character page costs the model ~10 s on two cores; restoring its saved
state costs a few milliseconds. Each state is one file named by a hash of the model, the
llama.cpp version and the prefix's exact tokens: a change of page, prompt template or
model gives a new name, so a stale state is never restored. A file holds the token ids and
llama.cpp's own state bytes only (not the logits array that `Llama.save_state` copies too,
which is 300 MB and not needed: the first new token's decode refreshes the logits).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import llama_cpp
import numpy as np
from llama_cpp import Llama

log = logging.getLogger(__name__)

_MAGIC = b"RAGSTATE1\n"
SUFFIX = ".state"


class PrefixStates:
    """One folder of saved prefix states for one model file, at most `max_bytes` in all
    (past that, a prefix is read when needed and not saved)."""

    def __init__(self, folder: Path, model_path: Path, max_bytes: int = 2_000_000_000):
        self.folder = folder
        self.max_bytes = max_bytes
        stat = model_path.stat()
        self._model_key = f"{model_path.name}:{stat.st_size}:{llama_cpp.__version__}".encode()

    def path_for(self, tokens: Sequence[int]) -> Path:
        digest = hashlib.sha256(self._model_key)
        digest.update(np.asarray(tokens, dtype=np.int32).tobytes())
        return self.folder / f"{digest.hexdigest()[:32]}{SUFFIX}"

    def restore(self, llama: Llama, tokens: Sequence[int]) -> str:
        """Make the model's cache hold exactly this prefix's state (and maybe more after it):
        'cached' when it already does, 'loaded' from its file, or 'built' (read now and
        saved for next time)."""
        tokens = list(tokens)
        held = llama.n_tokens
        if held >= len(tokens) and llama.input_ids[: len(tokens)].tolist() == tokens:
            return "cached"
        path = self.path_for(tokens)
        if path.exists():
            try:
                _load(llama, path, tokens)
                return "loaded"
            except (OSError, ValueError, RuntimeError) as error:
                log.warning("prefix state %s unusable (%s): reading the prefix again", path.name, error)
                path.unlink(missing_ok=True)
        self.build(llama, tokens)
        return "built"

    def build(self, llama: Llama, tokens: Sequence[int]) -> Path | None:
        """Read the prefix into the cache and save its state; returns the file, or None
        when it could not be saved (no room left in `max_bytes`, or the folder is not
        writable: the prefix is in the cache all the same)."""
        tokens = list(tokens)
        # What the cache already holds of this prefix (a shorter saved prefix just restored)
        # is kept; only the rest is read.
        held = shared_length(llama.input_ids[: llama.n_tokens].tolist(), tokens)
        llama.n_tokens = held
        llama._ctx.kv_cache_seq_rm(-1, held, -1)
        if held < len(tokens):
            llama.eval(tokens[held:])
        path = self.path_for(tokens)
        if self.stored_bytes() + _state_bytes(llama) > self.max_bytes:
            log.info("prefix state not saved: the states already take %d bytes", self.stored_bytes())
            return None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _save(llama, path, tokens)
        except OSError as error:
            log.warning("prefix state not saved (%s)", error)
            return None
        return path

    def stored_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.files())

    def files(self) -> list[Path]:
        return sorted(self.folder.glob(f"*{SUFFIX}")) if self.folder.is_dir() else []

    def prune(self, keep: Iterable[Path]) -> int:
        """Remove the saved states not in `keep` (pages that no longer exist); returns how many."""
        keep = {path.name for path in keep}
        gone = [path for path in self.files() if path.name not in keep]
        for path in gone:
            path.unlink(missing_ok=True)
        return len(gone)


def shared_length(a: list[int], b: list[int]) -> int:
    """How many tokens two prompts start with in common."""
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _state_bytes(llama: Llama) -> int:
    return int(llama_cpp.llama_state_get_size(llama._ctx.ctx))


def snapshot(llama: Llama) -> tuple[list[int], bytes]:
    """The tokens the model's cache holds and llama.cpp's state bytes for them."""
    ctx = llama._ctx.ctx
    size = _state_bytes(llama)
    buffer = (ctypes.c_uint8 * size)()
    written = llama_cpp.llama_state_get_data(ctx, buffer, size)
    if written > size:
        raise RuntimeError("llama.cpp wrote more state than it announced")
    return llama.input_ids[: llama.n_tokens].tolist(), bytes(memoryview(buffer)[:written])


def put_back(llama: Llama, tokens: list[int], state: bytes) -> None:
    """Make the model's cache hold these tokens again, from their state bytes."""
    buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
    if llama_cpp.llama_state_set_data(llama._ctx.ctx, buffer, len(state)) != len(state):
        raise RuntimeError("llama.cpp refused the state")
    llama.input_ids[: len(tokens)] = tokens
    llama.n_tokens = len(tokens)
    llama._requires_eval = True  # the logits are not restored: the next decode refreshes them


def _save(llama: Llama, path: Path, tokens: list[int]) -> None:
    held, state = snapshot(llama)
    if held != tokens:
        raise RuntimeError("the cache holds another prefix")
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    with temporary.open("wb") as out:
        out.write(_MAGIC)
        out.write(struct.pack("<q", len(tokens)))
        out.write(np.asarray(tokens, dtype=np.int32).tobytes())
        out.write(state)
    os.replace(temporary, path)  # a reader never sees half a file


def _load(llama: Llama, path: Path, tokens: list[int]) -> None:
    data = path.read_bytes()
    if not data.startswith(_MAGIC):
        raise ValueError("not a prefix state file")
    offset = len(_MAGIC)
    (count,) = struct.unpack_from("<q", data, offset)
    offset += 8
    stored = np.frombuffer(data, dtype=np.int32, count=count, offset=offset)
    offset += 4 * count
    if stored.tolist() != tokens:
        raise ValueError("the file holds another prefix")
    put_back(llama, tokens, data[offset:])
