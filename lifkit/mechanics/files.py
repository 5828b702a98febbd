"""Small file helpers shared by the domain modules."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees either the old file or the new one, never half.

    The new content goes to a temporary file in the same folder, is flushed to disk, and then replaces
    the old file in one step (``os.replace`` is atomic on Windows and POSIX alike).
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text, keeping the text's own line endings."""
    atomic_write_bytes(path, text.encode("utf-8"))


def unique_path(path: Path) -> Path:
    """``path``, or the first of ``name-2``, ``name-3``... beside it that does not exist yet."""
    if not path.exists():
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    from lifkit.errors import InputError

    raise InputError(f"Too many files named like {path.name} in {path.parent}.")
