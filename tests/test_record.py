"""The small containers that stand in for dataclasses and lists on hot paths."""

from __future__ import annotations

import pytest

from ctcontacts.formats.readers import RawDuty
from ctcontacts.base.values import FrozenInstanceError, field, value_class, replace
from ctcontacts.domain.rules import Duty, RuleText


@value_class(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple = field(default_factory=tuple)
    note: str = field(default="", compare=False)


@value_class
class Box:
    items: list = field(default_factory=list)
    size: int = 1


def test_records_compare_hash_and_print_by_their_fields():
    assert Point(1) == Point(1, 0) and Point(1, 2) != Point(2, 1)
    assert Point(1, note="a") == Point(1, note="b")  # compare=False
    assert hash(Point(1, 2, note="a")) == hash(Point(1, 2, note="b"))
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=(), note='')"
    assert Point(1) != (1, 0, (), "")  # not a tuple
    with pytest.raises(FrozenInstanceError):
        Point(1).x = 2
    with pytest.raises(TypeError):
        Point()  # x is required


def test_record_defaults_are_fresh_and_mutable_records_are_unhashable():
    a, b = Box(), Box()
    a.items.append(1)
    assert b.items == [] and a != b
    with pytest.raises(TypeError):
        hash(a)
    assert replace(Point(1, 2), y=5) == Point(1, 5)
    with pytest.raises(TypeError):
        replace(Point(1), z=1)


def test_a_field_without_default_after_one_with_is_refused():
    with pytest.raises(TypeError):
        @value_class
        class Bad:
            a: int = 1
            b: int


def test_packed_duty_reads_like_a_list_of_rule_texts():
    duty = Duty()
    duty.append("24/7")
    duty.append("2026-12-01T08:00/PT8H", (100, 200))
    assert len(duty) == 2 and duty[1].span == (100, 200) and duty[0].span is None
    assert [r.text() for r in duty] == ["24/7", "2026-12-01T08:00/PT8H"]
    assert list(duty.rows()) == [("24/7", None, None), ("2026-12-01T08:00/PT8H", 100, 200)]
    assert duty == [RuleText("24/7"), RuleText("2026-12-01T08:00/PT8H")]
    assert duty == Duty([RuleText("24/7"), RuleText("2026-12-01T08:00/PT8H", (100, 200))])
    assert duty != Duty([RuleText("2026-12-01T08:00/PT8H"), RuleText("24/7")])  # order counts


def test_raw_duty_keeps_each_value_with_its_place():
    rows = RawDuty()
    rows.append(7, "24/7")
    rows.append(8, "Mo 08:00-09:00")
    assert list(rows) == [(7, "24/7"), (8, "Mo 08:00-09:00")] and len(rows) == 2
    assert rows.where(8) == "row 8"
    listed = RawDuty("rosters[0].contacts[2]", ["24/7", "Mo 08:00-09:00"])
    assert list(listed) == [(0, "24/7"), (1, "Mo 08:00-09:00")]
    assert listed.where(1) == "rosters[0].contacts[2].duty[1]"
    rows.clear()
    listed.clear()
    assert list(rows) == [] and not rows and not listed
    rows.append(9, "24/7")  # a cleared CSV duty still takes rows
    assert list(rows) == [(9, "24/7")]


def test_packed_texts_read_back_what_was_appended():
    from ctcontacts.base.packed import PackedTexts

    texts = PackedTexts()
    for t in ["24/7", "Mo-Fr 08:00-18:00", "", "2026-12-01T07:00/PT12H"]:
        texts.append(t)
    assert list(texts) == ["24/7", "Mo-Fr 08:00-18:00", "", "2026-12-01T07:00/PT12H"] and len(texts) == 4
    assert texts[0] == "24/7" and texts[-1] == "2026-12-01T07:00/PT12H" and texts[2] == ""
    with pytest.raises(IndexError):
        texts[4]
    other = PackedTexts()
    for t in ["24/7", "Mo-Fr 08:00-18:00", "", "2026-12-01T07:00/PT12H"]:
        other.append(t)
    assert texts == other
    other.append("x")
    assert texts != other
    # Texts cut elsewhere are other texts, though their bytes follow one another alike.
    a, b = PackedTexts(), PackedTexts()
    a.append("ab"), a.append("c")
    b.append("a"), b.append("bc")
    assert a != b
    # Beyond ASCII, byte and character offsets differ: each text is still whole.
    wide = PackedTexts()
    for t in ["Lu-Ve 08:00", "généraliste", "24/7", "日本"]:
        wide.append(t)
    assert list(wide) == ["Lu-Ve 08:00", "généraliste", "24/7", "日本"] and wide[1] == "généraliste"
