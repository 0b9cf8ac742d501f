"""How big anything ctcontacts reads or stores may be, in one place.

A roster file comes from outside and may be hostile: a 50 MB ``notes`` field or a
rule that recurs every second would make every later lookup slow, or never end.
Each limit below is far above what a real directory needs and low enough that the
worst roster it allows is still answered within a second (``benchmarks/hostile.py``
measures that). Import refuses what exceeds a limit, with the limit in the message;
what an older version stored beyond them is reported, never evaluated (``store.py``).
docs/rosters.md ("Limits") states them for the people who write roster files.

No imports: every layer may read these.
"""

from __future__ import annotations

# --- files ---------------------------------------------------------------------------

# Any roster file. CSV is read row by row and JSON a roster at a time, so this bounds
# time, not memory: the world benchmark's 1.5 million rows are about 280 MB of CSV.
MAX_FILE_BYTES = 1 << 30
# What is held whole while it is read: iCalendar files, standard input, and any one
# value of a JSON file (a roster).
MAX_WHOLE_FILE_BYTES = 256 << 20

# Signatures and keys (docs/signing.md): a detached signature file as ssh-keygen -Y sign
# writes it is under 1 kB (3 kB for a 16,384-bit RSA key), an OpenSSH public key line
# under 3 kB; anything far larger is not one, and is not read beyond these.
MAX_SIGNATURE_BYTES = 64 << 10
MAX_KEY_BYTES = 16 << 10
# RSA keys: OpenSSH refuses fewer than 1,024 bits; 2,048 is the least still considered
# safe. More than 16,384 bits makes a verification cost seconds, not microseconds.
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 16384
# How many days before a trusted key's expiry ``check`` starts to warn.
KEY_EXPIRY_WARNING_DAYS = 30

# Problems listed for one import; reading stops there (a file of two million bad rows
# took 23 s and 424 MB to list them all). Fixing these shows the next.
MAX_PROBLEMS = 1000

# --- contact fields (characters, after trimming) -----------------------------------------

MAX_FIELD_CHARS = {
    "name": 200,
    "agency": 200,
    "role": 100,
    "secure_channel": 200,
    "email": 254,  # RFC 5321's longest address
    "notes": 4000,
}
MAX_PHONES = 10  # numbers per contact
MAX_PHONE_CHARS = 40  # one number as written, spaces and all
MAX_LANGUAGES = 20
MAX_NETWORK_NAME_CHARS = 200  # a network definition's name and organization

# --- rosters -------------------------------------------------------------------------------

# Rosters of one network, stored and imported together: the 249 ISO 3166 countries and
# Kosovo, and 50 organisations. A view of the whole network costs every roster's.
MAX_ROSTERS_PER_NETWORK = 300
MAX_CONTACTS_PER_ROSTER = 500
MAX_RULES_PER_CONTACT = 20_000  # ten years of 12-hour shifts is 7,300
MAX_RULES_PER_ROSTER = 50_000
# Rules every lookup expands (24/7, weekly windows, recurrences, their 'off' forms);
# dated intervals are read by their stored instants and cost nothing beyond their row.
MAX_RECURRING_RULES_PER_CONTACT = 50
# Starts per day of all of a roster's recurring rules together (a weekly window counts
# a seventh, a recurrence its most starts in a day): what a lookup expands per day of
# its horizon. 200 contacts on 'Mo-Fr 08:00-18:00' count 143.
MAX_ROSTER_STARTS_PER_DAY = 240


def roster_load_problem(starts_per_day: float) -> str:
    """Why a roster's recurring rules are refused (at import) or not evaluated (read back)."""
    return (f"its weekly windows and recurrences start about {starts_per_day:,.0f} shifts a day in all; a roster "
            f"may start at most {MAX_ROSTER_STARTS_PER_DAY} (a weekly window counts a seventh, a recurrence its "
            "most starts in a day); give long rotas as dated intervals")

# --- one duty rule ---------------------------------------------------------------------------

MAX_RULE_CHARS = 1000
# Recurrences: the shortest period a duty pattern may have, how often it may start,
# how long one occurrence may last, and how many a COUNT may ask for.
RECURRENCE_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")
MAX_STARTS_PER_DAY = 24
MAX_OCCURRENCE_DAYS = 31
# Starts a day times the days each occurrence lasts: how many of one rule's shifts can
# run at once, each of which a lookup reaching back over them must compute.
MAX_OVERLAP = 31
MAX_COUNT = 10_000
# A rule with COUNT is stored as the UNTIL of its last shift (rules.py), which must start
# within this many years of the first: finding it walks the series once, at import.
MAX_COUNT_YEARS = 10
