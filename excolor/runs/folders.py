"""Run folders that are never half-written: a lock per folder, a staging folder beside it, one rename to publish.

A task holds `lock(folder)` from the cache check to the rename, so two runners (or a stray
worker of a killed runner) never execute or publish the same run at once. Everything is
written into `staging(folder)` (same file system) and `publish()` swaps it into place, so a
`kill -9` leaves either the old complete folder or the new one, plus leftovers that the next
holder of the lock removes.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import uuid
from pathlib import Path

from filelock import FileLock

RENAME_EXCHANGE = 2
AT_FDCWD = -100


class OutputError(RuntimeError):
    """The output folder cannot be written (permissions, read-only or full file system, a file in the way)."""


def lock(folder: Path, timeout: float = -1) -> FileLock:
    """An exclusive lock on `folder` (the lock file sits beside it, so it survives the folder being replaced)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(folder.parent / f'.{folder.name}.lock'), timeout=timeout)


def staging(folder: Path) -> Path:
    """A fresh, empty `.<name>.tmp` beside `folder`; call with the lock held."""
    clean_leftovers(folder)
    tmp = folder.parent / f'.{folder.name}.tmp'
    tmp.mkdir(parents=True)
    return tmp


def clean_leftovers(folder: Path) -> None:
    """Remove the staging and replaced folders a killed task left behind."""
    for suffix in ('.tmp', '.old'):
        leftover = folder.parent / f'.{folder.name}{suffix}'
        if leftover.exists():
            shutil.rmtree(leftover)


def publish(tmp: Path, folder: Path) -> None:
    """Put `tmp` at `folder`, replacing what was there; atomic where the kernel can swap two paths."""
    if folder.exists():
        if _exchange(tmp, folder):
            shutil.rmtree(tmp)
            return
        old = folder.parent / f'.{folder.name}.old'
        os.rename(folder, old)
        os.rename(tmp, folder)
        shutil.rmtree(old)
    else:
        os.rename(tmp, folder)


def _exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two paths in one step. False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


def ensure_writable(folder: Path) -> None:
    """Create `folder` and prove a file can be written in it, or raise `OutputError` saying why, before any work."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, 'not a directory', str(folder))
        probe = folder / f'.write-test-{uuid.uuid4().hex}'
        try:
            with open(probe, 'wb') as f:
                f.write(b'\0' * 65536)
                f.flush()
                os.fsync(f.fileno())
        finally:
            probe.unlink(missing_ok=True)
    except OSError as e:
        raise OutputError(describe_os_error(e, folder)) from None


def file_in_the_way(path: Path) -> Path | None:
    """The nearest of `path` and its parents that exists and is not a folder: what stops `path` being made."""
    for p in (path, *path.parents):
        if p.exists() or p.is_symlink():
            return None if p.is_dir() else p
    return None


def describe_os_error(e: OSError, folder: Path) -> str:
    """A sentence a user can act on, for the usual ways an output folder fails."""
    where = e.filename or folder
    hint = 'choose another folder with --runs-dir or EXCOLOR_RUNS'
    blocker = file_in_the_way(Path(where)) if e.errno in (errno.ENOTDIR, errno.EEXIST) else None
    if blocker is not None:
        return f'cannot write run outputs to {folder}: {blocker} is a file, where a folder is needed; move it, or {hint}'
    reasons = {
        errno.EACCES: 'permission denied', errno.EPERM: 'permission denied', errno.EROFS: 'the file system is read-only',
        errno.ENOSPC: 'no space left on the device', errno.EDQUOT: 'disk quota exceeded',
        errno.ENOTDIR: 'a file is in the way (a folder is needed)', errno.EEXIST: 'a file is in the way (a folder is needed)',
    }
    reason = reasons.get(e.errno, e.strerror or str(e))
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = 'free some space, or ' + hint
    return f'cannot write run outputs to {folder}: {reason} ({where}); {hint}'
