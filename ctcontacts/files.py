"""Files named on the command line: what ``export --out`` writes.

A path from the command line may name anything: a symlink, a named pipe, a device
(``/dev/stdout``, ``/dev/full``), a directory, or a file in a folder that does not
exist. Each is handled on purpose here, never by accident: a regular file is replaced
atomically and keeps its permissions, a pipe or device is written through, anything
else is refused with a sentence that says why.
"""

from __future__ import annotations

import errno
import os
import stat

from .errors import UsageError

TEMP_PREFIX = ".ctcontacts-"  # short: a temporary name must fit where the target's does


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISBLK(mode):
        return "a block device (a disk)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    return "not a regular file"


def write_output(path: str, text: str, option: str = "--out") -> None:
    """Write ``text`` (UTF-8, as is) to ``path``.

    - a regular file, or a new one: written beside it under a unique name (``O_EXCL``)
      and renamed over it, so a reader sees the old file or the new one, never half;
      an existing file keeps its permission bits, a new one is 0600 (an export holds
      personal data);
    - a symlink: its target is replaced that way, the link stays;
    - a named pipe or a character device (``/dev/stdout``, ``/dev/full``): written
      through, never replaced; a pipe nobody reads is refused rather than waited on;
    - a directory, a block device, a socket, ``''``, a missing folder: refused.

    A failure leaves no temporary file behind; every refusal is a ``UsageError``.
    """
    from .text import clip

    shown = clip(path)
    if not path:
        raise UsageError(f"{option} is empty; give a file name, or leave {option} out to print to standard output.")
    data = text.encode("utf-8")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise UsageError(f"cannot write {shown} ({e.strerror}); choose another {option}.") from None
    if st is None:
        # New (or a symlink to a file yet to be made): created where the link points.
        target = os.path.realpath(path)
        folder = os.path.dirname(target)
        if not os.path.isdir(folder):
            raise UsageError(f"cannot write {shown}: the folder {clip(folder)} does not exist; "
                             f"create it or choose another {option}.")
        _replace(target, data, 0o600, None, shown, option)
    elif stat.S_ISREG(st.st_mode):
        target = os.path.realpath(path)
        try:
            same = os.path.samestat(os.stat(target), st)
        except OSError:
            same = False
        if same:
            _replace(target, data, stat.S_IMODE(st.st_mode), st, shown, option)
        else:
            # A path the kernel follows but that names no place in a folder, such as
            # /dev/stdout redirected to a file: written through, at its end.
            _write_through(path, data, shown, option, append=True)
    elif stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        _write_through(path, data, shown, option)
    else:
        raise UsageError(f"{option} {shown} is {_kind(st.st_mode)}, not a file; give a file name"
                         + (" in it." if stat.S_ISDIR(st.st_mode) else "."))


def _replace(target: str, data: bytes, mode: int, old: os.stat_result | None, shown: str, option: str) -> None:
    import tempfile

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=os.path.dirname(target))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
                if old is not None and hasattr(os, "fchown"):
                    try:
                        os.fchown(f.fileno(), old.st_uid, old.st_gid)
                    except OSError:
                        pass  # only root may give a file away; the file is then ours
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise UsageError(f"cannot write {shown} ({e.strerror}); choose another {option}.") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _write_through(path: str, data: bytes, shown: str, option: str, append: bool = False) -> None:
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        # Non-blocking: a named pipe nobody reads is an error (ENXIO), not a wait forever.
        fd = os.open(path, flags | (os.O_APPEND if append else 0))
    except OSError as e:
        if e.errno == errno.ENXIO:
            raise UsageError(f"nobody is reading the named pipe {shown}; start its reader first, "
                             f"or choose another {option}.") from None
        raise UsageError(f"cannot write {shown} ({e.strerror}); choose another {option}.") from None
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or (append and stat.S_ISREG(mode))):
            raise UsageError(f"{shown} changed while it was opened; export again.")
        if flags & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)  # a slow reader is waited for, like any pipe
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as e:
        raise UsageError(f"cannot write {shown} ({e.strerror}); choose another {option}.") from None
    finally:
        os.close(fd)
