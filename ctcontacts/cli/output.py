"""The one output path of the program: what every command writes to stdout and stderr
goes through here while ``main`` runs, so that a closed, full or abandoned output is
one ``OutputError`` for ``main`` to report, never a traceback."""

from __future__ import annotations

import os

from ..base.errors import OutputError


class Output:
    """``sys.stdout`` while ``main`` runs: every write of every command (JSON, rich
    tables, Typer's help) goes through here, so a closed, full or broken standard output
    is one ``OutputError`` for ``main`` to report, not an ``OSError`` that Click, rich
    and the interpreter each treat their own way (Click exits 1 on a broken pipe, rich
    prints to nowhere when stdout is closed, the interpreter traces back at exit)."""

    def __init__(self, stream):
        self.stream = stream  # None when the program was started with stdout closed

    def write(self, text: str) -> int:
        stream = self.stream
        if stream is None:
            if not isinstance(text, str):
                raise TypeError("write() argument must be str")  # how Click tells a text stream
            if not text:
                return 0
            raise output_error(None)
        try:
            buffer = getattr(stream, "buffer", None) if isinstance(text, str) else None
            if buffer is None:
                return stream.write(text)
            # Bytes through the binary buffer, each one accounted for: when the kernel
            # cuts a write short because the reader left, CPython's text layer drops
            # the rest and reports success; written here, the rest meets EPIPE.
            if os.linesep != "\n":
                text = text.replace("\n", os.linesep)
            data = memoryview(text.encode(self.encoding, self.errors))
            while data:
                n = buffer.write(data)
                if n is None:
                    break
                data = data[n:]
            if getattr(stream, "line_buffering", False):
                buffer.flush()
            return len(text)
        except UnicodeError as e:
            raise OutputError(f"standard output cannot show this text ({e.reason}, encoding {self.encoding}); "
                              "set PYTHONIOENCODING=utf-8.") from None
        except (OSError, ValueError) as e:  # ValueError: the stream was closed
            raise output_error(e) from None

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.stream is None:
            return
        try:
            self.stream.flush()
        except (OSError, ValueError) as e:
            raise output_error(e) from None

    def isatty(self) -> bool:
        try:
            return self.stream is not None and self.stream.isatty()
        except (OSError, ValueError):
            return False

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return getattr(self.stream, "errors", None) or "strict"

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


class Errors(Output):
    """``sys.stderr`` while ``main`` runs: a message that cannot be written is dropped
    (there is nowhere left to say anything; the exit code still tells)."""

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except OutputError:
            silence(self.stream)
            return len(text)

    def flush(self) -> None:
        try:
            super().flush()
        except OutputError:
            silence(self.stream)


def output_error(e: BaseException | None) -> OutputError:
    import errno

    code = getattr(e, "errno", None)
    if code == errno.EPIPE:
        # The reader (head, less) has all it wanted: nothing to say, but the output is cut.
        return OutputError("standard output was closed by its reader", quiet=True)
    if e is None or code == errno.EBADF or not isinstance(e, OSError) or code is None:
        return OutputError("standard output is closed, so nothing could be printed; "
                           "run the command with its output going to a terminal, a file or a pipe.")
    return OutputError(f"cannot write to standard output ({e.strerror or e}); "
                       "free some space or send the output elsewhere.")


def silence(stream) -> None:
    """Point a failed stream's file descriptor at /dev/null and drop what it still
    holds, so that the interpreter's last flush at exit succeeds without a word."""
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
        stream.flush()
    except (AttributeError, OSError, ValueError):
        pass
