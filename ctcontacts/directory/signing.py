"""Signed rosters: checking an import's signatures against the trust store and the
networks' policies, changing the trust store, and ``verify`` (docs/signing.md).

A roster file ``F`` may come with ``F.sig`` beside it (standard input: ``--signature``).
At import the signature is verified over the very bytes that are hashed and parsed
(``formats.sshsig``), then each roster in the file is judged:

- a signature that does not verify (bad signature, wrong namespace, a damaged file)
  refuses the import under any policy;
- a verified signature by a key trusted for the roster's (network, member), or for
  the network's secretariat, makes it a signed roster: the version records the key
  and what it is trusted for;
- under the network's policy ``required`` (or ``import --require-signatures``), any
  other roster refuses the import: no signature, a key nobody trusted, a key trusted
  for another member, a key whose trust expired. Under ``optional`` such a roster is
  imported and its answers say it is unsigned or signed by a key not trusted for it.

A file that changes a network's definition (its fallback, where calls go when nobody
is on duty) is judged too: under ``required`` it must be signed by a key trusted for
that network's secretariat (``judge_networks``).

Lookups never verify: what was verified is stored with the version.
"""

from __future__ import annotations

import os
import sqlite3

from ..base import limits
from ..base.errors import Problem, UsageError
from ..base.text import clip
from ..base.values import field, value_class
from ..formats import sshsig
from ..formats.files import STDIN, Refused, read_small, shown_name
from ..storage import store, trust
from ..storage.db import Pathish, connect, open_existing, write_transaction
from ..time.isotime import format_utc

SIG_SUFFIX = ".sig"

# Refusals by the policy, and by a signature that does not verify: the label that
# starts each reason (history, stderr) and the code for scripts.
NO_SIGNATURE = "no signature"
BAD_SIGNATURE = "bad signature"
WRONG_NAMESPACE = "wrong namespace"
UNTRUSTED_KEY = "untrusted key"
OTHER_MEMBER = "key trusted for another member"
EXPIRED_KEY = "expired key"
OLDER_ROSTER = "older roster"
UNSIGNED_CONTACTS = "unsigned contacts"


def today(now: int) -> str:
    return format_utc(now)[:10]


@value_class
class SignatureCheck:
    """The detached signature of one input: read, then verified over the input's bytes.
    ``error`` says why it does not verify; ``sig`` is the parsed signature."""

    file: str  # the signature file's name, as shown
    sha256: str | None = None
    sig: sshsig.Signature | None = None
    error: sshsig.SignatureError | None = None
    hash: object = field(default=None, compare=False)  # the running hash of the input, for ``finish``

    @property
    def verified(self) -> bool:
        return self.sig is not None and self.error is None and self.hash is None

    def finish(self) -> None:
        """Verify over what was fed to ``hash`` (the whole input)."""
        if self.hash is None or self.error is not None:
            return
        digest, self.hash = self.hash.digest(), None
        try:
            sshsig.verify(self.sig, digest)
        except sshsig.SignatureError as e:
            self.error = e

    def label(self) -> str:
        if self.error is None:
            return ""
        return WRONG_NAMESPACE if self.error.code == sshsig.WRONG_NAMESPACE else BAD_SIGNATURE

    def as_info(self) -> dict:
        """What the history keeps of it, beside the input's name and SHA-256."""
        key = self.sig.key if self.sig is not None else None
        out = {"file": self.file, "sha256": self.sha256, "verified": self.verified,
               "fingerprint": key.fingerprint if key else None, "key_type": key.key_type if key else None}
        if self.error is not None:
            out["problem"] = f"{self.label()}: {self.error.reason}"
        return out


def signature_path(path: str, signature: str | None) -> str | None:
    """The signature file of an input: ``--signature`` for standard input, else
    ``PATH.sig`` when there is anything at that name (a directory or a pipe there is
    refused when it is read, never taken for "unsigned")."""
    if path == STDIN:
        return signature
    candidate = path + SIG_SUFFIX
    return candidate if os.path.lexists(candidate) else None


