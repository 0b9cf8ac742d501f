"""Networks and members: the shipped network list, and turning what a user types
(``fr``, ``FRA``, ``250``, ``France``, ``UK``, ``EU``, ``org:coe``) into a member code.

Member codes are ISO 3166-1 alpha-2 (plus the user-assigned ``XK``) or
``org:NAME`` for organisations.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache

from ..base.errors import UsageError
from .model import Network

ORG = re.compile(r"^org:[a-z0-9][a-z0-9._-]*$")

# Names people use that ISO does not, and the organisations' short forms.
ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
    "united states of america": "US",
    "russia": "RU",
    "turkey": "TR",
    "vatican": "VA",
    "vatican city": "VA",
    "holy see": "VA",
    "kosovo": "XK",
    "xk": "XK",
    "xks": "XK",
    "south korea": "KR",
    "north korea": "KP",
    "eu": "org:eu",
    "european union": "org:eu",
    "coe": "org:coe",
    "council of europe": "org:coe",
    "interpol": "org:interpol",
    "europol": "org:europol",
    "eurojust": "org:eurojust",
    "oas": "org:oas-cicte",
    "cicte": "org:oas-cicte",
}


def data_dir() -> str:
    """The project's ``data/``: packaged inside the wheel, or beside the source tree.
    A string, not a ``Path``: lookups read networks.json and pathlib costs 4 ms to import."""
    here = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))  # the package, above domain/
    packaged = os.path.join(here, "data")
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(here), "data")


@lru_cache(maxsize=1)
def builtin_networks() -> dict[str, Network]:
    with open(os.path.join(data_dir(), "networks.json"), encoding="utf-8") as f:
        raw = json.load(f)
    out = {}
    for n in raw["networks"]:
        members = {m["member"]: m for m in n.get("members", [])}
        out[n["code"]] = Network(
            n["code"], n["name"], n.get("organization", ""), n.get("fallback"), members, builtin=True,
            roster_max_age_days=n.get("roster_max_age_days", 365),
        )
    return out


def known_member_codes() -> set[str]:
    codes: set[str] = set()
    for n in builtin_networks().values():
        codes.update(n.members)
    return codes


def member_label(code: str) -> str:
    """``France (FR)``; organisations are shown as their code."""
    if code.startswith("org:"):
        return code
    name = country_name(code)
    return f"{name} ({code})" if name else code


def country_name(code: str) -> str | None:
    if code == "XK":
        return "Kosovo"
    return _country_names().get(code)


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """ISO 3166-1 short names by alpha-2 code."""
    return {e["alpha_2"]: e.get("common_name") or e["name"] for e in _iso_countries()}


@lru_cache(maxsize=1)
def _iso_countries() -> list[dict]:
    """ISO 3166-1 entries (alpha_2, alpha_3, numeric, name, ...), from pycountry's own
    data file.

    Fast path, read directly: ``import pycountry`` costs about 35 ms (it asks
    importlib.metadata for its version), more than a whole ``whois --json`` may take;
    reading the 50 kB file costs under 1 ms. Every lookup by code or name goes through
    here, so a lookup costs the same for every country, shipped member or not
    (issue 13 measured 88 ms against 32 ms for a member outside the shipped networks).
    Should the file move in a later pycountry, ask pycountry itself."""
    try:
        with open(_pycountry_file("databases", "iso3166-1.json"), encoding="utf-8") as f:
            entries = json.load(f)["3166-1"]
        if all(isinstance(e, dict) and "alpha_2" in e and "alpha_3" in e and "name" in e for e in entries):
            return entries
    except (AttributeError, OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    import pycountry

    return [dict(c._fields) for c in pycountry.countries]


def _pycountry_file(*parts: str) -> str:
    """A file of the pycountry package, found where the import system would find the
    package (the first entry of ``sys.path`` that holds it), without importing it or
    ``importlib.util`` (0.75 ms, contextlib with it); ``""`` if none holds it."""
    import sys

    for entry in sys.path:
        path = os.path.join(entry or os.curdir, "pycountry", *parts)
        if os.path.isdir(os.path.join(entry or os.curdir, "pycountry")):
            return path
    return ""


@lru_cache(maxsize=1)
def _iso_index() -> dict[str, str]:
    """Every ISO spelling, case-folded, to its alpha-2 code: the codes (alpha-2,
    alpha-3, numeric) and the names (short, common, official), as
    ``pycountry.countries.lookup`` matches them."""
    index: dict[str, str] = {}
    for e in _iso_countries():
        code = e["alpha_2"]
        for attr in ("alpha_2", "alpha_3", "numeric", "name", "common_name", "official_name"):
            value = e.get(attr)
            if value:
                index.setdefault(value.casefold(), code)
    return index


def resolve_member(text: str) -> str:
    """The member code for what a user typed, or a ``UsageError`` with suggestions."""
    code = find_member(text)
    if code is None:
        raise UsageError(unknown_member_message(text))
    return code


def find_member(text: str) -> str | None:
    raw = (text or "").strip()
    low = raw.casefold()
    if not low:
        return None
    if low.startswith("org:"):
        return low if ORG.match(low) else None
    if low in ALIASES:
        return ALIASES[low]
    upper = raw.upper()
    # Fast path: a two-letter code of a member we ship, without reading ISO data.
    if len(upper) == 2 and upper in known_member_codes():
        return upper
    if upper.isascii() and upper.isdigit():
        low = upper.zfill(3)
    return _iso_index().get(low)


def _candidates() -> dict[str, str]:
    """Every spelling we know, lower-cased, mapped to its member code."""
    names = dict(_iso_index())
    names.update(ALIASES)
    for code in known_member_codes():
        names.setdefault(code.casefold(), code)
    return names


def suggest_members(text: str, limit: int = 3) -> list[str]:
    from ..base.text import close_matches

    names = _candidates()
    hits = close_matches(text.strip().casefold(), list(names), n=limit * 3, cutoff=0.6)
    out: list[str] = []
    for h in hits:
        label = member_label(names[h])
        if label not in out:
            out.append(label)
    return out[:limit]


def unknown_member_message(text: str) -> str:
    from ..base.text import clip

    hint = suggest_members(text)
    did = f"; did you mean {' or '.join(hint)}?" if hint else "."
    return (
        f"unknown country or member {clip(text)}{did} Use an ISO code (FR, FRA, 250), "
        "an English name, or org:NAME for an organisation."
    )
