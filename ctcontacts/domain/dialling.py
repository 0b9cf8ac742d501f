"""Phone numbers as people read and dial them: grouped in international form
(``+44 20 7946 0137``), and the digits to dial from the caller's own country
(``00 44 20 7946 0137`` from France, ``011 44 20 7946 0137`` from the United States).

Both come from libphonenumber (``phonenumbers``), which costs tens of milliseconds to
import: too much for a lookup typed under stress. So what depends on the number is
computed when a roster is imported and stored beside its E.164 form (``number_formats``,
kept in ``contacts.phone_formats``), and what depends on the caller's country is one row
per country (``dialling_regions``, kept in the ``dial_regions`` table). ``dial`` puts
the two together as ``phonenumbers.format_out_of_country_calling_number`` does, without
loading it; ``tests/test_dialling.py`` holds it to libphonenumber's own output.
"""

from __future__ import annotations

# NANPA: the United States, Canada and the Caribbean share country code 1, and call
# one another by 1 and the national number.
NANPA = 1


def number_formats(e164: str) -> list[str] | None:
    """``[international, national]`` forms of one E.164 number, as libphonenumber
    groups them (``["+44 20 7946 0137", "020 7946 0137"]``); ``None`` if it cannot be read."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return parsed_formats(number)


def parsed_formats(number) -> list[str]:
    """``number_formats`` of a number libphonenumber has parsed already (``PhoneNumber``)."""
    import phonenumbers

    fmt = phonenumbers.PhoneNumberFormat
    return [phonenumbers.format_number(number, fmt.INTERNATIONAL), phonenumbers.format_number(number, fmt.NATIONAL)]


def formats_of(phones: list[str], cache: dict | None = None) -> list[list[str] | None]:
    """``number_formats`` of each number of a contact, in order (``cache``: by number)."""
    cache = {} if cache is None else cache
    out = []
    for p in phones:
        if p not in cache:
            cache[p] = number_formats(p)
        out.append(cache[p])
    return out


def dialling_regions() -> list[tuple[str, int, str]]:
    """``(region, country calling code, international prefix)`` for every region
    libphonenumber knows. The prefix is the one it writes before a number called from
    there (``00``, ``011``, ``0011``); empty where a region has several and prefers
    none, and the number is then dialled as ``+``."""
    import re

    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    # libphonenumber's test for one prefix (a "~" waits for a second dial tone: 8~10).
    SINGLE_PREFIX = re.compile(r"[\d]+(?:[~\u2053\u223c\uff5e][\d]+)?")
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        meta = PhoneMetadata.metadata_for_region(region)
        if meta is None:  # pragma: no cover - every supported region has metadata
            continue
        prefix = meta.preferred_international_prefix
        if prefix is None:
            single = meta.international_prefix or ""
            prefix = single if SINGLE_PREFIX.fullmatch(single) else ""
        out.append((region, meta.country_code, prefix))
    return out


def country_code(international: str) -> int | None:
    """The country calling code of a number in international form (``+44 20 …`` -> 44)."""
    head = international[1:].split(" ", 1)[0]
    return int(head) if international.startswith("+") and head.isdigit() else None


def dial(formats: list[str] | None, region_code: int, prefix: str) -> str | None:
    """What to dial, from a country with calling code ``region_code`` and international
    prefix ``prefix``, to reach a number whose ``number_formats`` are ``formats``:
    libphonenumber's out-of-country form. ``None`` when the formats are unknown."""
    if not formats:
        return None
    international, national = formats
    code = country_code(international)
    if code is None:
        return None
    if code == NANPA and region_code == NANPA:
        return f"{NANPA} {national}"
    if code == region_code:
        return national
    if prefix:
        return f"{prefix} {international[1:]}"
    return international
