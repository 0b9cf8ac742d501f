"""A JSON roster file is read a roster at a time (``readers._read_json``), so
that a file of every roster of a directory is never held whole. Whatever the pieces it
is read in, it must find exactly what reading the whole document with ``json`` finds:
the same rosters, contacts and rules, and the same problems, at the same places (a
syntax error at the same line and column)."""

import io
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ctcontacts.formats import readers

from .conftest import contact, roster


def streamed(text: str, chunk: int, monkeypatch) -> readers.RawFile:
    monkeypatch.setattr(readers, "JSON_CHUNK", chunk)
    return readers.read_file("r.json", io.BytesIO(text.encode()), fmt="json")


def whole(text: str) -> readers.RawFile:
    """What reading the whole document with ``json.loads`` gives: the reader before
    streaming, kept here as the reference (its checks are the streamed reader's own)."""
    from ctcontacts.base.errors import Problem

    raw = readers.RawFile("r.json", "json")
    found = []
    try:
        doc = json.loads(text, object_pairs_hook=readers._noting_repeats(found))
    except json.JSONDecodeError as e:
        raw.problems.append(Problem("r.json", f"line {e.lineno}, column {e.colno}", "", f"not valid JSON: {e.msg}"))
        return raw
    except (ValueError, RecursionError) as e:
        raw.problems.append(Problem("r.json", "file", "", f"the JSON cannot be read ({type(e).__name__}); it is not "
                                                          "a roster"))
        return raw
    raw.problems.extend(readers._repeated_keys("r.json", doc, found))
    if not isinstance(doc, dict):
        raw.problems.append(Problem("r.json", "$", "", f'a roster file is a JSON object with "format": '
                                                       f'"{readers.FORMAT}"'))
        return raw
    if doc.get("format") != readers.FORMAT:
        got = doc.get("format")
        raw.problems.append(Problem("r.json", "$", "format", f'this JSON is not a ctcontacts roster: "format" must '
                                    f'be "{readers.FORMAT}"' + (f", not {readers.clip(got)}" if got is not None else "")))
        return raw
    for key in doc:
        if key not in readers.TOP_FIELDS:
            raw.problems.append(Problem("r.json", "$", readers.shorten(key), readers._unknown(key, readers.TOP_FIELDS)))
    raw.networks.extend(readers._objects(raw, doc, "$", "networks", readers.NETWORK_FIELDS, "network definition", []))
    if not isinstance(doc.get("rosters"), list):
        raw.problems.append(Problem("r.json", "$", "rosters", "must be a list of rosters"))
        return raw
    for i, r in enumerate(doc["rosters"]):
        if readers._object(raw, f"rosters[{i}]", r, readers.ROSTER_FIELDS, "roster"):
            readers._add_roster(raw, f"rosters[{i}]", r, None, None)
    return raw


def summary(raw: readers.RawFile) -> tuple:
    return ([(p.where, p.field, p.reason) for p in raw.problems],
            [(r.where, r.network, r.member, r.issued, r.demo,
              [(c.where, c.values, c.places, list(c.duty)) for c in r.contacts]) for r in raw.rosters],
            raw.networks)


def document(rng: random.Random) -> str:
    """A roster file of a few rosters with every kind of value, written as someone might."""
    rosters = []
    for m, member in enumerate(rng.sample(["FR", "DE", "ES", "org:coe", "Italy"], rng.randint(0, 3))):
        people = [contact(f"c-{m}-{i}", duty=rng.choice([
            ["24/7"], ["Mo-Fr 08:00-18:00", "off 2026-12-24T00:00/P3D"],
            [{"rrule": "FREQ=WEEKLY;BYDAY=MO", "start": "2026-01-05T09:00", "duration": "P7D"}],
            ["2026-12-01T08:00/2026-12-01T20:00", "2026-12-02T08:00/PT12H"], "24/7", []]),
            rank=rng.choice([1, 2, "3", 1.5])) for i in range(rng.randint(0, 3))]
        rosters.append(roster(member, contacts=people, **rng.choice([{}, {"demo": True}, {"extra": 1}])))
    doc = {"format": "ctcontacts-roster/1", "rosters": rosters}
    if rng.random() < 0.4:
        doc["networks"] = [{"code": "x1", "name": "X", "organization": "O", "fallback": "org:coe"}]
    keys = list(doc)
    rng.shuffle(keys)  # the fields of the file in any order: format after the rosters, say
    doc = {k: doc[k] for k in keys}
    return json.dumps(doc, indent=rng.choice([None, 1, 2]), ensure_ascii=rng.random() < 0.5)