def open_signature(path: str | None) -> SignatureCheck | None:
    """Read and parse a signature file, ready to hash its input (``hash``); ``None``
    when there is none. Never raises: what is wrong with it is its ``error``."""
    if path is None:
        return None
    check = SignatureCheck(shown_name(path))
    try:
        data = read_small(path, limits.MAX_SIGNATURE_BYTES, "signature file")
    except Refused as e:
        check.error = sshsig.SignatureError(sshsig.MALFORMED, f"{e.name}: {e.reason}")
        return check
    import hashlib

    check.sha256 = hashlib.sha256(data).hexdigest()
    try:
        check.sig = sshsig.parse_signature(data, f"the signature {check.file}")
        check.hash = sshsig.hasher(check.sig)
    except sshsig.SignatureError as e:
        check.error = e
    return check


def signature_problem(input_name: str, check: SignatureCheck) -> Problem:
    """A signature that does not verify: refused under any policy."""
    return Problem(input_name, "file", "signature", f"{check.label()}: {check.error.reason} ({check.file})")


def _refusal(code: str, reason: str) -> tuple[str, str]:
    return code, f"{code}: {reason}"


def judge(conn: sqlite3.Connection, network: str, member: str, check: SignatureCheck | None, required: bool,
          day: str, why_required: str) -> tuple[dict | None, tuple[str, str] | None]:
    """A roster's signer as its version records it (``None``: unsigned), and, under a
    policy that requires signatures, why it is refused (code, reason) or ``None``."""
    who = f"{member} in {network}"
    if check is None or not check.verified:
        if not required:
            return None, None
        return None, _refusal(NO_SIGNATURE, f"the roster of {who} is not signed, and {why_required}; ask "
                                            f"{member} for the file with its signature (FILE.sig, docs/signing.md)")
    key = check.sig.key
    trusts = {t["member"]: t for t in trust.keys(conn, network=network, fingerprint=key.fingerprint)}
    signer = {"fingerprint": key.fingerprint, "key_type": key.key_type, "trusted_for": None}
    expired = None
    for whom in (member, trust.SECRETARIAT):
        t = trusts.get(whom)
        if t is None:
            continue
        if trust.trusted_now(t["expires"], day):
            signer["trusted_for"] = trust.for_whom(whom)
            return signer, None
        expired = t
    if not required:
        return signer, None
    name = f"key {key.fingerprint} ({key.key_type})"
    if expired is not None:
        return signer, _refusal(EXPIRED_KEY, f"the roster of {who} is signed by {name}, whose trust for "
                                             f"{trust.for_whom(expired['member'])} in {network} ended on "
                                             f"{expired['expires']}; trust its new key, or add this one again "
                                             "with a new --expires")
    others = trust.keys(conn, fingerprint=key.fingerprint)
    if others:
        where = ", ".join(f"{trust.for_whom(t['member'])} in {t['network']}" for t in others[:5])
        return signer, _refusal(OTHER_MEMBER, f"the roster of {who} is signed by {name}, which is trusted for "
                                              f"{where}, not for {member} in {network}: a key signs only the "
                                              "rosters it is trusted for")
    return signer, _refusal(UNTRUSTED_KEY, f"the roster of {who} is signed by {name}, which is not trusted for "
                                           f"{member} in {network} nor for its secretariat; once {member} has "
                                           f"confirmed the key out of band: ctcontacts trust add --network "
                                           f"{network} --country {member} KEYFILE")


