"""Small real GGUF files written with llama.cpp's `gguf` writer (a test dependency): a 4x4
tensor and whatever `general.*` keys a test asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gguf
import numpy as np

if TYPE_CHECKING:
    from pathlib import Path


def write_gguf(
    path: Path,
    keys: dict[str, Any] | None = None,
    *,
    vocab: int = 8,
    big_endian: bool = False,
) -> Path:
    """A GGUF at `path` with `keys` (str, int or list values), a tokenizer of `vocab` tokens
    and one tensor; returns `path`."""
    endian = gguf.GGUFEndian.BIG if big_endian else gguf.GGUFEndian.LITTLE
    writer = gguf.GGUFWriter(str(path), "llama", endianess=endian)
    for key, value in (keys or {}).items():
        if isinstance(value, bool):
            writer.add_bool(key, value)
        elif isinstance(value, int):
            writer.add_uint32(key, value)
        elif isinstance(value, list):
            writer.add_array(key, value)
        else:
            writer.add_string(key, value)
    writer.add_token_list([f"tok{i}" for i in range(vocab)])
    writer.add_token_scores([0.0] * vocab)
    writer.add_tensor("blk.0.weight", np.ones((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