def damaged(text: str, rng: random.Random) -> str:
    """``text`` with a few characters deleted, doubled or changed."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text))
        kind = rng.randrange(3)
        if kind == 0:
            text = text[:at] + text[at + 1:]
        elif kind == 1:
            text = text[:at] + text[at] + text[at:]
        else:
            text = text[:at] + rng.choice('{}[],:"\n 0a\\') + text[at + 1:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32), broken=st.booleans(), chunk=st.sampled_from([1, 2, 5, 64, 1 << 20]))
def test_a_file_read_in_pieces_reads_as_the_whole_document(monkeypatch, seed, broken, chunk):
    rng = random.Random(seed)
    text = document(rng)
    if broken:
        text = damaged(text, rng)
    assert summary(streamed(text, chunk, monkeypatch)) == summary(whole(text))


@pytest.mark.parametrize("chunk", [1, 3, 4096])
def test_a_syntax_error_far_into_the_file_is_placed_as_json_places_it(monkeypatch, chunk):
    rosters = [roster(f"org:m{i}", contacts=[contact(f"m{i}")]) for i in range(60)]
    text = json.dumps({"format": "ctcontacts-roster/1", "rosters": rosters}, indent=2)
    at = text.index('"m57"')
    text = text[:at] + text[at + 1:]  # an unterminated string, some 2,000 lines in
    with pytest.raises(json.JSONDecodeError) as e:
        json.loads(text)
    problems = [(p.where, p.reason) for p in streamed(text, chunk, monkeypatch).problems]
    assert e.value.lineno > 1000
    assert problems == [(f"line {e.value.lineno}, column {e.value.colno}", f"not valid JSON: {e.value.msg}")]


def test_a_number_cut_at_the_end_of_a_piece_is_read_whole(monkeypatch):
    """A value that ends exactly where a piece ends may go on in the next (``12`` read
    as ``1``): the reader reads on before taking it."""
    text = json.dumps({"rosters": [], "format": "ctcontacts-roster/1", "networks": 12345})
    for chunk in range(1, 12):
        problems = [(p.where, p.field, p.reason) for p in streamed(text, chunk, monkeypatch).problems]
        assert problems == [("$", "networks", "must be a list of network definitions")], chunk


def test_a_value_longer_than_a_file_read_whole_could_be_is_refused(monkeypatch):
    from ctcontacts.base import limits

    monkeypatch.setattr(limits, "MAX_WHOLE_FILE_BYTES", 500)
    small = json.dumps({"format": "ctcontacts-roster/1", "rosters": [roster("FR")] * 3})
    assert not streamed(small, 64, monkeypatch).problems  # each roster is short; the file is not
    big = json.dumps({"format": "ctcontacts-roster/1", "rosters": [roster("FR", contacts=[contact()] * 5)]})
    for chunk in (64, 1 << 20):
        raw = streamed(big, chunk, monkeypatch)
        assert [p.reason for p in raw.problems] == [
            "it holds a JSON value of more than 500 characters; no roster within ctcontacts' limits is that "
            "long"] and not raw.rosters


def test_a_file_of_every_roster_is_held_a_roster_at_a_time(monkeypatch):
    """The rules of a roster are held packed, as CSV's, not as the document's lists."""
    from ctcontacts.base.packed import PackedTexts

    text = json.dumps({"format": "ctcontacts-roster/1", "rosters": [
        roster("FR", contacts=[contact(duty=["Mo-Fr 08:00-18:00", "Sa 09:00-12:00"]),
                               contact("fr-2", duty=[{"rrule": "FREQ=DAILY", "start": "2026-01-01T08:00",
                                                      "duration": "PT8H"}])])]})
    raw = streamed(text, 7, monkeypatch)
    first, second = raw.rosters[0].contacts
    assert isinstance(first.duty.values, PackedTexts) and list(first.duty) == [
        (0, "Mo-Fr 08:00-18:00"), (1, "Sa 09:00-12:00")]
    assert first.duty.where(1) == "rosters[0].contacts[0].duty[1]"
    assert isinstance(second.duty.values, list)  # an object among them: kept as written


@pytest.mark.parametrize("chunk", [64, 1 << 20])
def test_binary_data_past_the_head_is_binary_data(monkeypatch, chunk):
    rosters = [roster(f"org:m{i}", contacts=[contact(f"m{i}", notes="x" * 500)]) for i in range(200)]
    text = json.dumps({"format": "ctcontacts-roster/1", "rosters": rosters})
    at = len(text) - 1000  # past the 64 kB head that is checked before reading
    assert at > readers.HEAD
    raw = streamed(text[:at] + "\x00" + text[at:], chunk, monkeypatch)
    assert [p.reason for p in raw.problems] == ["the file holds binary data (NUL bytes); it is not a roster"]
    assert not raw.rosters


def test_a_lone_surrogate_is_reported_where_it_is_written(monkeypatch):
    """JSON may escape half a character (``\\ud800``), which is no UTF-8: such rules
    are not packed but kept as written, for validation to say where they are."""
    text = json.dumps({"format": "ctcontacts-roster/1", "rosters": [roster("FR", contacts=[
        contact(duty=["24/7\ud800", "Mo-Fr 08:00-18:00"])])]})
    assert "\\ud800" in text
    raw = streamed(text, 1 << 20, monkeypatch)
    assert not raw.problems and list(raw.rosters[0].contacts[0].duty) == [(0, "24/7\ud800"), (1, "Mo-Fr 08:00-18:00")]


@pytest.mark.parametrize("late", [False, True])
def test_a_byte_that_is_not_utf8_is_named_by_its_offset(tmp_path, cli, late):
    """A Latin-1 file, say: the byte's offset, as for CSV, early in the file or past
    the head read first (found at the import, not only by the reader)."""
    rosters = [roster(f"org:m{i}", contacts=[contact(f"m{i}", notes="x" * 500)]) for i in range(200 if late else 1)]
    data = json.dumps({"format": "ctcontacts-roster/1", "rosters": rosters}).encode()
    at = len(data) - 100 if late else data.index(b"org:m0") + 3
    path = tmp_path / "latin.json"
    path.write_bytes(data[:at] + b"\xe9" + data[at:])
    result = cli("import", "--dry-run", path)
    assert result.exit_code == 2
    assert f"byte offset {at}: byte 0xe9 is not valid UTF-8 text" in result.stderr, result.stderr


@pytest.mark.parametrize("number", ["1e400", "1.5", "-20", "12345", "1E+2"])
def test_every_number_cut_at_the_end_of_a_piece_is_read_whole(monkeypatch, number):
    text = '{"rosters": [], "format": "ctcontacts-roster/1", "networks": ' + number + "}"
    for chunk in range(1, len(text) + 1):
        problems = [(p.where, p.field, p.reason) for p in streamed(text, chunk, monkeypatch).problems]
        assert problems == [("$", "networks", "must be a list of network definitions")], (number, chunk)


def test_an_early_error_in_a_file_longer_than_the_limit_is_the_error(monkeypatch):
    """Only an error at the end of what is read may be a value cut short: any other is
    the file's own, said where json says it, however long the file."""
    from ctcontacts.base import limits

    monkeypatch.setattr(limits, "MAX_WHOLE_FILE_BYTES", 500)
    rest = ", ".join(json.dumps(roster(f"org:m{i}")) for i in range(40))
    text = '{"format": "ctcontacts-roster/1", "rosters": [{"network" "ftf"}, ' + rest + "]}"
    with pytest.raises(json.JSONDecodeError) as e:
        json.loads(text)
    for chunk in (16, 64, 4096):
        assert [(p.where, p.reason) for p in streamed(text, chunk, monkeypatch).problems] == [
            (f"line {e.value.lineno}, column {e.value.colno}", f"not valid JSON: {e.value.msg}")], chunk