def judge_rosters(conn: sqlite3.Connection, rosters: list, require: bool, now: int,
                  allow_older: bool = False) -> list[Problem]:
    """Judge every roster of an import by the signature check of its own file, which the
    roster carries (``Roster.signature``: set from the file object it was read from,
    never looked up by the file's name, which two inputs may share); record each one's
    signer on it; the refusals as problems. Where signatures are required, a roster
    issued before the current one is refused too (a signed file sent again, replayed),
    unless ``allow_older``."""
    problems = []
    day = today(now)
    policies = trust.policies(conn)
    for r in rosters:
        check = r.signature
        if check is not None and check.error is not None:
            continue  # a signature that does not verify is already the file's problem (signature_problem)
        required = require or policies.get(r.network) == trust.REQUIRED
        why = (f"{r.network} requires signatures" if policies.get(r.network) == trust.REQUIRED
               else "--require-signatures was given")
        signer, refusal = judge(conn, r.network, r.member, check, required, day, why)
        r.signer = signer
        if refusal is not None:
            problems.append(Problem(r.source, "file", "signature", refusal[1]))
        elif required and r.calendar is not None and (base := _calendar_base(conn, r, day, why)) is not None:
            problems.append(Problem(r.source, "file", "signature", base[1]))
        elif required and not allow_older:
            older = _older(conn, r, why)
            if older is not None:
                problems.append(Problem(r.source, "file", "issued", older[1]))
    return problems


def _older(conn: sqlite3.Connection, r, why: str) -> tuple[str, str] | None:
    """A roster issued before the current one (or with no date where the current one has
    one): its signature may be genuine and still old, a file sent again to bring back
    numbers since replaced."""
    current = store.current_issued(conn, r.network, r.member)
    if current is None or current[0] is None:
        return None
    issued, made_by = current
    if r.issued is not None and r.issued >= issued:
        return None
    said = (f"was issued {r.issued}, before the current one (issued {issued}, import #{made_by})" if r.issued
            else f"gives no issue date, and the current one (import #{made_by}) was issued {issued}")
    return _refusal(OLDER_ROSTER, f"the roster of {r.member} in {r.network} {said}, and {why}: an old signed file "
                                  f"sent again would bring back what it said; if {r.member} did withdraw its newer "
                                  "roster, import again with --allow-older")


def _defined_in(f, code: str) -> list[str]:
    """Where file ``f`` (a ``RawFile``) defines network ``code``: its JSON paths."""
    return [where for where, n in f.networks
            if isinstance(n.get("code"), str) and n["code"].strip().lower() == code]


def judge_networks(conn: sqlite3.Connection, files: list, changed: list[str], require: bool,
                   now: int) -> list[Problem]:
    """Judge the network definitions an import would change (``changed``: their codes;
    ``files``: the ``RawFile``s read). A definition says where a network's calls go when
    nobody is on duty (its fallback), so under a policy that requires signatures, every
    file that changes it must be signed by a key trusted for the network's secretariat:
    a member's key signs that member's roster, never the network."""
    problems = []
    day = today(now)
    policies = trust.policies(conn)
    for code in changed:
        network_requires = policies.get(code) == trust.REQUIRED
        if not (require or network_requires):
            continue
        why = f"{code} requires signatures" if network_requires else "--require-signatures was given"
        for f in files:
            places = _defined_in(f, code)
            if not places or (f.signature is not None and f.signature.error is not None):
                continue  # (a signature that does not verify is already the file's problem)
            refusal = _judge_definition(conn, code, f.signature, day, why)
            if refusal is not None:
                problems.append(Problem(f.file, places[0], "signature", refusal[1]))
    return problems


