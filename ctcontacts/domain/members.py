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
    """ISO 3166-1 short names by alpha-2 code, from pycountry's own data file.

    Read directly: ``import pycountry`` costs about 23 ms (it asks importlib.metadata
    for its version), a fifth of what a human ``whois`` may take, just to print
    "France (FR)". Should the file move in a later pycountry, ask pycountry itself."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("pycountry")
        folder = spec.submodule_search_locations[0]
        with open(os.path.join(folder, "databases", "iso3166-1.json"), encoding="utf-8") as f:
            entries = json.load(f)["3166-1"]
        return {e["alpha_2"]: e.get("common_name") or e["name"] for e in entries}
    except (AttributeError, OSError, ValueError, KeyError, TypeError, IndexError):
        import pycountry

        return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


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
    # Fast path: a two-letter code of a member we ship, without loading ISO data.
    if len(upper) == 2 and upper in known_member_codes():
        return upper
    import pycountry

    if len(upper) == 2 and upper.isalpha():
        c = pycountry.countries.get(alpha_2=upper)
        return c.alpha_2 if c else None
    if len(upper) == 3 and upper.isalpha():
        c = pycountry.countries.get(alpha_3=upper)
        if c:
            return c.alpha_2
    if upper.isascii() and upper.isdigit():
        c = pycountry.countries.get(numeric=upper.zfill(3))
        return c.alpha_2 if c else None
    try:
        return pycountry.countries.lookup(raw).alpha_2
    except LookupError:
        return None


def _candidates() -> dict[str, str]:
    """Every spelling we know, lower-cased, mapped to its member code."""
    import pycountry

    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                names[value.casefold()] = c.alpha_2
        names[c.alpha_2.casefold()] = c.alpha_2
        names[c.alpha_3.casefold()] = c.alpha_2
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
