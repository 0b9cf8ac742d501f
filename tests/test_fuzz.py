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