def _judge_definition(conn: sqlite3.Connection, code: str, check: SignatureCheck | None, day: str,
                      why: str) -> tuple[str, str] | None:
    what = f"the definition of network {code} (its name, organization and fallback)"
    if check is None or not check.verified:
        return _refusal(NO_SIGNATURE, f"{what} would change, the file is not signed, and {why}; a network's "
                                      f"definition is taken only from a file signed by a key trusted for {code}'s "
                                      "secretariat (docs/signing.md)")
    key = check.sig.key
    name = f"key {key.fingerprint} ({key.key_type})"
    held = trust.key_state(conn, key.fingerprint, code, trust.SECRETARIAT)
    if held is not None and trust.trusted_now(held["expires"], day):
        return None
    if held is not None:
        return _refusal(EXPIRED_KEY, f"{what} is signed by {name}, whose trust for {code}'s secretariat ended on "
                                     f"{held['expires']}; trust its new key, or add this one again with a new "
                                     "--expires")
    others = trust.keys(conn, fingerprint=key.fingerprint)
    if others:
        where = ", ".join(f"{trust.for_whom(t['member'])} in {t['network']}" for t in others[:5])
        return _refusal(OTHER_MEMBER, f"{what} is signed by {name}, which is trusted for {where}, not for {code}'s "
                                      "secretariat: only the secretariat's key may change a network's definition")
    return _refusal(UNTRUSTED_KEY, f"{what} is signed by {name}, which is not trusted for {code}'s secretariat; "
                                   f"once the secretariat has confirmed the key out of band: ctcontacts trust add "
                                   f"--network {code} --secretariat KEYFILE")


def _version_untrusted(conn: sqlite3.Connection, network: str, member: str, version: int,
                       day: str) -> tuple[int, str | None] | None:
    """The import that wrote a stored version, and why a policy requiring signatures
    would not accept it today (``None``: it would): unsigned, or signed by a key not (or
    no longer) trusted for the member or the network's secretariat."""
    origin = store.version_signer(conn, version)
    if origin is None:
        return None
    made_by, signer = origin
    if signer is None:
        return made_by, "is unsigned"
    _, trusts = trust.lookup_trust(conn, network, member, signer["fingerprint"])
    if any(trust.trusted_now(e, day) for e in trusts.values()):
        return made_by, None
    return made_by, (f"is signed by key {signer['fingerprint']}, which is not trusted for {member} in {network} "
                     "nor for its secretariat today")


def unaccepted_versions(conn: sqlite3.Connection, targets: list[tuple[str, str, int | None]], now: int) -> list[str]:
    """Of the roster versions a rollback would make current again (network, member,
    version), those that a network requiring signatures would not accept today: unsigned,
    or signed by a key not (or no longer) trusted for the member or the secretariat.
    Why, one phrase each."""
    day = today(now)
    policies = trust.policies(conn)
    out = []
    for network, member, version in targets:
        if version is None or policies.get(network) != trust.REQUIRED:
            continue  # (a roster removed again is no unsigned roster made current)
        judged = _version_untrusted(conn, network, member, version, day)
        if judged is not None and judged[1] is not None:
            out.append(f"the roster of {member} in {network} it would make current again (from import "
                       f"#{judged[0]}) {judged[1]}, and {network} requires signatures")
    return out


def _calendar_base(conn: sqlite3.Connection, r, day: str, why: str) -> tuple[str, str] | None:
    """A calendar gives duty only; the rest of its roster (names, numbers) is the current
    version's. Its signature vouches for the duty, so where signatures are required
    the version it fills in must be one the policy accepts too: else the new version
    would be recorded as signed, numbers and all."""
    version = store.current_version(conn, r.network, r.member)
    judged = _version_untrusted(conn, r.network, r.member, version, day) if version is not None else None
    if judged is None or judged[1] is None:
        return None
    return _refusal(UNSIGNED_CONTACTS, f"the calendar gives only the duty of the roster of {r.member} in "
                                       f"{r.network}; its contacts and numbers come from the current roster (import "
                                       f"#{judged[0]}), which {judged[1]}, and {why}; import {r.member}'s signed "
                                       "roster first")


# --- the trust store's commands -----------------------------------------------------


