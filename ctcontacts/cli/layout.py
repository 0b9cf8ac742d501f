"""Output that fits the terminal, at any width: tables where they fit, stacked cards
(one record a block) below that, and lines that wrap between words but never inside
a phone number, an e-mail address or a time.

What is shown is built from ``Part``s: a run of text with a style, either ``words``
(wrapped at its spaces, and folded only if one word is wider than the screen) or
``whole`` (never broken: numbers, addresses, times). A ``Line`` is parts shown one
after the other; a ``Cell`` is lines shown one under the other. Roster text enters
only through ``safe`` (``Part`` calls it), and reaches rich as ``Text``, never markup.

Rich is given finished lines only (tables get columns of fixed width that every
whole part fits in, lines are printed as ``soft_wrap``), so it never wraps on its own.
"""

from __future__ import annotations

from rich import box as boxes
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..base.text import safe


class Part:
    """A run of text with a style; ``whole``: never broken across lines."""

    __slots__ = ("text", "style", "whole")

    def __init__(self, text: object, style: str = "", whole: bool = False):
        self.text, self.style, self.whole = safe(text), style, whole


def whole(value: object, style: str = "") -> Part:
    return Part(value, style, True)


def words(value: object, style: str = "") -> Part:
    return Part(value, style, False)


Line = list  # of Part
Cell = list  # of Line


def line(*parts) -> Line:
    """A line of parts; a plain value is ``words``, a ``(value, style)`` pair too."""
    out = []
    for p in parts:
        if isinstance(p, Part):
            if p.text:
                out.append(p)
        elif isinstance(p, tuple):
            if p[0] not in (None, ""):
                out.append(Part(*p))
        elif p not in (None, ""):
            out.append(Part(p))
    return out


def cell(*lines_) -> Cell:
    """A cell of lines; a Part, a value or a pair stands for a line of its own.
    Empty lines are left out."""
    out = []
    for item in lines_:
        ln = item if isinstance(item, list) else line(item)
        if ln:
            out.append(ln)
    return out


# --- flowing a line into a width ------------------------------------------------


def _words(ln: Line) -> list[tuple[list[tuple[str, str]], bool, str]]:
    """The unbreakable words of a line: (fragments, holds a whole part, style of the
    space before it). Parts are shown a space apart, as ``print`` shows its arguments;
    a line breaks only there and at the spaces inside ``words`` parts."""
    out: list = []
    for part in ln:
        if part.whole:
            out.append(([(part.text, part.style)], True, part.style if out and out[-1][2] == part.style else ""))
            continue
        for piece in part.text.split(" "):
            if piece:
                out.append(([(piece, part.style)], False, part.style))
    # A space takes the style of the words on both sides of it only when they share it
    # (a red banner stays one red bar; a plain space never carries a background).
    fixed = []
    for i, (fragments, has_whole, _) in enumerate(out):
        before = out[i - 1][0][-1][1] if i else ""
        fixed.append((fragments, has_whole, before if before == fragments[0][1] else ""))
    return fixed


def _fold(fragments: list[tuple[str, str]], width: int) -> list[list[tuple[str, str]]]:
    """A word wider than ``width`` (never one holding a whole part), cut into pieces."""
    pieces, current, used = [], [], 0
    for text, style in fragments:
        run = ""
        for ch in text:
            w = cell_len(ch)
            if used + w > width and (run or current):
                if run:
                    current.append((run, style))
                pieces.append(current)
                current, run, used = [], "", 0
            run += ch
            used += w
        if run:
            current.append((run, style))
    if current:
        pieces.append(current)
    return pieces


