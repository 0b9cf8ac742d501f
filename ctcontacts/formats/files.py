"""Files named on the command line: the rosters ``import`` reads, what ``export --out``
writes.

A path from the command line may name anything: a symlink, a named pipe, a device
(``/dev/zero``, ``/dev/stdout``, ``/dev/full``), a directory, a file of 10 GB or one
in a folder that does not exist. Each is handled on purpose here, never by accident:

- import reads regular files, and standard input when the name is ``-``; it refuses
  devices, pipes, sockets and directories named as paths without ever blocking on
  them, and reads nothing beyond the limits of ``limits.py``;
- export replaces a regular file atomically (keeping its permissions), writes through
  to a pipe or device, and refuses anything else with a sentence that says why.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys

from ..base import limits
from ..base.text import kind_of
from ..base.errors import UsageError

STDIN = "-"
STDIN_NAME = "<stdin>"
CHUNK = 1 << 20

TEMP_PREFIX = ".ctcontacts-"  # short: a temporary name must fit where the target's does


def write_output(path: str, text: str, option: str = "--out", protect: tuple[str, ...] = ()) -> None:
    """Write ``text`` (UTF-8, as is) to ``path``.

    - a regular file, or a new one: written beside it under a unique name (``O_EXCL``)
      and renamed over it, so a reader sees the old file or the new one, never half;
      an existing file keeps its permission bits, a new one is 0600 (an export holds
      personal data);
    - a symlink: its target is replaced that way, the link stays;
    - a named pipe or a character device (``/dev/stdout``, ``/dev/full``): written
      through, never replaced; a pipe nobody reads is refused rather than waited on;
    - a directory, a block device, a socket, ``''``, a missing folder: refused.

    A file in ``protect`` (the database and its journal files) is never written, under
    any name or link. A failure leaves no temporary file behind; every refusal is a
    ``UsageError``.
    """
    from ..base.text import clip

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
        for kept in protect:
            try:
                if os.path.samestat(os.stat(kept), st):
                    raise UsageError(f"{option} {shown} is the database itself; an export there would replace "
                                     f"the directory and its history. Choose another {option}.")
            except OSError:
                continue
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
        raise UsageError(f"{option} {shown} is {kind_of(st.st_mode)}, not a file; give a file name"
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


# --- reading ---------------------------------------------------------------------------


class Refused(Exception):
    """An input that is not read, and why: reported as a problem of that file."""

    def __init__(self, name: str, reason: str):
        super().__init__(reason)
        self.name = name
        self.reason = reason


def shown_name(path: str) -> str:
    """How an input is named in problems and in the history."""
    if path == STDIN:
        return STDIN_NAME
    if not path:
        return "''"
    from ..base.text import shorten

    return shorten(path, 300)


def _megabytes(n: int) -> str:
    return f"{n:,} bytes ({n / (1 << 20):,.0f} MiB)" if n >= 1 << 20 else f"{n:,} bytes"


class ReadOnce(io.BufferedIOBase):
    """A stream that reads its source once, front to back, and hashes every byte as it
    first comes: what is hashed (and verified against a signature) is what the reader
    parsed, never a second read of a file that may have changed in between (a write
    through a shared mapping moves no size, and its time only as finely as the clock
    ticks). The first ``keep`` bytes are kept, so a reader may look at a file's head and
    seek back to its start (``readers.read_file`` does) without reading the source
    again; memory stays that, whatever the file's size (CSV is parsed as it is read).

    A seek anywhere else reads the source again, and ``reread`` says so: only the
    error path that locates an undecodable byte does it, and the import is refused by
    that problem anyway."""

    def __init__(self, source, keep: int):
        import hashlib

        self._source = source
        self._keep = keep
        self._head = bytearray()  # the first min(taken, keep) bytes
        self._pos = 0  # where the reader is
        self._taken = 0  # how far the source has been read and hashed
        self.hashes = [hashlib.sha256()]  # the file's SHA-256, and any hash added before reading
        self.reread = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence == 1:
            pos += self._pos
        elif whence != 0:
            raise io.UnsupportedOperation("a roster is read from its start")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def _take(self, size: int | None) -> bytes:
        """At most ``size`` bytes (``None``: all that are left) from one place: the kept
        head, or the source."""
        pos = self._pos
        if self.reread or (pos >= len(self._head) and pos != self._taken):
            self.reread = True
            self._source.seek(pos)
            data = self._source.read(size)
        elif pos < len(self._head):
            data = bytes(self._head[pos:] if size is None else self._head[pos:pos + size])
        else:
            data = self._source.read(size)
            for h in self.hashes:
                h.update(data)
            if len(self._head) < self._keep:
                self._head += data[:self._keep - len(self._head)]
            self._taken += len(data)
        self._pos += len(data)
        return data

    def read1(self, n: int = -1) -> bytes:
        return self._take(n if n is not None and n >= 0 else CHUNK) if n != 0 else b""

    def read(self, n: int = -1) -> bytes:
        parts, left = [], (None if n is None or n < 0 else n)
        while left is None or left > 0:
            chunk = self._take(left)
            if not chunk:
                break
            parts.append(chunk)
            if left is not None:
                left -= len(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def sha256(self) -> str:
        """The SHA-256 of the whole source, which is read to its end for it (a reader
        that stopped early on a problem leaves the rest unparsed, and the import refused)."""
        pos = self._pos
        if not self.reread:
            self._pos = self._taken
            while self.read1(CHUNK):
                pass
            self._pos = pos
        return self.hashes[0].hexdigest()

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


class Input:
    """One opened input: its name as shown, a seekable binary stream at offset 0 that
    reads the input once (``ReadOnce``: its ``sha256`` is of the bytes the stream gave),
    its size and format. A context manager: leaving it closes the stream."""

    def __init__(self, name: str, stream, size: int, fmt: str, fd: int | None = None,
                 opened: os.stat_result | None = None):
        from .readers import HEAD

        self.name, self.stream, self.size, self.format = name, ReadOnce(stream, HEAD), size, fmt
        self._fd, self._opened = fd, opened

    def hash_also(self, h) -> None:
        """Feed ``h`` (a signature's hash) the same bytes, as they are read: call before reading."""
        self.stream.hashes.append(h)

    def sha256(self) -> str:
        return self.stream.sha256()

    def check_unchanged(self) -> None:
        """Refuse a file written to while it was read: what was read is not the file
        (a roster still being uploaded would lose its last contacts)."""
        if self._fd is None:
            return
        now = os.fstat(self._fd)
        # ctime too: a write that puts the old mtime back (utime) still moves it, and the
        # bytes hashed (and verified against a signature) must be the bytes parsed.
        if ((now.st_size, now.st_mtime_ns, now.st_ctime_ns)
                != (self._opened.st_size, self._opened.st_mtime_ns, self._opened.st_ctime_ns)):
            raise Refused(self.name, "the file changed while it was read; import it again once it is complete")

    def __enter__(self) -> Input:
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()


class _Capped(io.RawIOBase):
    """A regular file, read no further than the size it had when it was opened: a
    file that grows while it is read (or without end) costs no more than that."""

    def __init__(self, fd: int, size: int):
        self._file = io.FileIO(fd, "r", closefd=True)
        self._size = size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        left = self._size - self._file.tell()
        if left <= 0:
            return 0
        with memoryview(b) as view:
            return self._file.readinto(view[:left])

    def seek(self, pos: int, whence: int = 0) -> int:
        return self._file.seek(pos, whence)

    def tell(self) -> int:
        return self._file.tell()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()
        super().close()


class Inputs:
    """The inputs of one import. Each ``open`` checks again what a path names (so
    the "same files as before" look and the real read apply the same rules); standard
    input is read once, into memory (it may be decrypted plaintext: never spooled to
    disk), and every later ``open`` of ``-`` reads those bytes again."""

    def __init__(self, fmt: str | None = None):
        self.fmt = fmt  # --format, which also overrides a name's extension
        self._stdin: bytes | Refused | None = None

    def open(self, path: str) -> Input:
        from .readers import HEAD, detect_format, sniff

        if path == STDIN:
            data = self._read_stdin()
            stream = io.BytesIO(data)
            return Input(STDIN_NAME, stream, len(data), self.fmt or sniff(data[:HEAD]))
        name = shown_name(path)
        if not path:
            raise Refused(name, "the file name is empty")
        fd = self._open_regular(path, name)
        opened = os.fstat(fd)
        stream = io.BufferedReader(_Capped(fd, opened.st_size), buffer_size=1 << 16)
        try:
            fmt = self.fmt or detect_format(path, stream.peek(HEAD)[:HEAD] if opened.st_size else b"")
            _check_size(name, opened.st_size, fmt)
        except BaseException:
            stream.close()
            raise
        return Input(name, stream, opened.st_size, fmt, fd, opened)

    @staticmethod
    def _open_regular(path: str, name: str, what: str = "roster file") -> int:
        """A file descriptor of the regular file at ``path``, or ``Refused``. Looked at
        before it is opened (a FIFO would block the open, /dev/zero never end), opened
        without blocking, then looked at again through the descriptor, so a path
        swapped in between is caught too."""
        try:
            mode = os.stat(path).st_mode
            if stat.S_ISREG(mode):
                flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
                mode = os.fstat(fd).st_mode
                if stat.S_ISREG(mode):
                    return fd
                os.close(fd)
        except FileNotFoundError:
            raise Refused(name, "no such file") from None
        except OSError as e:
            raise Refused(name, f"cannot be read ({e.strerror})") from None
        kind = kind_of(mode)
        if stat.S_ISDIR(mode):
            raise Refused(name, f"is a directory, not a {what}")
        if stat.S_ISFIFO(mode):
            if what != "roster file":
                raise Refused(name, f"is a named pipe, not a regular file; save the {what} to a file")
            raise Refused(name, "is a named pipe, not a regular file; to import from a pipe, give '-' "
                                "and send the roster to standard input")
        raise Refused(name, f"is {kind}, not a {what}")

    def _read_stdin(self) -> bytes:
        """Standard input, whole, up to ``MAX_WHOLE_FILE_BYTES`` (one byte more is read
        to know it is too much)."""
        if self._stdin is None:
            try:
                self._stdin = _read_stream(sys.stdin, limits.MAX_WHOLE_FILE_BYTES)
            except Refused as e:
                self._stdin = e
        if isinstance(self._stdin, Refused):
            raise self._stdin
        return self._stdin


def _read_stream(stream, limit: int) -> bytes:
    pipe = "pipe a roster into it (gpg -d fr.json.gpg | ctcontacts import -)"
    if stream is None:
        raise Refused(STDIN_NAME, f"standard input is closed; {pipe}")
    try:
        if stream.isatty():
            raise Refused(STDIN_NAME, f"standard input is a terminal; {pipe}, or give the file's name")
        source = getattr(stream, "buffer", stream)
        chunks, total = [], 0
        while total <= limit:
            chunk = source.read(min(CHUNK, limit + 1 - total))
            if not chunk:
                break
            if isinstance(chunk, str):
                chunk = chunk.encode("utf-8")
            chunks.append(chunk)
            total += len(chunk)
    except (OSError, ValueError) as e:
        raise Refused(STDIN_NAME, f"standard input cannot be read ({getattr(e, 'strerror', None) or e})") from None
    if total > limit:
        raise Refused(STDIN_NAME, f"standard input holds more than {_megabytes(limit)}, the most ctcontacts "
                                  "reads from it; save the roster to a file and give its name")
    return b"".join(chunks)


def _check_size(name: str, size: int, fmt: str) -> None:
    # (CSV and JSON are read a row and a roster at a time: only a calendar is held whole.)
    if fmt == "ics" and size > limits.MAX_WHOLE_FILE_BYTES:
        raise Refused(name, f"the file is {_megabytes(size)}; a calendar is read whole and may be at most "
                            f"{_megabytes(limits.MAX_WHOLE_FILE_BYTES)}: split it, a few years to a file")
    if size > limits.MAX_FILE_BYTES:
        raise Refused(name, f"the file is {_megabytes(size)}, more than the {_megabytes(limits.MAX_FILE_BYTES)} "
                            "ctcontacts reads from one file; split it")


def read_small(path: str, limit: int, what: str = "file") -> bytes:
    """A small file named on the command line (a signature, a public key), whole: a
    regular file only, opened as roster files are (a pipe or a device is refused, never
    waited on), and no more than ``limit`` bytes; else ``Refused``."""
    name = shown_name(path)
    if not path:
        raise Refused(name, "the file name is empty")
    fd = Inputs._open_regular(path, name, what)
    with io.FileIO(fd, "r", closefd=True) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise Refused(name, f"is more than {_megabytes(limit)}, far more than a {what} holds; it is not one")
    return data
