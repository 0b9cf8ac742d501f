"""Arbitrary and near-valid input never crashes import, and a failure writes nothing."""

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from .conftest import contact, dump, roster

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)

FIELDS = ["id", "name", "phones", "timezone", "duty", "rank", "email", "languages", "verified", "agency"]


@st.composite
def near_valid(draw):
    c = contact()
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        c[key] = draw(json_values)
    r = roster("FR", contacts=[c])
    if draw(st.booleans()):
        r[draw(st.sampled_from(["network", "member", "issued", "contacts"]))] = draw(json_values)
    return {"format": "ctcontacts-roster/1", "rosters": [r]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.one_of(near_valid(), json_values), raw=st.binary(max_size=200), use_raw=st.booleans(),
       suffix=st.sampled_from([".json", ".csv"]))
def test_import_never_crashes(tmp_path, cli, db_path, doc, raw, use_raw, suffix):
    path = tmp_path / f"in{suffix}"
    path.write_bytes(raw if use_raw else json.dumps(doc).encode())
    before = dump(db_path) if db_path.exists() else None
    result = cli("import", path)  # raises on any uncaught exception
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert (dump(db_path) if db_path.exists() else None) == before
        assert "Traceback" not in result.stderr


CSV_HEADER = ["network", "member", "id", "name", "phones", "timezone", "duty", "rank", "email"]
CSV_ROW = ["ftf", "FR", "fr-desk", "Desk", "+33 1 99 00 12 34", "Europe/Paris", "Mo-Fr 08:00-18:00", "1", "d@example.org"]


@st.composite
def near_valid_csv(draw):
    rows = [list(CSV_ROW) for _ in range(draw(st.integers(1, 3)))]
    for row in rows:
        for i in draw(st.lists(st.integers(0, len(CSV_ROW) - 1), max_size=3)):
            row[i] = draw(st.text(max_size=12))
    header = list(CSV_HEADER)
    if draw(st.booleans()):
        header[draw(st.integers(0, len(header) - 1))] = draw(st.text(max_size=8))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    return ("\r\n" if draw(st.booleans()) else "\n").join(lines)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=near_valid_csv(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_near_valid_csv_never_crashes(tmp_path, cli, db_path, text, encoding):
    path = tmp_path / "in.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        return  # lone surrogates cannot even be written
    before = dump(db_path) if db_path.exists() else None
    result = cli("import", path)
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert (dump(db_path) if db_path.exists() else None) == before