def read_key(text: str) -> sshsig.PublicKey:
    """A key given on the command line: an OpenSSH public key line, or the name of a
    file that holds one (a ``.pub`` file)."""
    if not text or not text.strip():
        raise UsageError("the key is empty; give a public key file (KEY.pub) or an OpenSSH public key line.")
    words = text.split()
    if len(words) >= 2 and words[0].startswith(("ssh-", "ecdsa-", "sk-")):
        source, what = text, "the key"
    else:
        try:
            data = read_small(text, limits.MAX_KEY_BYTES, "public key file")
        except Refused as e:
            raise UsageError(f"{e.name}: {e.reason}; give a public key file (KEY.pub) or an OpenSSH public key "
                             "line.") from None
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{shown_name(text)} is not a public key file (not text); give the .pub file.") from None
        what = shown_name(text)
    try:
        key = sshsig.parse_public_key(source, what)
        sshsig.check_key(key)
    except sshsig.SignatureError as e:
        raise UsageError(f"{e.reason}.") from None
    return key


def _expiry(expires: str | None, now: int) -> str | None:
    if expires is None:
        return None
    import datetime as dt

    try:
        day = dt.date.fromisoformat(expires.strip())
    except ValueError:
        raise UsageError(f"--expires {clip(expires)} is not a date; write it as YYYY-MM-DD (the last day the key "
                         "is trusted).") from None
    if day.isoformat() < today(now):
        raise UsageError(f"--expires {day.isoformat()} is in the past; give the last day the key is to be trusted.")
    return day.isoformat()


@value_class
class TrustChange:
    """What one trust command changed, as recorded in the history."""

    import_id: int | None
    command: str
    changes: list[dict]  # [{"what", "network", "for", "fingerprint", "before", "after"}]
    by: str
    at: str

    def as_dict(self) -> dict:
        return {"import_id": self.import_id, "kind": "trust", "command": self.command, "by": self.by,
                "at": self.at, "changes": self.changes}


def change_dict(what: str, network: str, member: str, fingerprint: str, before: dict | None,
                after: dict | None) -> dict:
    out = {"what": what, "network": network, "for": trust.for_whom(member) if what == "key" else None,
           "fingerprint": fingerprint or None, "before": before, "after": after}
    if what == "policy":
        out["before"] = (before or {}).get("signatures", trust.OPTIONAL)
        out["after"] = (after or {}).get("signatures", trust.OPTIONAL)
    return out


def _record(conn: sqlite3.Connection, entries: list[tuple], when: str, user: str,
            options: dict) -> tuple[int, list[dict]]:
    """Write one history entry (kind ``trust``) for trust changes ``(what, network,
    member, fingerprint, before, after)`` and apply them."""
    pairs = list(dict.fromkeys((e[1], e[2]) for e in entries))
    import_id = store.record_import(conn, started_at=when, os_user=user, kind="trust", files=[], rosters=pairs,
                                    outcome="ok", options=options)
    return import_id, _apply(conn, import_id, entries, stamp=True)


def _apply(conn: sqlite3.Connection, import_id: int, entries: list[tuple], *, stamp: bool) -> list[dict]:
    """Each ``(what, network, member, fingerprint, before, after)`` put in the trust
    store and recorded under ``import_id``; ``stamp``: the entries made now say which
    import made them (a rollback puts back entries as they were)."""
    out = []
    for what, network, member, fingerprint, before, after in entries:
        if stamp and after is not None:
            after = dict(after, import_id=import_id)
        if what == "key":
            trust.put_key(conn, fingerprint, network, member, after)
        else:
            trust.put_policy(conn, network, after)
        trust.record_change(conn, import_id, what, network, member, fingerprint, before, after)
        out.append(change_dict(what, network, member, fingerprint, before, after))
    return out


def _open_for(db_path: Pathish, network: str):
    """The database to change the trust of ``network`` in (created if there is none yet,
    so keys can be trusted before the first import) and the network; a network that
    does not exist is refused before any file is created."""
    conn = open_existing(db_path)
    if conn is None:
        from ..storage.db import in_memory

        net = store.find_network(in_memory(), network)
        return connect(db_path, create=True), net
    return conn, store.find_network(conn, network)