def flow(ln: Line, width: int, hang: int = 0) -> list[Text]:
    """One line laid out in ``width`` cells: wrapped between words, continuation
    lines indented by ``hang``. A whole part wider than the room is never cut: its
    line is wider than ``width`` (the terminal then wraps it, digits intact)."""
    width = max(width, 1)
    lines: list[Text] = []
    current, used = Text(), 0
    indent = 0
    for fragments, has_whole, space_style in _words(ln):
        size = sum(cell_len(t) for t, _ in fragments)
        if used > indent and used + 1 + size <= width:
            current.append(" ", style=space_style)
            used += 1
        elif used > indent:
            lines.append(current)
            indent = min(hang, max(width - 1, 0))
            current, used = Text(" " * indent), indent
        room = width - used
        if size > room and not has_whole:
            pieces = _fold(fragments, max(width - indent, 1))
            for i, piece in enumerate(pieces):
                if i:
                    lines.append(current)
                    current, used = Text(" " * indent), indent
                for t, s in piece:
                    current.append(t, style=s)
                    used += cell_len(t)
            continue
        for t, s in fragments:
            current.append(t, style=s)
        used += size
    lines.append(current)
    return lines


def measure(c: Cell) -> tuple[int, int]:
    """(narrowest width a cell can be laid out in, its width unwrapped). A column of
    text may be narrow; it is never narrower than its widest whole part."""
    least, most = 0, 0
    for ln in c:
        total = 0
        for fragments, has_whole, _ in _words(ln):
            size = sum(cell_len(t) for t, _ in fragments)
            total += size + (1 if total else 0)
            least = max(least, size if has_whole else min(size, PROSE_MIN))
        most = max(most, total)
    return least, most


# A column of words is never made narrower than this (or its longest word, if shorter).
PROSE_MIN = 16


def text_of(c: Cell, width: int) -> Text:
    """A cell laid out in ``width`` cells, as one Text."""
    out = Text()
    for i, ln in enumerate(c):
        for j, t in enumerate(flow(ln, width)):
            if i or j:
                out.append("\n")
            out.append_text(t)
    return out


def emit(out: Console, lines: list[Text]) -> None:
    """Print finished lines as they are: rich neither wraps nor crops them."""
    if not lines:
        return
    joined = Text("\n").join(lines)
    out.print(joined, soft_wrap=True)


def say(out: Console, *parts, hang: int = 0) -> None:
    """One line of prose (with whole parts) in the console's width."""
    emit(out, flow(line(*parts), out.width, hang))


# --- tables and cards -----------------------------------------------------------------


class Column:
    """A column of a table; ``label`` names it in a card (default: the heading);
    ``title``: in a card, shown as the card's first lines, without a label."""

    __slots__ = ("heading", "label", "justify", "title", "indent", "hang", "wrap")

    def __init__(self, heading: str, label: str | None = None, justify: str = "left", title: bool = False,
                 indent: int = 0, hang: int = 0, wrap: int = 2):
        self.heading, self.justify, self.title = heading, justify, title
        self.indent, self.hang, self.wrap = indent, hang, wrap
        self.label = heading.replace("\n", " ") if label is None else label


def _heading_cell(heading: str) -> Cell:
    return [line(h) for h in heading.split("\n")]


