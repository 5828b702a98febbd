"""Small file helpers shared by the domain modules."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable


REPLACE_ATTEMPTS = 20  # Windows: a file an indexer or virus scanner holds open for a moment...
REPLACE_PAUSE = 0.1  # ...is tried again for two seconds in all before lifkit gives up


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees either the old file or the new one, never half
    (:func:`atomic_write_chunks`)."""
    atomic_write_chunks(path, (data,))


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], keep_mode: bool = False, durable: bool = False,
                        what: str = "the file") -> None:
    """Write ``chunks`` to ``path`` atomically: the one way lifkit replaces a file (case files, packs,
    the register workbook).

    The new content goes to a temporary file in the same folder, is flushed to disk, and then replaces
    the old file in one step (``os.replace`` is atomic on Windows and POSIX alike). On Windows another
    program that has the old file open for a moment (an indexer, a virus scanner) makes the replace fail
    with PermissionError: it is tried again, :data:`REPLACE_ATTEMPTS` times in all, and then refused with
    :class:`lifkit.errors.LockedError` (exit 3), nothing changed. The temporary file never stays behind.
    ``keep_mode``: the new file keeps the old one's permissions (a temporary file is made readable by its
    owner only); ``durable``: the folder is flushed too, so that the rename itself survives a power cut
    (POSIX); ``what``: the file in words, for the message.
    """
    import tempfile
    import time

    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".lifkit-tmp")
    try:
        if keep_mode:
            try:
                os.chmod(tmp_name, stat.S_IMODE(os.stat(path).st_mode))
            except OSError:
                pass
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        for attempt in range(REPLACE_ATTEMPTS):
            try:
                os.replace(tmp_name, path)
                break
            except PermissionError:
                if attempt == REPLACE_ATTEMPTS - 1:
                    from lifkit.errors import LockedError

                    raise LockedError(f"{path} could not be replaced: another program has it open. Nothing was "
                                      "changed.", f"Close {what} wherever it is open, then try again.") from None
                time.sleep(REPLACE_PAUSE)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    if durable and hasattr(os, "O_DIRECTORY"):
        try:
            dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:
            pass


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