def add_key(db_path: Pathish, network: str, member: str | None, key_text: str, *, now: int,
            expires: str | None = None) -> TrustChange:
    """Trust a key to sign the rosters of ``member`` in ``network`` (``None``: of every
    member, for the network's secretariat)."""
    key = read_key(key_text)
    last = _expiry(expires, now)
    conn, net = _open_for(db_path, network)
    whom = trust.SECRETARIAT if member is None else member
    user, when = store.os_user(), format_utc(now)
    with write_transaction(conn, db_path):
        before = trust.key_state(conn, key.fingerprint, net.code, whom)
        after = {"key": key.line, "key_type": key.key_type, "comment": key.comment, "expires": last,
                 "added_at": when, "added_by": user, "import_id": 0}
        if before is not None and (before["key"], before["comment"], before["expires"]) == (key.line, key.comment, last):
            return TrustChange(None, "trust add", [change_dict("key", net.code, whom, key.fingerprint, before, before)],
                               user, when)
        options = {"command": "trust add", "network": net.code, "member": whom, "fingerprint": key.fingerprint}
        import_id, changes = _record(conn, [("key", net.code, whom, key.fingerprint, before, after)], when, user,
                                     options)
    return TrustChange(import_id, "trust add", changes, user, when)


def remove_key(db_path: Pathish, network: str, member: str | None, key_text: str, *, now: int) -> TrustChange:
    """Stop trusting a key (a fingerprint ``SHA256:…``, a key line or a .pub file) for
    ``member`` in ``network`` (``None``: for its secretariat)."""
    fingerprint = key_text.strip() if key_text.strip().startswith("SHA256:") else read_key(key_text).fingerprint
    conn = connect(db_path)
    net = store.find_network(conn, network)
    whom = trust.SECRETARIAT if member is None else member
    user, when = store.os_user(), format_utc(now)
    with write_transaction(conn, db_path):
        before = trust.key_state(conn, fingerprint, net.code, whom)
        if before is None:
            held = trust.keys(conn, fingerprint=fingerprint)
            where = ("; it is trusted for " + ", ".join(f"{trust.for_whom(t['member'])} in {t['network']}"
                                                         for t in held)) if held else ""
            raise UsageError(f"key {clip(fingerprint, 80)} is not trusted for {trust.for_whom(whom)} in {net.code}"
                             f"{where}; nothing was removed ('ctcontacts trust list' shows the keys).")
        options = {"command": "trust remove", "network": net.code, "member": whom, "fingerprint": fingerprint}
        import_id, changes = _record(conn, [("key", net.code, whom, fingerprint, before, None)], when, user, options)
    return TrustChange(import_id, "trust remove", changes, user, when)


def set_policy(db_path: Pathish, network: str, value: str, *, now: int) -> TrustChange:
    """Make signatures ``optional`` or ``required`` for the rosters of a network."""
    choice = (value or "").strip().lower()
    if choice not in trust.POLICIES:
        raise UsageError(f"{clip(value)} is not a signature policy; give optional or required.")
    conn, net = _open_for(db_path, network)
    user, when = store.os_user(), format_utc(now)
    with write_transaction(conn, db_path):
        before = trust.policy_state(conn, net.code)
        if (before or {}).get("signatures", trust.OPTIONAL) == choice:
            return TrustChange(None, "trust policy", [change_dict("policy", net.code, "", "", before, before)],
                               user, when)
        after = None if choice == trust.OPTIONAL else {"signatures": choice, "import_id": 0}
        options = {"command": "trust policy", "network": net.code, "signatures": choice}
        import_id, changes = _record(conn, [("policy", net.code, "", "", before, after)], when, user, options)
    return TrustChange(import_id, "trust policy", changes, user, when)


def list_keys(conn: sqlite3.Connection, network: str | None, member: str | None, now: int) -> list[dict]:
    code = store.find_network(conn, network).code if network is not None else None
    day = today(now)
    return [{"network": k["network"], "for": trust.for_whom(k["member"]), "fingerprint": k["fingerprint"],
             "key_type": k["key_type"], "comment": k["comment"], "expires": k["expires"],
             "expired": not trust.trusted_now(k["expires"], day), "added_at": k["added_at"],
             "added_by": k["added_by"], "import_id": k["import_id"], "key": k["key"]}
            for k in trust.keys(conn, network=code)
            if member is None or k["member"] == member]