def table_widths(columns: list[Column], rows: list[list[Cell]], width: int, overhead: int) -> list[int] | None:
    """Widths of the columns so that the table fits ``width``, or ``None`` when even
    the narrowest would not: then cards. Each column gets at least its narrowest
    width; what is left goes to the columns that would use it, in proportion."""
    least, most = [], []
    for i, col in enumerate(columns):
        lo, hi = measure(_heading_cell(col.heading))
        lo = min(lo, max((len(w) for w in col.heading.split()), default=1))
        for r in rows:
            a, b = measure(r[i])
            lo, hi = max(lo, a), max(hi, b)
        least.append(max(lo, 1))
        most.append(max(hi, lo, 1))
    room = width - overhead
    if sum(least) > room:
        return None
    widths = list(least)
    spare = room - sum(widths)
    # Water-filling: every column still short of its natural width gets an equal share
    # of what is left, so narrow columns are whole before a wide one takes the rest.
    while spare > 0:
        wanting = [i for i in range(len(widths)) if widths[i] < most[i]]
        if not wanting:
            break
        share = max(spare // len(wanting), 1)
        for i in sorted(wanting, key=lambda i: most[i] - widths[i]):
            give = min(share, most[i] - widths[i], spare)
            widths[i] += give
            spare -= give
            if not spare:
                break
    return widths


def overhead(columns: list[Column]) -> int:
    """What a table's borders and padding take: a border each side of every column,
    one cell of padding each side."""
    return 3 * len(columns) + 1


def fits(out: Console, columns: list[Column], *row_sets: list[list[Cell]]) -> bool:
    """Whether every one of these sets of rows fits the console as a table: one answer
    in several tables is drawn all as tables, or all as cards."""
    return all(table_widths(columns, rows, out.width, overhead(columns)) is not None for rows in row_sets if rows)


def grid(out: Console, columns: list[Column], rows: list[list[Cell]], *, show_lines: bool = False,
         box=boxes.HEAVY_HEAD, width: int | None = None, separator: bool = True,
         cards_as: tuple[list[Column], list[list[Cell]]] | None = None, body: int = 0,
         as_cards: bool = False) -> None:
    """Rows as a table when it fits the console, else as cards (``cards_as``: the
    cards' own columns and rows, when they are not the table's; ``body``: how far in
    their labelled lines are; ``as_cards``: cards whatever the width)."""
    width = out.width if width is None else width
    widths = None if as_cards else table_widths(columns, rows, width, overhead(columns))
    if widths is None:
        card_columns, card_rows = cards_as or (columns, rows)
        cards(out, card_columns, card_rows, width, separator=separator, body=body)
        return
    table = Table(box=box, show_lines=show_lines)
    for col, w in zip(columns, widths):
        table.add_column(text_of(_heading_cell(col.heading), w), width=w, justify=col.justify, overflow="fold")
    for r in rows:
        table.add_row(*[text_of(c, w) for c, w in zip(r, widths)])
    out.print(table, width=width)


def cards(out: Console, columns: list[Column], rows: list[list[Cell]], width: int, separator: bool = True,
          body: int = 0) -> None:
    """Each row as a block: its title column(s) first (a title cell's first line at the
    column's ``indent``, the lines after it ``hang`` further in, a line that wraps
    ``wrap`` further in), then ``label  value`` lines, ``body`` cells in."""
    labels = [c.label for c in columns if not c.title]
    pad = min(max((cell_len(x) for x in labels), default=0) + 2, max((width - body) // 2, 4))
    lines: list[Text] = []
    for n, r in enumerate(rows):
        if n and separator:
            lines.append(Text("─" * min(width, 40), style="dim"))
        for col, c in zip(columns, r):
            if not c:
                continue
            if col.title:
                for i, ln in enumerate(c):
                    lead = col.indent + (col.hang if i else 0)
                    lines.extend(Text(" " * lead) + t for t in flow(ln, width - lead, col.wrap))
                continue
            lines.extend(Text(" " * body) + t for t in labelled(col.label, c, width - body, pad))
    emit(out, lines)


def labelled(label: str, c: Cell, width: int, pad: int) -> list[Text]:
    """``label  value`` lines: values in a column ``pad`` cells in; a value too wide
    for it starts at the left edge instead, and one too wide for the screen stays whole."""
    out: list[Text] = []
    room = max(width - pad, 1)
    first = True
    head = Text(label[: pad - 1] if cell_len(label) >= pad else label, style="dim")
    for ln in c:
        for t in flow(ln, room):
            if t.cell_len <= room:
                indent = pad
            elif t.cell_len + 2 <= width:
                indent = 2
            else:
                indent = 0
            if first:
                first = False
                if indent == pad:
                    row = head.copy()
                    row.append(" " * (pad - head.cell_len))
                    row.append_text(t)
                    out.append(row)
                    continue
                out.append(head.copy())
            out.append(Text(" " * indent) + t)
    return out
