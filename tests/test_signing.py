"""Signed rosters (issue 15): signatures made with the tools members have, a trust store
in the database, a per-network policy, provenance in every answer, and refusals for
every reason. Keys are made at run time (tests/sshsig_signer.py); ssh-keygen, when it
is installed, checks interoperability both ways."""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import subprocess

import pytest

from ctcontacts.formats import sshsig

from .conftest import contact, dump, roster, roster_file
from .sshsig_signer import KINDS, Key, armor, string

SSH_KEYGEN = shutil.which("ssh-keygen")
needs_ssh_keygen = pytest.mark.skipif(SSH_KEYGEN is None, reason="ssh-keygen is not installed (openssh-client)")


@pytest.fixture(scope="module")
def fr_key():
    return Key("ed25519", "fr-admin@interieur.example")


@pytest.fixture(scope="module")
def de_key():
    return Key("ecdsa-p256", "de-admin@bund.example")


@pytest.fixture(scope="module")
def coe_key():
    return Key("ed25519", "secretariat@coe.example")


def signed(tmp_path, key, *rosters, name="roster.json", **options):
    path = roster_file(tmp_path, *rosters, name=name)
    if key is not None:
        key.sign_file(path, **options)
    return path


def trust(cli, tmp_path, key, *where):
    result = cli("trust", "add", *where, key.write_pub(tmp_path / f"{abs(hash(key.line))}.pub"))
    assert result.exit_code == 0, result.output
    return result


def last_import(cli) -> dict:
    return json.loads(cli("history", "--json").stdout)[0]


# --- the signature format ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_key_kind_verifies_and_a_changed_byte_does_not(kind):
    key = Key(kind)
    message = b'{"format": "ctcontacts-roster/1", "rosters": []}\n'
    sig = sshsig.verify_bytes(key.sign(message), message)
    assert sig.key.fingerprint == key.fingerprint and sig.key.key_type == key.type
    assert sshsig.parse_public_key(key.line).fingerprint == key.fingerprint
    for changed in (message[:-1], message + b" ", message.replace(b"[]", b"[ ]")):
        with pytest.raises(sshsig.SignatureError) as e:
            sshsig.verify_bytes(key.sign(message), changed)
        assert e.value.code == sshsig.BAD_SIGNATURE


def test_sha256_and_rsa_sha2_256_verify_too():
    key = Key("rsa-2048")
    message = b"roster"
    sshsig.verify_bytes(key.sign(message, hash_alg="sha256", rsa_alg="rsa-sha2-256"), message)