def test_a_roster_under_the_limit_is_read_wherever_it_falls(monkeypatch):
    """The limit is the value's length, not how much happens to be read around it."""
    from ctcontacts.base import limits

    monkeypatch.setattr(limits, "MAX_WHOLE_FILE_BYTES", 1000)
    one = json.dumps(roster("FR", contacts=[contact(f"c{i}") for i in range(5)]))
    assert 600 < len(one) < 1000
    for pad in range(0, 200, 7):
        text = '{"format": "ctcontacts-roster/1",' + " " * pad + '"rosters": [' + one + ", " + one.replace(
            '"FR"', '"DE"') + "]}"
        raw = streamed(text, 100, monkeypatch)
        assert not raw.problems and len(raw.rosters) == 2, pad


def test_fields_of_no_roster_file_are_named_up_to_the_limit_and_not_kept(monkeypatch):
    from ctcontacts.base.limits import MAX_PROBLEMS

    text = json.dumps({"format": "ctcontacts-roster/1", "rosters": [],
                       **{f"k{i}": [i] * 10 for i in range(MAX_PROBLEMS + 500)}})
    raw = streamed(text, 4096, monkeypatch)
    assert len(raw.problems) == MAX_PROBLEMS
    assert raw.problems[0].field == "k0" and "unknown field 'k0'" in raw.problems[0].reason