def rollback_trust(conn: sqlite3.Connection, import_id: int, force: bool) -> list[tuple]:
    """The trust changes that undo entry ``import_id``: each key or policy it changed
    back to its state before it. Refused (``UsageError``) when a later entry changed
    one of them again, unless ``force``."""
    rows = trust.changes_of(conn, import_id)
    later = {}
    for r in rows:
        ids = trust.later_changes(conn, r["what"], r["network"], r["member"], r["fingerprint"], import_id)
        if ids:
            name = (f"key {r['fingerprint']} for {trust.for_whom(r['member'])} in {r['network']}"
                    if r["what"] == "key" else f"the signature policy of {r['network']}")
            later[name] = ids
    if later and not force:
        detail = "; ".join(f"{k} by #{', #'.join(map(str, v))}" for k, v in later.items())
        raise UsageError(f"the trust store changed again since #{import_id} ({detail}); roll those back first, or "
                         "give --force to put it back as it was before anyway.")
    out = []
    for r in rows:
        current = (trust.key_state(conn, r["fingerprint"], r["network"], r["member"]) if r["what"] == "key"
                   else trust.policy_state(conn, r["network"]))
        out.append((r["what"], r["network"], r["member"], r["fingerprint"], current, r["before"]))
    return out


def apply_rollback(conn: sqlite3.Connection, new_id: int, entries: list[tuple]) -> list[dict]:
    """Put the trust store back as ``rollback_trust`` said, recorded under rollback ``new_id``."""
    return _apply(conn, new_id, entries, stamp=False)


# --- verify ----------------------------------------------------------------------------


def verify_file(db_path: Pathish, path: str, sig_path: str | None, *, now: int) -> dict:
    """Who signed a file, and for what that key is trusted in this directory, without
    importing it. The signature is ``sig_path``, else ``PATH.sig``."""
    if path == STDIN:
        raise UsageError("verify reads a file by its name; save standard input to a file first.")
    chosen = sig_path if sig_path is not None else path + SIG_SUFFIX
    if sig_path is None and not os.path.lexists(chosen):
        raise UsageError(f"{shown_name(path)} has no signature beside it ({shown_name(chosen)}); give the signature "
                         "file as the second argument.")
    check = open_signature(chosen)
    from ..formats.files import Inputs

    try:
        with Inputs().open(path) as f:
            if check.hash is not None:
                f.hash_also(check.hash)
            sha = f.sha256()
            f.check_unchanged()
            size = f.size
    except Refused as e:
        raise UsageError(f"{e.name}: {e.reason}.") from None
    except OSError as e:
        raise UsageError(f"{shown_name(path)} cannot be read ({e.strerror}).") from None
    check.finish()
    key = check.sig.key if check.sig is not None else None
    trusted = []
    conn = open_existing(db_path)
    if key is not None and conn is not None:
        day = today(now)
        trusted = [{"network": t["network"], "for": trust.for_whom(t["member"]), "expires": t["expires"],
                    "expired": not trust.trusted_now(t["expires"], day), "comment": t["comment"]}
                   for t in trust.keys(conn, fingerprint=key.fingerprint)]
    return {"file": shown_name(path), "sha256": sha, "bytes": size, "signature": check.file,
            "verified": check.verified, "problem": f"{check.label()}: {check.error.reason}" if check.error else None,
            "problem_code": check.error.code if check.error else None,
            "namespace": check.sig.namespace if check.sig else None, "hash": check.sig.hash_alg if check.sig else None,
            "fingerprint": key.fingerprint if key else None, "key_type": key.key_type if key else None,
            "trusted_for": trusted, "directory": conn is not None}