def _mutations(key: Key, message: bytes) -> dict[str, bytes]:
    good = key.signature_blob(message)
    armored = armor(good)
    body = armored.decode().splitlines()[1:-1]
    pub = string(key.blob)
    at_key = good.index(pub)
    huge_length = good[:10] + (2**32 - 1).to_bytes(4, "big") + good[14:]
    return {
        "empty": b"",
        "not armored": base64.b64encode(good),
        "no end line": armored.replace(b"-----END SSH SIGNATURE-----\n", b""),
        "bad base64": armored.replace(body[1].encode(), body[1][:-3].encode() + b"!!!"),
        "binary": b"\x00\xff" * 100,
        "not ascii": "-----BEGIN SSH SIGNATURE-----\né\n-----END SSH SIGNATURE-----\n".encode(),
        "wrong magic": armor(b"SSHSIX" + good[6:]),
        "version 2": armor(good[:6] + (2).to_bytes(4, "big") + good[10:]),
        "cut short": armor(good[:len(good) // 2]),
        "length beyond the end": armor(huge_length),
        "trailing bytes": armor(good + b"\x00"),
        "key type unknown": armor(good[:at_key] + string(string(b"ssh-dss") + b"\x00" * 40) + good[at_key + len(pub):]),
        "over the size limit": b"-----BEGIN SSH SIGNATURE-----\n" + b"A" * (1 << 17) + b"\n-----END SSH SIGNATURE-----\n",
        "hash md5": key.sign(message, hash_alg="md5"),
        "ssh-rsa (SHA-1)": Key("rsa-2048").sign(message, rsa_alg="ssh-rsa"),
    }


NOT_ARMORED = "the signature is not an SSH signature: it does not start with -----BEGIN SSH SIGNATURE-----"
NOT_TEXT = "the signature is not an SSH signature (it is not ASCII text)"
# Each hostile signature, and the reason it is refused for: the code for scripts and
# the sentence for people.
HOSTILE_REASONS = {
    "empty": (sshsig.MALFORMED, NOT_ARMORED),
    "not armored": (sshsig.MALFORMED, NOT_ARMORED),
    "no end line": (sshsig.MALFORMED, "the signature is cut short: it does not end with -----END SSH SIGNATURE-----"),
    "bad base64": (sshsig.MALFORMED, "the signature is not valid base64"),
    "binary": (sshsig.MALFORMED, NOT_TEXT),
    "not ascii": (sshsig.MALFORMED, NOT_TEXT),
    "wrong magic": (sshsig.MALFORMED, "the signature is not an SSHSIG signature (no SSHSIG magic)"),
    "version 2": (sshsig.UNSUPPORTED, "the signature is SSHSIG version 2; ctcontacts reads version 1"),
    "cut short": (sshsig.MALFORMED, "the signature is damaged (it ends too early)"),
    "length beyond the end": (sshsig.MALFORMED, "the signature is damaged (a field of 4,294,967,295 bytes where at "
                                                "most 16,384 belong)"),
    "trailing bytes": (sshsig.MALFORMED, "the signature is damaged (1 byte after its end)"),
    "key type unknown": (sshsig.UNSUPPORTED, "the key in the signature is of type 'ssh-dss'; ctcontacts accepts "
                                             "ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa"),
    "over the size limit": (sshsig.MALFORMED, "the signature is 131,131 bytes; an SSH signature is at most a few kB"),
    "hash md5": (sshsig.UNSUPPORTED, "the signature uses hash 'md5'; SSHSIG allows sha256 or sha512"),
    "ssh-rsa (SHA-1)": (sshsig.UNSUPPORTED, "the RSA signature uses 'ssh-rsa'; ctcontacts accepts rsa-sha2-256 and "
                                            "rsa-sha2-512 (ssh-rsa signatures use SHA-1)"),
}


def test_every_hostile_signature_has_its_reason():
    assert set(HOSTILE_REASONS) == set(_mutations(Key("ed25519"), b"m"))


@pytest.mark.parametrize("case", list(HOSTILE_REASONS))
def test_hostile_signatures_are_refused_with_a_reason_never_a_crash(case, tmp_path, cli, db_path):
    key = Key("ed25519")
    message = b"the roster"
    data = _mutations(key, message)[case]
    code, reason = HOSTILE_REASONS[case]
    with pytest.raises(sshsig.SignatureError) as e:
        sshsig.verify_bytes(data, message)
    assert (e.value.code, e.value.reason) == (code, reason)
    # And so an import says, under any policy, naming the signature file.
    path = roster_file(tmp_path, roster("FR"))
    sig = tmp_path / "roster.json.sig"
    sig.write_bytes(data)
    if case == "over the size limit":  # not even read beyond the limit
        reason = f"{sig}: is more than 65,536 bytes, far more than a signature file holds; it is not one"
    elif case not in ("hash md5", "ssh-rsa (SHA-1)"):  # (found once the signature was read: it is named already)
        reason = reason.replace("the signature", f"the signature {sig}", 1)
    result = _refused(cli, db_path, path, reason=f"bad signature: {reason} ({sig})")
    assert "Traceback" not in result.output


def test_weak_rsa_keys_and_security_keys_are_refused():
    weak = Key("rsa-2048", bits=1024)
    with pytest.raises(sshsig.SignatureError, match="1,024-bit RSA key"):
        sshsig.parse_public_key(weak.line)
    with pytest.raises(sshsig.SignatureError, match="sk-ssh-ed25519"):
        sshsig.parse_public_key("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t x")
    with pytest.raises(sshsig.SignatureError, match="private key"):
        sshsig.parse_public_key("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----")
    with pytest.raises(sshsig.SignatureError, match="says ssh-rsa"):
        sshsig.parse_public_key("ssh-rsa " + Key("ed25519").line.split()[1])


# --- interoperability with ssh-keygen ---------------------------------------------------


SSH_KINDS = {"ed25519": ["-t", "ed25519"], "ecdsa-256": ["-t", "ecdsa", "-b", "256"],
             "ecdsa-384": ["-t", "ecdsa", "-b", "384"], "ecdsa-521": ["-t", "ecdsa", "-b", "521"],
             "rsa-3072": ["-t", "rsa", "-b", "3072"]}


@needs_ssh_keygen
@pytest.mark.parametrize("kind", list(SSH_KINDS))
def test_files_signed_by_ssh_keygen_verify_and_import(kind, tmp_path, cli):
    key = tmp_path / "admin"
    subprocess.run([SSH_KEYGEN, "-q", *SSH_KINDS[kind], "-N", "", "-C", "admin@fr.example", "-f", str(key)],
                   check=True, capture_output=True)
    path = roster_file(tmp_path, roster("FR"), name="fr.json")
    subprocess.run([SSH_KEYGEN, "-q", "-Y", "sign", "-f", str(key), "-n", "ctcontacts-roster", str(path)],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    sig = sshsig.verify_bytes((tmp_path / "fr.json.sig").read_bytes(), path.read_bytes())
    listed = subprocess.run([SSH_KEYGEN, "-l", "-f", str(key) + ".pub"], check=True, capture_output=True, text=True)
    assert sig.key.fingerprint == listed.stdout.split()[1]
    assert cli("trust", "policy", "--network", "ftf", "required").exit_code == 0
    assert cli("trust", "add", "-n", "ftf", "-c", "FR", str(key) + ".pub").exit_code == 0
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    _, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert doc["provenance"]["signer"]["fingerprint"] == sig.key.fingerprint
    assert doc["provenance"]["signer"]["trusted_for"] == "FR"


@needs_ssh_keygen
@pytest.mark.parametrize("kind", KINDS)
def test_our_signatures_verify_with_ssh_keygen(kind, tmp_path):
    key = Key(kind)
    path = roster_file(tmp_path, roster("FR"), name="fr.json")
    sig = key.sign_file(path)
    sshsig.verify_bytes(sig.read_bytes(), path.read_bytes())  # and ctcontacts agrees
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'fr-admin namespaces="ctcontacts-roster" {key.line}\n')
    with open(path, "rb") as message:
        ok = subprocess.run([SSH_KEYGEN, "-Y", "verify", "-f", str(allowed), "-I", "fr-admin", "-n",
                             "ctcontacts-roster", "-s", str(sig)], stdin=message, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    path.write_bytes(path.read_bytes() + b" ")
    with open(path, "rb") as message:
        bad = subprocess.run([SSH_KEYGEN, "-Y", "verify", "-f", str(allowed), "-I", "fr-admin", "-n",
                              "ctcontacts-roster", "-s", str(sig)], stdin=message, capture_output=True, text=True)
    assert bad.returncode != 0


# --- importing signed rosters -----------------------------------------------------------


def test_a_signed_roster_says_who_signed_it_in_every_answer(tmp_path, cli, fr_key):
    trust(cli, tmp_path, fr_key, "--network", "ftf", "--country", "FR")
    path = signed(tmp_path, fr_key, roster("FR"))
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert f"signed by {fr_key.fingerprint} (ssh-ed25519), trusted for FR" in result.stdout
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    prov = doc["provenance"]
    assert prov["import_id"] == 2 and prov["signed"] is True and prov["file"].endswith("roster.json")
    assert prov["signer"] == {"fingerprint": fr_key.fingerprint, "key_type": "ssh-ed25519", "trusted_for": "FR",
                              "trusted_now": True}
    human = cli("whois", "-c", "FR", "-n", "ftf").stdout
    assert f"Roster: import #2 (roster.json), signed by {fr_key.fingerprint}" in " ".join(human.split())
    _, board = cli.json("now", "--network", "ftf")
    assert next(m for m in board["members"] if m["member"] == "FR")["provenance"] == prov  # (trust read once a network)
    assert "signed" in cli("now", "--network", "ftf").stdout
    _, rows = cli.json("contacts", "-n", "ftf", "-c", "FR")
    assert rows[0]["provenance"]["signer"]["fingerprint"] == fr_key.fingerprint
    entry = last_import(cli)
    assert entry["files"][0]["signature"]["fingerprint"] == fr_key.fingerprint
    assert entry["files"][0]["signature"]["verified"] is True
    assert "signed by" in cli("history").stdout


def test_unsigned_rosters_say_so(tmp_path, cli):
    cli("import", roster_file(tmp_path, roster("FR")))
    _, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert doc["provenance"]["signed"] is False and doc["provenance"]["signer"] is None
    assert doc["provenance"]["policy"] == "optional" and doc["warnings"] == []
    assert "unsigned." in cli("whois", "-c", "FR", "-n", "ftf").stdout


def _refused(cli, db_path, *args, reason: str):
    if not db_path.exists():  # a refusal is recorded in a directory that exists
        assert cli("import", roster_file(db_path.parent, roster("IT"), name="it-first.json")).exit_code == 0
    before = dump(db_path)
    result = cli("import", *args)
    assert result.exit_code == 2, result.output
    assert reason in result.stderr, result.stderr
    assert dump(db_path) == before  # nothing written
    entry = last_import(cli)
    assert entry["outcome"] == "refused" and reason in entry["reason"]
    return result


@pytest.fixture
def required(tmp_path, cli, db_path, fr_key, de_key):
    """ftf requires signatures; FR's and DE's keys are trusted for them."""
    cli("import", roster_file(tmp_path, roster("IT"), name="it.json"))
    assert cli("trust", "policy", "--network", "ftf", "required").exit_code == 0
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    trust(cli, tmp_path, de_key, "-n", "ftf", "-c", "DE")


def test_refused_no_signature(tmp_path, cli, db_path, required):
    _refused(cli, db_path, roster_file(tmp_path, roster("FR")),
             reason="no signature: the roster of FR in ftf is not signed, and ftf requires signatures")


def test_refused_bad_signature_one_byte_changed_under_any_policy(tmp_path, cli, db_path, fr_key):
    path = signed(tmp_path, fr_key, roster("FR"))
    data = path.read_bytes()
    path.write_bytes(data.replace(b"+33 1 99 00 12 34", b"+33 1 99 00 12 35"))  # one byte: another number
    _refused(cli, db_path, path, reason="bad signature: the signature does not match the file")
    cli("trust", "policy", "--network", "ftf", "required")
    _refused(cli, db_path, path, reason="bad signature")


def test_refused_wrong_namespace_under_any_policy(tmp_path, cli, db_path, fr_key):
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    path = signed(tmp_path, fr_key, roster("FR"), namespace="git")
    _refused(cli, db_path, path, reason="wrong namespace: the signature is for namespace 'git'")


def test_refused_untrusted_key(tmp_path, cli, db_path, required):
    stranger = Key("ed25519", "someone@elsewhere.example")
    _refused(cli, db_path, signed(tmp_path, stranger, roster("FR")),
             reason=f"untrusted key: the roster of FR in ftf is signed by key {stranger.fingerprint}")


def test_refused_a_key_trusted_for_fr_signing_des_roster(tmp_path, cli, db_path, required, fr_key):
    result = _refused(cli, db_path, signed(tmp_path, fr_key, roster("DE", contacts=[contact("de-desk", phones=[
        "+49 30 12345678"], timezone="Europe/Berlin")])), reason="key trusted for another member: the roster of DE "
                      f"in ftf is signed by key {fr_key.fingerprint} (ssh-ed25519), which is trusted for FR in ftf")
    assert "not for DE in ftf" in result.stderr


def test_refused_an_expired_key(tmp_path, cli, db_path, monkeypatch):
    key = Key("ed25519")
    cli("trust", "policy", "--network", "ftf", "required")
    assert cli("trust", "add", "-n", "ftf", "-c", "FR", "--expires", "2026-12-31", key.line).exit_code == 0
    monkeypatch.setenv("CTCONTACTS_NOW", "2027-01-01T00:00:00Z")
    _refused(cli, db_path, signed(tmp_path, key, roster("FR")), reason="expired key:")


def test_one_refused_roster_refuses_the_whole_import(tmp_path, cli, db_path, required, fr_key):
    de = roster("DE", contacts=[contact("de-desk", phones=["+49 30 12345678"], timezone="Europe/Berlin")])
    _refused(cli, db_path, signed(tmp_path, fr_key, roster("FR"), name="fr.json"),
             roster_file(tmp_path, de, name="de.json"), reason="no signature: the roster of DE")


def test_a_secretariat_signs_a_consolidated_directory(tmp_path, cli, db_path, coe_key):
    cli("trust", "policy", "--network", "ftf", "required")
    trust(cli, tmp_path, coe_key, "--network", "ftf", "--secretariat")
    members = [roster(m, contacts=[contact(f"{m.lower()}-desk")]) for m in ("FR", "BE", "LU")]
    result = cli("import", signed(tmp_path, coe_key, *members))
    assert result.exit_code == 0, result.output
    for m in ("FR", "BE", "LU"):
        _, doc = cli.json("whois", "-c", m, "-n", "ftf")
        assert doc["provenance"]["signer"]["trusted_for"] == "secretariat"
    # ftf's secretariat does not sign for vot.
    cli("trust", "policy", "--network", "vot", "required")
    _refused(cli, db_path, signed(tmp_path, coe_key, roster("FR", network="vot"), name="vot.json"),
             reason="key trusted for another member: the roster of FR in vot is signed by key")


def test_optional_policy_imports_an_untrusted_signature_and_says_so(tmp_path, cli, fr_key):
    result = cli("import", signed(tmp_path, fr_key, roster("FR")))
    assert result.exit_code == 0 and "NOT TRUSTED" in result.stdout
    _, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert doc["provenance"]["signer"]["trusted_for"] is None
    assert any("not trusted for FR in ftf" in w for w in doc["warnings"])


def test_require_signatures_for_one_run(tmp_path, cli, db_path):
    _refused(cli, db_path, "--require-signatures", roster_file(tmp_path, roster("FR")),
             reason="no signature: the roster of FR in ftf is not signed, and --require-signatures was given")
    assert cli("import", roster_file(tmp_path, roster("FR"))).exit_code == 0  # the policy itself is optional


def test_standard_input_takes_its_signature_with_an_option(tmp_path, cli, fr_key):
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    cli("trust", "policy", "-n", "ftf", "required")
    path = signed(tmp_path, fr_key, roster("FR"))
    result = cli.runner.invoke(__import__("ctcontacts.cli.app", fromlist=["app"]).app,
                               ["import", "-", "--signature", str(path) + ".sig"], input=path.read_bytes())
    assert result.exit_code == 0, result.output
    _, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert doc["provenance"]["file"] == "<stdin>" and doc["provenance"]["signer"]["trusted_for"] == "FR"
    result = cli("import", path, "--signature", str(path) + ".sig")
    assert result.exit_code == 2 and "--signature is the signature of standard input" in result.stderr


def test_a_signature_file_named_as_a_roster_is_refused(tmp_path, cli, fr_key):
    sig = fr_key.sign_file(roster_file(tmp_path, roster("FR")))
    result = cli("import", sig)
    assert result.exit_code == 2 and "is a signature, not a roster" in result.stderr


def test_a_signature_that_is_not_a_regular_file_is_refused(tmp_path, cli):
    path = roster_file(tmp_path, roster("FR"))
    os.mkfifo(str(path) + ".sig")
    result = cli("import", path)
    assert result.exit_code == 2 and "roster.json.sig: is a named pipe" in result.stderr


def test_a_newly_signed_unchanged_roster_is_a_new_version_and_dropping_the_signature_shows(tmp_path, cli, fr_key):
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    path = roster_file(tmp_path, roster("FR"))
    cli("import", path)
    fr_key.sign_file(path)
    result, doc = cli.json("import", path)
    assert doc["rosters"][0]["unchanged"] is False
    assert doc["rosters"][0]["signature"]["old"] is None
    assert doc["rosters"][0]["signature"]["new"]["fingerprint"] == fr_key.fingerprint
    result, doc = cli.json("import", path)  # the same signed file again: nothing changed
    assert doc["rosters"][0]["unchanged"] is True
    os.remove(str(path) + ".sig")
    result = cli("import", path)
    assert "signature: signed by" in result.stdout and "-> unsigned" in result.stdout


@pytest.fixture
def parsed(monkeypatch):
    """How many files each import parsed (``read_file``): none when the "same files as
    before" shortcut answered."""
    from ctcontacts.directory import importer

    calls = []
    real = importer.read_file
    monkeypatch.setattr(importer, "read_file", lambda name, *a, **kw: calls.append(name) or real(name, *a, **kw))

    def count():
        n = len(calls)
        calls.clear()
        return n
    return count


def test_resending_an_unsigned_file_skips_parsing_but_not_where_signatures_are_required(tmp_path, cli, db_path,
                                                                                        parsed, fr_key):
    path = roster_file(tmp_path, roster("FR"))
    assert cli("import", path).exit_code == 0 and parsed() == 1
    assert cli("import", path).exit_code == 0 and parsed() == 0  # the shortcut: nothing parsed
    first, again = json.loads(cli("history", "--json").stdout)[1::-1]
    assert first["files"][0]["sha256"] == again["files"][0]["sha256"]  # the same SHA-256 either way
    assert again["rosters"][0]["unchanged"] is True
    cli("trust", "policy", "-n", "ftf", "required")
    _refused(cli, db_path, path, reason="no signature")
    assert parsed() == 1  # judged in full
    # A signed file is verified and judged on every import: never the shortcut.
    cli("trust", "policy", "-n", "ftf", "optional")
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    fr_key.sign_file(path)
    assert cli("import", path).exit_code == 0 and parsed() == 1
    assert cli("import", path).exit_code == 0 and parsed() == 1


# --- the trust store ------------------------------------------------------------------


def test_trust_changes_are_history_and_roll_back(tmp_path, cli, db_path, fr_key):
    result, doc = cli.json("trust", "add", "-n", "ftf", "-c", "France", fr_key.write_pub(tmp_path / "fr.pub"))
    assert result.exit_code == 0 and doc["import_id"] == 1 and doc["changes"][0]["fingerprint"] == fr_key.fingerprint
    entry = last_import(cli)
    assert entry["kind"] == "trust" and entry["user"]
    assert entry["trust"][0]["fingerprint"] == fr_key.fingerprint and entry["trust"][0]["for"] == "FR"
    again = cli("trust", "add", "-n", "ftf", "-c", "FR", fr_key.line)
    assert "nothing changed" in again.stdout  # the same key: no new entry
    _, keys = cli.json("trust", "list")
    assert [(k["network"], k["for"], k["fingerprint"]) for k in keys] == [("ftf", "FR", fr_key.fingerprint)]
    assert cli("trust", "remove", "-n", "ftf", "-c", "FR", fr_key.fingerprint).exit_code == 0  # #2
    assert cli.json("trust", "list")[1] == []
    assert cli("rollback", "2").exit_code == 0  # #3: trusted again
    assert len(cli.json("trust", "list")[1]) == 1
    assert cli("rollback", "3").exit_code == 0  # #4: removed again
    assert cli.json("trust", "list")[1] == []
    refused = cli("rollback", "1")
    assert refused.exit_code == 2 and "changed again since #1" in refused.stderr
    assert cli("rollback", "1", "--force").exit_code == 0
    history = cli("history").stdout
    assert "no longer trusted" in history and "trusted:" in history


def test_the_policy_is_set_shown_and_rolled_back(tmp_path, cli):
    result, doc = cli.json("trust", "policy", "--network", "ftf", "required")
    assert doc["changes"][0] == {"what": "policy", "network": "ftf", "for": None, "fingerprint": None,
                                 "before": "optional", "after": "required"}
    _, nets = cli.json("networks")
    assert {n["code"]: n["signatures"] for n in nets} == {"ftf": "required", "iactn": "optional", "vot": "optional"}
    assert cli("rollback", str(doc["import_id"])).exit_code == 0
    assert {n["code"]: n["signatures"] for n in cli.json("networks")[1]}["ftf"] == "optional"
    assert cli("trust", "policy", "-n", "ftf", "sometimes").exit_code == 2


@pytest.mark.parametrize("given, message", [
    ("private", "never send or copy the private key"),
    ("ssh-ed25519 not-base64!", "not valid base64"),
    ("ssh-dss AAAAB3NzaC1kc3M=", "ctcontacts accepts"),
    ("missing.pub", "no such file"),
    ("", "the key is empty"),
])
def test_a_key_that_cannot_be_trusted_is_a_usage_error(tmp_path, cli, given, message):
    if given == "private":
        given = str(tmp_path / "id_ed25519")
        (tmp_path / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n"
                                             "-----END OPENSSH PRIVATE KEY-----\n")
    result = cli("trust", "add", "-n", "ftf", "-c", "FR", given)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_trust_needs_a_member_or_the_secretariat(tmp_path, cli, fr_key):
    assert cli("trust", "add", "-n", "ftf", fr_key.line).exit_code == 2
    assert cli("trust", "add", "-n", "ftf", "-c", "FR", "--secretariat", fr_key.line).exit_code == 2
    assert cli("trust", "add", "-n", "ftf", "-c", "FR", "--expires", "2020-01-01", fr_key.line).exit_code == 2
    assert cli("trust", "remove", "-n", "ftf", "-c", "FR", fr_key.fingerprint).exit_code == 3  # no database yet


def test_check_reports_unsigned_untrusted_and_expiring(tmp_path, cli, fr_key):
    cli("import", roster_file(tmp_path, roster("IT"), name="it.json"))
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    cli("import", signed(tmp_path, fr_key, roster("FR"), name="fr.json"))
    cli("trust", "policy", "-n", "ftf", "required")
    cli("trust", "add", "-n", "vot", "-c", "FR", "--expires", "2026-12-10", fr_key.line)
    _, findings = cli.json("check")
    codes = {(f["code"], f["member"]) for f in findings}
    assert ("unsigned-roster", "IT") in codes and ("key-expiring", "FR") in codes
    assert not any(c == "untrusted-signer" for c, _ in codes)
    cli("trust", "remove", "-n", "ftf", "-c", "FR", fr_key.fingerprint)
    _, findings = cli.json("check")
    assert ("untrusted-signer", "FR") in {(f["code"], f["member"]) for f in findings}
    _, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert doc["provenance"]["signer"]["trusted_for"] == "FR" and doc["provenance"]["signer"]["trusted_now"] is False
    assert any("no longer trusted" in w for w in doc["warnings"])
    # The board says the same: the key still trusted for FR in vot vouches for nothing in ftf.
    _, board = cli.json("now", "--network", "ftf")
    assert next(m for m in board["members"] if m["member"] == "FR")["provenance"] == doc["provenance"]


# --- verify ---------------------------------------------------------------------------------


def test_verify_says_who_signed_without_importing(tmp_path, cli, db_path, fr_key):
    path = signed(tmp_path, fr_key, roster("FR"))
    result, doc = cli.json("verify", path)
    assert result.exit_code == 1 and doc["verified"] and doc["fingerprint"] == fr_key.fingerprint
    assert doc["trusted_for"] == [] and doc["directory"] is False and not db_path.exists()
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    result, doc = cli.json("verify", path, str(path) + ".sig")
    assert result.exit_code == 0 and doc["trusted_for"][0]["for"] == "FR"
    path.write_bytes(path.read_bytes() + b"\n")
    result = cli("verify", path)
    assert result.exit_code == 2 and "bad signature" in result.stderr
    assert cli("verify", roster_file(tmp_path, roster("FR"), name="plain.json")).exit_code == 2
    assert json.loads(cli("history", "--json").stdout)[0]["kind"] == "trust"  # verify imported nothing


# --- answers as recorded -----------------------------------------------------------------


def _at(monkeypatch, cli, when, *args):
    monkeypatch.setenv("CTCONTACTS_NOW", when)
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result


def test_whois_as_recorded_across_an_import_a_rollback_and_a_later_import(tmp_path, cli, monkeypatch):
    def version(phone):
        return roster_file(tmp_path, roster("FR", contacts=[contact(phones=[phone])]), name=f"{phone[-2:]}.json")

    _at(monkeypatch, cli, "2026-11-01T10:00:00Z", "import", version("+33 1 99 00 12 11"))  # #1
    _at(monkeypatch, cli, "2026-11-05T10:00:00Z", "import", version("+33 1 99 00 12 22"))  # #2
    _at(monkeypatch, cli, "2026-11-10T10:00:00Z", "rollback", "2")                        # #3: back to #1's
    _at(monkeypatch, cli, "2026-11-15T10:00:00Z", "import", version("+33 1 99 00 12 33"))  # #4
    monkeypatch.setenv("CTCONTACTS_NOW", "2026-11-29T02:00:00Z")

    def asked(at):
        result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", at, "--as-recorded")
        phones = doc["on_duty"][0]["phones"] if doc["on_duty"] else None
        prov = doc["provenance"]
        return result.exit_code, phones, prov and (prov["import_id"], prov["made_current_by"])

    assert asked("2026-10-31T00:00Z")[0:2] == (1, None)  # before the first import: no roster then
    assert asked("2026-10-31T00:00Z")[2] is None
    assert asked("2026-11-03T00:00Z") == (0, ["+33199001211"], (1, 1))
    assert asked("2026-11-07T00:00Z") == (0, ["+33199001222"], (2, 2))
    assert asked("2026-11-12T00:00Z") == (0, ["+33199001211"], (1, 3))  # the rollback made #1's current again
    assert asked("2026-11-20T00:00Z") == (0, ["+33199001233"], (4, 4))
    # Without the flag, --at asks today's roster.
    result, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-10-31T00:00Z")
    assert doc["on_duty"][0]["phones"] == ["+33199001233"] and doc["as_recorded"] is False
    _, doc = cli.json("whois", "-c", "FR", "-n", "ftf", "--at", "2026-10-31T00:00Z", "--as-recorded")
    assert any("had no roster in ftf at 2026-10-31T00:00:00Z" in w for w in doc["warnings"])
    human = cli("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-12T00:00Z", "--as-recorded").stdout
    assert "Roster as recorded then: import #1, current since #3" in " ".join(human.split())


def test_as_recorded_uses_the_fallback_as_it_was(tmp_path, cli, monkeypatch):
    coe = roster("org:coe", contacts=[contact("coe-duty", phones=["+33 1 99 00 20 00"])])
    it = roster("IT", contacts=[contact("it-office", duty=["Mo-Fr 09:00-17:00"], timezone="Europe/Rome",
                                        phones=["+39 06 9999 0000"])])
    _at(monkeypatch, cli, "2026-11-01T10:00:00Z", "import", roster_file(tmp_path, it, coe))
    monkeypatch.setenv("CTCONTACTS_NOW", "2026-11-29T02:00:00Z")
    result, doc = cli.json("whois", "-c", "IT", "-n", "ftf", "--at", "2026-11-29T02:00Z", "--as-recorded")
    assert result.exit_code == 1 and doc["fallback"][0]["id"] == "coe-duty"
    assert doc["fallback_provenance"]["import_id"] == 1
    result, doc = cli.json("whois", "-c", "IT", "-n", "ftf", "--at", "2026-10-29T02:00Z", "--as-recorded")
    assert doc["fallback"] == [] and doc["fallback_provenance"] is None


# --- the lookup path -------------------------------------------------------------------


def test_provenance_costs_a_lookup_one_indexed_statement(tmp_path, cli, db_path, fr_key):
    from ctcontacts.views.whois import whois

    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    cli("import", signed(tmp_path, fr_key, roster("FR")))
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    statements = []
    conn.set_trace_callback(statements.append)
    answer = whois(conn, "ftf", "FR", 1796000000, 1796000000)
    assert answer.provenance["signer"]["trusted_now"] is True
    trust_reads = [s for s in statements if "trusted_keys" in s or "signature_policies" in s]
    assert len(trust_reads) == 1
    conn.set_trace_callback(None)
    plan = " ".join(str(tuple(r)) for r in conn.execute("EXPLAIN QUERY PLAN " + trust_reads[0]))
    assert "SEARCH trusted_keys USING INDEX" in plan and "SCAN trusted_keys" not in plan, plan
    assert "SCAN signature_policies" not in plan, plan


def test_a_signed_lookup_loads_no_cryptography(tmp_path, cli, db_path, fr_key):
    from .test_startup import loaded_modules

    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    cli("import", signed(tmp_path, fr_key, roster("FR")))
    loaded = loaded_modules(tmp_path, "--db", str(db_path), "whois", "-c", "FR", "-n", "ftf", "--json")
    assert "ctcontacts" in loaded and "cryptography" not in loaded


# --- a file's signature belongs to that file -----------------------------------------


def _long_dir(tmp_path):
    """A folder whose path is over 330 characters: files in it are shown cut to 300."""
    folder = tmp_path
    for i in range(4):
        folder = folder / (f"{i}" * 90)
    folder.mkdir(parents=True)
    assert len(str(folder)) > 330
    return folder


def _named_alike(tmp_path, cli, coe_key, forged_roster):
    """Under a required policy with the secretariat's key trusted: FR's roster signed by
    it, and ``forged_roster`` unsigned, in two folders under one long path, both x.json."""
    cli("import", roster_file(tmp_path, roster("IT"), name="it.json"))
    cli("trust", "policy", "--network", "ftf", "required")
    trust(cli, tmp_path, coe_key, "--network", "ftf", "--secretariat")
    folder = _long_dir(tmp_path)
    (folder / "a").mkdir()
    (folder / "b").mkdir()
    return (signed(folder / "a", coe_key, roster("FR"), name="x.json"),
            roster_file(folder / "b", forged_roster, name="x.json"))


def test_an_unsigned_file_cannot_take_the_signature_of_a_file_shown_by_the_same_name(tmp_path, cli, db_path,
                                                                                       coe_key):
    good, forged = _named_alike(tmp_path, cli, coe_key, roster("DE", contacts=[
        contact("de-desk", phones=["+49 30 12345678"], timezone="Europe/Berlin")]))
    before = dump(db_path)
    result = cli("import", forged, good)
    assert result.exit_code == 2, result.output
    assert "two inputs are shown by the same name" in result.stderr and "Traceback" not in result.output
    assert dump(db_path) == before
    assert cli.json("whois", "-c", "DE", "-n", "ftf")[1]["provenance"] is None


def test_each_roster_is_judged_by_its_own_files_signature_whatever_the_names(tmp_path, cli, db_path, coe_key):
    """Below the command line's check of names: the signature check travels with the
    file that was read, so two files of one name never share one."""
    from ctcontacts.directory.importer import read_and_validate
    from ctcontacts.storage.db import connect

    good, forged = _named_alike(tmp_path, cli, coe_key, roster("DE"))
    from ctcontacts.base.errors import InvalidInput

    with pytest.raises(InvalidInput) as e:
        read_and_validate(connect(db_path), [forged, good], now=1796000000)
    assert [p.reason.split(":")[0] for p in e.value.problems] == ["no signature"]
    assert "the roster of DE in ftf is not signed" in e.value.problems[0].reason


def test_a_file_named_stdin_beside_standard_input_is_refused(tmp_path, cli, db_path, fr_key, monkeypatch):
    from ctcontacts.cli.app import app

    cli("import", roster_file(tmp_path, roster("IT"), name="it.json"))
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    cli("trust", "policy", "-n", "ftf", "required")
    signed(tmp_path, fr_key, roster("FR"), name="<stdin>")
    monkeypatch.chdir(tmp_path)
    before = dump(db_path)
    result = cli.runner.invoke(app, ["import", "-", "<stdin>"], input=json.dumps(
        {"format": "ctcontacts-roster/1", "rosters": [roster("DE")]}))
    assert result.exit_code == 2, result.output
    assert "two inputs are shown by the same name, '<stdin>'" in result.stderr
    assert dump(db_path) == before


def test_what_is_verified_is_what_is_imported_even_if_the_file_changes_unseen(tmp_path, cli, db_path, required,
                                                                              fr_key, monkeypatch):
    """A write through a shared mapping while the file is read moves no size, and its
    times only as finely as the clock ticks (here not at all: ``check_unchanged`` is
    made blind to it). The bytes verified must still be the bytes parsed."""
    import mmap

    from ctcontacts.directory import importer
    from ctcontacts.formats.files import Input

    many = [contact(f"fr-{i}", notes="n" * 3000) for i in range(30)]  # past the head kept and buffered
    path = signed(tmp_path, fr_key, roster("FR", contacts=many + [contact("fr-night", phones=["+33 1 99 00 12 34"])]))
    at = path.read_bytes().rindex(b"+33 1 99 00 12 34")
    assert at > 1 << 16
    real = importer.read_file

    def changed_meanwhile(name, stream, **kw):
        with open(path, "r+b") as w, mmap.mmap(w.fileno(), 0) as m:
            m[at:at + 17] = b"+33 1 99 00 66 66"  # another number, same length
        return real(name, stream, **kw)

    monkeypatch.setattr(importer, "read_file", changed_meanwhile)
    monkeypatch.setattr(Input, "check_unchanged", lambda self: None)
    before = dump(db_path)
    result = cli("import", path)
    # Read once: the changed number is both hashed and parsed, so the signature fails.
    # (Read twice, the old bytes were verified and the new number imported as signed.)
    assert result.exit_code == 2 and "bad signature" in result.stderr, result.output
    assert dump(db_path) == before


# --- a network's definition under the policy -----------------------------------------------


def _definition(tmp_path, key, fallback="FR", name="evil.json"):
    path = roster_file(tmp_path, name=name, networks=[{"code": "ftf", "name": "Evil", "fallback": fallback}])
    if key is not None:
        key.sign_file(path)
    return path


def test_an_unsigned_file_cannot_move_a_required_networks_fallback(tmp_path, cli, db_path, required):
    result = _refused(cli, db_path, _definition(tmp_path, None), reason="no signature: the definition of network "
                      "ftf (its name, organization and fallback) would change, the file is not signed, and ftf "
                      "requires signatures")
    assert "evil.json: networks[0], field 'signature'" in result.stderr
    _, nets = cli.json("networks")
    assert next(n for n in nets if n["code"] == "ftf")["fallback"] == "org:coe"
    _, entries = cli.json("history", "--network", "ftf")
    assert entries[0]["outcome"] == "refused"
    # --require-signatures judges definitions too, whatever the policy.
    _refused(cli, db_path, "--require-signatures",
             roster_file(tmp_path, name="vot.json", networks=[{"code": "vot", "name": "V", "fallback": "FR"}]),
             reason="no signature: the definition of network vot")


def test_a_members_key_cannot_change_a_networks_definition(tmp_path, cli, db_path, required, fr_key):
    _refused(cli, db_path, _definition(tmp_path, fr_key), reason=f"key trusted for another member: the definition "
             f"of network ftf (its name, organization and fallback) is signed by key {fr_key.fingerprint} "
             "(ssh-ed25519), which is trusted for FR in ftf, not for ftf's secretariat")
    stranger = Key("ed25519")
    _refused(cli, db_path, _definition(tmp_path, stranger, name="s.json"),
             reason=f"untrusted key: the definition of network ftf (its name, organization and fallback) is signed "
             f"by key {stranger.fingerprint}")


def test_the_secretariats_key_changes_a_networks_definition(tmp_path, cli, db_path, required, coe_key):
    trust(cli, tmp_path, coe_key, "-n", "ftf", "--secretariat")
    result = cli("import", _definition(tmp_path, coe_key, fallback="org:coe"))
    assert result.exit_code == 0, result.output
    _, nets = cli.json("networks")
    assert next(n for n in nets if n["code"] == "ftf")["name"] == "Evil"
    # The same definition again, unsigned, changes nothing, and is not refused.
    path = _definition(tmp_path, None, fallback="org:coe", name="same.json")
    assert cli("import", path).exit_code == 0
    # Under 'optional' a definition is taken as before.
    cli("trust", "policy", "-n", "ftf", "optional")
    assert cli("import", _definition(tmp_path, None, fallback="BE", name="be.json")).exit_code == 0


# --- rollback under the policy -------------------------------------------------------------


@pytest.mark.parametrize("first", ["unsigned", "untrusted"])
def test_a_rollback_does_not_make_current_a_roster_the_policy_would_refuse(tmp_path, cli, db_path, fr_key, first):
    stranger = Key("ed25519")
    old = signed(tmp_path, None if first == "unsigned" else stranger,
                 roster("FR", contacts=[contact(phones=["+33 1 99 00 11 11"])]), name="old.json")
    assert cli("import", old).exit_code == 0  # #1, under 'optional'
    cli("trust", "policy", "-n", "ftf", "required")  # #2
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")  # #3
    assert cli("import", signed(tmp_path, fr_key, roster("FR"), name="new.json")).exit_code == 0  # #4
    before = dump(db_path)
    result = cli("rollback", "4")
    assert result.exit_code == 2, result.output
    why = ("is unsigned, and ftf requires signatures" if first == "unsigned"
           else f"is signed by key {stranger.fingerprint}, which is not trusted for FR in ftf")
    assert ("rollback of import #4 refused: the roster of FR in ftf it would make current again (from import #1) "
            + why) in " ".join(result.stderr.split())
    assert "give --force" in result.stderr and "Traceback" not in result.output
    assert dump(db_path) == before
    entry = last_import(cli)
    assert (entry["kind"], entry["outcome"], entry["rollback_of"]) == ("rollback", "refused", 4)
    assert why in entry["reason"]
    assert cli.json("whois", "-c", "FR", "-n", "ftf")[1]["provenance"]["import_id"] == 4
    result = cli("rollback", "4", "--force")
    assert result.exit_code == 0, result.output
    _, doc = cli.json("whois", "-c", "FR", "-n", "ftf")
    assert doc["on_duty"][0]["phones"] == ["+33199001111"] and doc["warnings"]


def test_a_rollback_to_a_roster_signed_by_a_trusted_key_is_not_refused(tmp_path, cli, fr_key):
    cli("trust", "policy", "-n", "ftf", "required")
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    assert cli("import", signed(tmp_path, fr_key, roster("FR"), name="a.json")).exit_code == 0  # #3
    assert cli("import", signed(tmp_path, fr_key, roster("FR", contacts=[contact(phones=["+33 1 99 00 11 11"])]),
                                name="b.json")).exit_code == 0  # #4
    assert cli("rollback", "4").exit_code == 0


# --- an old signed file sent again ------------------------------------------------------------


def test_a_signed_roster_older_than_the_current_one_is_refused_unless_allowed(tmp_path, cli, db_path, required,
                                                                              fr_key):
    old = signed(tmp_path, fr_key, roster("FR", issued="2026-11-01", contacts=[contact(phones=["+33 1 99 00 11 11"])]),
                 name="old.json")
    assert cli("import", signed(tmp_path, fr_key, roster("FR", issued="2026-11-28"), name="new.json")).exit_code == 0
    result = _refused(cli, db_path, old, reason="older roster: the roster of FR in ftf was issued 2026-11-01, before "
                      "the current one (issued 2026-11-28, import #5), and ftf requires signatures")
    assert "old.json: file, field 'issued'" in result.stderr and "--allow-older" in result.stderr
    undated = roster("FR", contacts=[contact(phones=["+33 1 99 00 11 22"])])
    del undated["issued"]
    _refused(cli, db_path, signed(tmp_path, fr_key, undated, name="undated.json"),
             reason="older roster: the roster of FR in ftf gives no issue date, and the current one (import "
             "#5) was issued 2026-11-28")
    same_day = signed(tmp_path, fr_key, roster("FR", issued="2026-11-28", contacts=[contact(phones=[
        "+33 1 99 00 11 33"])]), name="same.json")
    assert cli("import", same_day).exit_code == 0  # a second roster the same day: taken
    result = cli("import", "--allow-older", old)
    assert result.exit_code == 0, result.output
    assert cli.json("whois", "-c", "FR", "-n", "ftf")[1]["on_duty"][0]["phones"] == ["+33199001111"]


def test_an_older_roster_is_taken_where_signatures_are_optional(tmp_path, cli, fr_key):
    assert cli("import", roster_file(tmp_path, roster("FR", issued="2026-11-28"), name="new.json")).exit_code == 0
    assert cli("import", roster_file(tmp_path, roster("FR", issued="2026-11-01", contacts=[contact(
        phones=["+33 1 99 00 11 11"])]), name="old.json")).exit_code == 0


@pytest.mark.parametrize("whom", [["--country", "FR"], ["--country", "org:coe"], ["--secretariat"]])
def test_check_names_a_trust_remove_command_that_runs(tmp_path, cli, monkeypatch, whom):
    import shlex

    key = Key("ed25519")
    cli("import", roster_file(tmp_path, roster("IT"), name="it.json"))
    assert cli("trust", "add", "-n", "ftf", *whom, "--expires", "2026-12-31", key.line).exit_code == 0
    monkeypatch.setenv("CTCONTACTS_NOW", "2027-01-02T00:00:00Z")
    _, findings = cli.json("check")
    expired = next(f for f in findings if f["code"] == "key-expired")
    command = shlex.split(expired["message"].split("then ")[-1])
    assert command[:3] == ["ctcontacts", "trust", "remove"] and key.fingerprint in command
    result = cli(*command[1:])
    assert result.exit_code == 0, result.output
    assert cli.json("trust", "list")[1] == []


# --- what a signature vouches for: the bytes; the key's trust: where they may go --------------


# One 12-hour shift of fr-desk, as a calendar (its contact named by the summary).
FR_DESK_CALENDAR = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
                    "DTSTAMP:20261101T000000Z\r\nSUMMARY:fr-desk\r\nDTSTART:20261201T080000Z\r\n"
                    "DTEND:20261201T200000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_a_calendar_or_csv_filled_in_by_the_command_line_is_judged_where_it_is_written(tmp_path, cli, db_path,
                                                                                       fr_key):
    """FR's key is trusted for FR in vot only. A calendar and a CSV name no network:
    -n ftf puts them in ftf, where that key signs nothing."""
    assert cli("import", roster_file(tmp_path, roster("FR"), name="fr.json")).exit_code == 0  # ftf, unsigned
    cli("trust", "policy", "-n", "ftf", "required")
    trust(cli, tmp_path, fr_key, "-n", "vot", "-c", "FR")
    cal = tmp_path / "fr.ics"
    cal.write_text(FR_DESK_CALENDAR)
    fr_key.sign_file(cal)
    reason = (f"key trusted for another member: the roster of FR in ftf is signed by key {fr_key.fingerprint} "
              "(ssh-ed25519), which is trusted for FR in vot, not for FR in ftf")
    _refused(cli, db_path, cal, "-n", "ftf", "-c", "FR", reason=reason)
    csv = tmp_path / "fr.csv"
    csv.write_text("id,name,phones,timezone,duty\nfr-desk,Desk,+33 1 99 00 66 66,Europe/Paris,24/7\n")
    fr_key.sign_file(csv)
    _refused(cli, db_path, csv, "-n", "ftf", "-c", "FR", reason=reason)
    # The same signed bytes go where the key is trusted.
    result = cli("import", csv, "-n", "vot", "-c", "FR")
    assert result.exit_code == 0, result.output
    assert cli.json("whois", "-c", "FR", "-n", "vot")[1]["provenance"]["signer"]["trusted_for"] == "FR"


def test_a_signed_calendar_does_not_sign_the_unsigned_numbers_it_leaves_in_place(tmp_path, cli, db_path, fr_key):
    """A calendar gives duty only; its roster's names and numbers are the current
    version's. Signed by FR's trusted key onto an unsigned roster, it would record the
    whole new version as signed."""
    assert cli("import", roster_file(tmp_path, roster("FR"), name="fr.json")).exit_code == 0  # #1, unsigned
    cli("trust", "policy", "-n", "ftf", "required")
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")
    cal = tmp_path / "fr.ics"
    cal.write_text(FR_DESK_CALENDAR)
    fr_key.sign_file(cal)
    _refused(cli, db_path, cal, "-n", "ftf", "-c", "FR", reason="unsigned contacts: the calendar gives only the duty "
             "of the roster of FR in ftf; its contacts and numbers come from the current roster (import #1), which "
             "is unsigned, and ftf requires signatures")
    assert cli("import", signed(tmp_path, fr_key, roster("FR", issued="2026-11-02"), name="fr2.json")).exit_code == 0
    result = cli("import", cal, "-n", "ftf", "-c", "FR")
    assert result.exit_code == 0, result.output


# --- answers as recorded: small things ----------------------------------------------------------


def test_as_recorded_names_the_import_that_made_a_version_current_not_a_later_resend(tmp_path, cli, monkeypatch,
                                                                                    fr_key):
    trust(cli, tmp_path, fr_key, "-n", "ftf", "-c", "FR")  # #1
    plain = roster_file(tmp_path, roster("FR"), name="fr.json")
    signed_file = signed(tmp_path, fr_key, roster("BE", contacts=[contact("be-desk")]), name="be.json")
    _at(monkeypatch, cli, "2026-11-01T10:00:00Z", "import", plain, signed_file)  # #2
    _at(monkeypatch, cli, "2026-11-05T10:00:00Z", "import", plain, signed_file)  # #3: the same files, no change
    monkeypatch.setenv("CTCONTACTS_NOW", "2026-11-29T02:00:00Z")
    for member in ("FR", "BE"):
        _, doc = cli.json("whois", "-c", member, "-n", "ftf", "--at", "2026-11-20T00:00Z", "--as-recorded")
        assert (doc["provenance"]["import_id"], doc["provenance"]["made_current_by"]) == (2, 2)
    human = cli("whois", "-c", "FR", "-n", "ftf", "--at", "2026-11-20T00:00Z", "--as-recorded").stdout
    assert "Roster as recorded then: import #2 (fr.json), unsigned." in " ".join(human.split())


def test_as_recorded_warnings_are_told_in_the_past(tmp_path, cli, monkeypatch):
    it = roster("IT", contacts=[contact("it-office", duty=["Mo-Fr 09:00-17:00"], timezone="Europe/Rome",
                                        verified="2025-01-01")])
    del it["issued"]
    _at(monkeypatch, cli, "2026-11-01T10:00:00Z", "import", roster_file(tmp_path, it))
    monkeypatch.setenv("CTCONTACTS_NOW", "2026-11-29T02:00:00Z")
    _, doc = cli.json("whois", "-c", "IT", "-n", "ftf", "--at", "2026-11-08T02:00Z", "--as-recorded", "--speaks", "de")
    warnings = doc["warnings"]
    assert "the fallback org:coe had no roster in ftf then." in warnings
    assert "the IT roster had no issue date; its age then is unknown." in warnings
    assert any(w.startswith("entry 'it-office' had last been verified 2025-01-01") for w in warnings)
    assert "nobody in the IT roster spoke 'de' then." in warnings
    assert not any(" has no " in w or " speaks " in w for w in warnings), warnings
    _, doc = cli.json("whois", "-c", "IT", "-n", "ftf", "--at", "2026-11-08T02:00Z", "--speaks", "de")
    assert "the fallback org:coe has no roster in ftf." in doc["warnings"]


def test_verify_says_the_file_changed_only_when_the_signature_does_not_match(tmp_path, cli, fr_key):
    path = signed(tmp_path, fr_key, roster("FR"))
    sig = tmp_path / "roster.json.sig"
    good = sig.read_bytes()
    path.write_bytes(path.read_bytes() + b"\n")
    result = cli("verify", path)
    assert result.exit_code == 2 and "was not signed with that signature, or was changed since." in result.stderr
    sig.write_bytes(good[:40])
    result = cli("verify", path)
    assert result.exit_code == 2 and "changed since" not in result.stderr
    assert "is cut short" in result.stderr and "ask the file's sender for its signature file again." in result.stderr
    sig.write_bytes(fr_key.sign(path.read_bytes(), namespace="git"))
    result = cli("verify", path)
    assert result.exit_code == 2 and "changed since" not in result.stderr
    assert result.stderr.startswith("error: wrong namespace: the signature is for namespace 'git'")
    assert result.stderr.count("\n") == 1


def test_a_key_comment_is_stored_as_written_and_neutralised_where_shown(tmp_path, cli, db_path, monkeypatch):
    comment = "fr-admin \x1b[2J\x1b]0;owned\x07 [bold red]root[/] \u202eevil"
    key = Key("ed25519", comment)
    cli("import", roster_file(tmp_path, roster("IT"), name="it.json"))
    added = cli("trust", "add", "-n", "ftf", "-c", "FR", "--expires", "2026-12-10", key.line)
    assert added.exit_code == 0
    stored = sqlite3.connect(db_path).execute("SELECT comment FROM trusted_keys").fetchone()[0]
    assert stored == comment  # raw in the database
    assert cli.json("trust", "list")[1][0]["comment"] == comment  # raw in JSON (escaped by JSON itself)
    path = signed(tmp_path, key, roster("FR"))
    shown = [added.stdout, cli("trust", "list").stdout, cli("history").stdout, cli("verify", path).stdout,
             cli("check").stdout]
    for out in shown:
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, out
    assert "[bold red]root[/]" in " ".join(shown[1].split())  # rich markup printed as text
    assert "\\x1b[2J" in shown[1] and "\\u202e" in shown[1]
    assert "\\x1b[2J" in shown[4]  # check's key-expiring finding names the comment too
