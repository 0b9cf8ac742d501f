"""OpenSSH public keys and SSHSIG detached signatures: read as hostile input, verified
in-process.

A member's administrator signs a roster file with the tool they already have::

    ssh-keygen -Y sign -f KEY -n ctcontacts-roster fr-ftf.json     # writes fr-ftf.json.sig

That writes OpenSSH's SSHSIG format (the one ``git`` uses; PROTOCOL.sshsig in OpenSSH's
sources): an armored blob holding the magic ``SSHSIG``, a version (1), the signer's public
key, a namespace, a reserved string, the hash algorithm (``sha256`` or ``sha512``) and the
signature over ``"SSHSIG" || string(namespace) || string(reserved) || string(hash_alg) ||
string(H(file))``. This module reads that blob and OpenSSH public key lines
(``ssh-ed25519 AAAA… comment``) field by field, every length checked against what is
left and against ``limits.py``, and verifies with ``cryptography`` (imported only inside
``verify``, never on a lookup's path). Nothing is shelled out to: ssh-keygen may be
absent where rosters are imported.

Keys: Ed25519, ECDSA (NIST P-256, P-384, P-521) and RSA (2,048 to 16,384 bits, signed
with rsa-sha2-256 or rsa-sha2-512: ``ssh-rsa`` signatures use SHA-1 and are refused, as
ssh-keygen refuses them). Security-key (``sk-``) keys and certificates are refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from ..base import limits
from ..base.values import field, value_class

NAMESPACE = "ctcontacts-roster"
MAGIC = b"SSHSIG"
VERSION = 1
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
HASHES = ("sha256", "sha512")
CURVES = {"ecdsa-sha2-nistp256": ("nistp256", 32), "ecdsa-sha2-nistp384": ("nistp384", 48),
          "ecdsa-sha2-nistp521": ("nistp521", 66)}
KEY_TYPES = ("ssh-ed25519", *CURVES, "ssh-rsa")
SUPPORTED = "ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa"
MAX_COMMENT_CHARS = 200

# Why a signature or key is refused: the code is for scripts (import --json, history),
# the reason a sentence for people.
MALFORMED = "malformed"
WRONG_NAMESPACE = "wrong-namespace"
BAD_SIGNATURE = "bad-signature"
UNSUPPORTED = "unsupported"


class SignatureError(Exception):
    """A signature or key that cannot be read or does not verify."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@value_class(frozen=True)
class PublicKey:
    """An OpenSSH public key: its type, its wire-format blob and the comment it came with."""

    key_type: str
    blob: bytes
    comment: str = field(default="", compare=False)

    @property
    def fingerprint(self) -> str:
        """As ``ssh-keygen -l`` prints it: ``SHA256:`` and the unpadded base64 of the blob's SHA-256."""
        return "SHA256:" + base64.b64encode(hashlib.sha256(self.blob).digest()).decode("ascii").rstrip("=")

    @property
    def line(self) -> str:
        """The key as one line of an authorized_keys or .pub file, without its comment."""
        return f"{self.key_type} {base64.b64encode(self.blob).decode('ascii')}"


@value_class(frozen=True)
class Signature:
    """A parsed SSHSIG blob (not yet verified)."""

    key: PublicKey
    namespace: str
    reserved: bytes
    hash_alg: str
    sig_type: str
    sig_blob: bytes


class _Reader:
    """SSH wire format (RFC 4251 §5), read with every length bounded by what is left."""

    def __init__(self, data: bytes, what: str):
        self.data, self.pos, self.what = data, 0, what

    def _fail(self, detail: str) -> SignatureError:
        return SignatureError(MALFORMED, f"{self.what} is damaged ({detail})")

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise self._fail("it ends too early")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def string(self, most: int | None = None) -> bytes:
        n = self.uint32()
        if most is not None and n > most:
            raise self._fail(f"a field of {n:,} bytes where at most {most:,} belong")
        return self.take(n)

    def text(self, most: int) -> str:
        raw = self.string(most)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise self._fail("a name that is not ASCII") from None

    def mpint(self, most: int) -> int:
        raw = self.string(most)
        if raw and raw[0] & 0x80:
            raise self._fail("a negative number")
        return int.from_bytes(raw, "big")

    def done(self) -> None:
        if self.pos != len(self.data):
            left = len(self.data) - self.pos
            raise self._fail(f"{left:,} byte{'s' if left != 1 else ''} after its end")


def _string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(MALFORMED, f"{what} is not valid base64") from None


def key_from_blob(blob: bytes, comment: str = "", what: str = "the public key") -> PublicKey:
    """A key from its wire-format blob, each field checked for its type."""
    if len(blob) > limits.MAX_KEY_BYTES:
        raise SignatureError(MALFORMED, f"{what} is {len(blob):,} bytes; no supported key is that long")
    r = _Reader(blob, what)
    key_type = r.text(64)
    if key_type not in KEY_TYPES:
        raise SignatureError(UNSUPPORTED, f"{what} is of type {key_type!r}; ctcontacts accepts {SUPPORTED}")
    if key_type == "ssh-ed25519":
        if len(r.string(32)) != 32:
            raise r._fail("an Ed25519 key is 32 bytes")
    elif key_type in CURVES:
        curve, size = CURVES[key_type]
        if r.text(16) != curve:
            raise r._fail(f"the curve is not {curve}")
        point = r.string(2 * size + 1)
        if len(point) != 2 * size + 1 or point[0] != 4:
            raise r._fail("the curve point is not an uncompressed point")
    else:
        e = r.mpint(16)
        n = r.mpint(limits.MAX_RSA_BITS // 8 + 1)
        if e < 3 or e % 2 == 0:
            raise r._fail("the RSA exponent is not usable")
        bits = n.bit_length()
        if bits < limits.MIN_RSA_BITS:
            raise SignatureError(UNSUPPORTED, f"{what} is a {bits:,}-bit RSA key; ctcontacts accepts RSA keys of "
                                              f"{limits.MIN_RSA_BITS:,} bits or more (ssh-keygen makes 3,072)")
    r.done()
    return PublicKey(key_type, blob, comment)


def parse_public_key(text: str, what: str = "the key") -> PublicKey:
    """A key from an OpenSSH public key line (``TYPE BASE64 [COMMENT]``), as a ``.pub``
    file holds it; blank lines and ``#`` comments before it are skipped."""
    if len(text) > limits.MAX_KEY_BYTES:
        raise SignatureError(MALFORMED, f"{what} is {len(text):,} characters; an OpenSSH public key line is "
                                        f"at most a few thousand")
    if "PRIVATE KEY" in text:
        raise SignatureError(MALFORMED, f"{what} is a private key; give the public key (the .pub file), and never "
                                        "send or copy the private key")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    if not lines:
        raise SignatureError(MALFORMED, f"{what} is empty; give an OpenSSH public key (ssh-ed25519 AAAA…)")
    if len(lines) > 1:
        raise SignatureError(MALFORMED, f"{what} holds {len(lines)} lines; give one public key (a .pub file)")
    parts = lines[0].split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        if parts[0].startswith(("sk-", "ssh-", "ecdsa-")) and len(parts) >= 2:
            raise SignatureError(UNSUPPORTED, f"{what} is of type {parts[0][:64]!r}; ctcontacts accepts {SUPPORTED}")
        raise SignatureError(MALFORMED, f"{what} is not an OpenSSH public key line (TYPE BASE64 COMMENT, such as "
                                        "ssh-ed25519 AAAA… admin@example.org)")
    blob = _b64(parts[1], what)
    # The comment is kept as written (cut to its limit): it is data, escaped where it is
    # shown (``base.text.safe``), never stored escaped, so it reads back as it was given.
    comment = parts[2].strip()[:MAX_COMMENT_CHARS] if len(parts) > 2 else ""
    key = key_from_blob(blob, comment, what)
    if key.key_type != parts[0]:
        raise SignatureError(MALFORMED, f"{what} says {parts[0]} but holds a {key.key_type} key")
    return key


def parse_signature(data: bytes, what: str = "the signature") -> Signature:
    """An armored SSHSIG blob, as ``ssh-keygen -Y sign`` writes it."""
    if len(data) > limits.MAX_SIGNATURE_BYTES:
        raise SignatureError(MALFORMED, f"{what} is {len(data):,} bytes; an SSH signature is at most a few kB")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise SignatureError(MALFORMED, f"{what} is not an SSH signature (it is not ASCII text)") from None
    lines = [line.strip() for line in text.strip().splitlines()]
    if not lines or lines[0] != BEGIN:
        raise SignatureError(MALFORMED, f"{what} is not an SSH signature: it does not start with {BEGIN}")
    if len(lines) < 2 or lines[-1] != END:
        raise SignatureError(MALFORMED, f"{what} is cut short: it does not end with {END}")
    raw = _b64("".join(lines[1:-1]), what)
    r = _Reader(raw, what)
    if r.take(len(MAGIC)) != MAGIC:
        raise SignatureError(MALFORMED, f"{what} is not an SSHSIG signature (no SSHSIG magic)")
    version = r.uint32()
    if version != VERSION:
        raise SignatureError(UNSUPPORTED, f"{what} is SSHSIG version {version}; ctcontacts reads version {VERSION}")
    key = key_from_blob(r.string(limits.MAX_KEY_BYTES), what=f"the key in {what}")
    namespace_raw = r.string(256)
    try:
        namespace = namespace_raw.decode("utf-8")
    except UnicodeDecodeError:
        raise r._fail("a namespace that is not text") from None
    reserved = r.string(1024)
    hash_alg = r.text(32)
    inner = _Reader(r.string(limits.MAX_RSA_BITS // 8 + 256), what)
    r.done()
    sig_type = inner.text(64)
    sig_blob = inner.string(limits.MAX_RSA_BITS // 8 + 16)
    inner.done()
    return Signature(key, namespace, reserved, hash_alg, sig_type, sig_blob)


def hasher(sig: Signature, namespace: str = NAMESPACE):
    """The hash object to run over the signed file, once the signature was shown to be
    one for ``namespace`` with a hash SSHSIG allows; else ``SignatureError``."""
    from ..base.text import clip

    if sig.namespace != namespace:
        raise SignatureError(WRONG_NAMESPACE, f"the signature is for namespace {clip(sig.namespace)}, not "
                                              f"{namespace!r}; sign with ssh-keygen -Y sign -n {namespace}")
    if sig.hash_alg not in HASHES:
        raise SignatureError(UNSUPPORTED, f"the signature uses hash {clip(sig.hash_alg)}; SSHSIG allows sha256 "
                                          "or sha512")
    return hashlib.new(sig.hash_alg)


def signed_data(sig: Signature, digest: bytes) -> bytes:
    """What the key signed: the SSHSIG wrapper of the file's hash."""
    return (MAGIC + _string(sig.namespace.encode("utf-8")) + _string(sig.reserved)
            + _string(sig.hash_alg.encode("ascii")) + _string(digest))


BAD = "the signature does not match the file: the file was changed after it was signed, or signed with another key"


def verify(sig: Signature, digest: bytes) -> None:
    """Check the signature over a file whose hash (by ``hasher``) is ``digest``;
    ``SignatureError`` (``bad-signature``) if it does not verify."""
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

    key = sig.key
    data = signed_data(sig, digest)
    try:
        public = serialization.load_ssh_public_key(key.line.encode("ascii"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SignatureError(MALFORMED, "the key in the signature cannot be used (not a valid public key)") from None
    try:
        if key.key_type == "ssh-ed25519":
            if sig.sig_type != key.key_type or len(sig.sig_blob) != 64:
                raise SignatureError(BAD_SIGNATURE, BAD)
            public.verify(sig.sig_blob, data)
        elif key.key_type in CURVES:
            if sig.sig_type != key.key_type:
                raise SignatureError(BAD_SIGNATURE, BAD)
            r = _Reader(sig.sig_blob, "the signature")
            rs = utils.encode_dss_signature(r.mpint(CURVES[key.key_type][1] + 1), r.mpint(CURVES[key.key_type][1] + 1))
            r.done()
            algorithm = {"nistp256": hashes.SHA256, "nistp384": hashes.SHA384,
                         "nistp521": hashes.SHA512}[CURVES[key.key_type][0]]
            public.verify(rs, data, ec.ECDSA(algorithm()))
        else:
            algorithm = {"rsa-sha2-256": hashes.SHA256, "rsa-sha2-512": hashes.SHA512}.get(sig.sig_type)
            if algorithm is None:
                raise SignatureError(UNSUPPORTED, f"the RSA signature uses {sig.sig_type[:64]!r}; ctcontacts accepts "
                                                  "rsa-sha2-256 and rsa-sha2-512 (ssh-rsa signatures use SHA-1)")
            size = (public.key_size + 7) // 8
            blob = sig.sig_blob
            if len(blob) > size:
                raise SignatureError(BAD_SIGNATURE, BAD)
            # OpenSSH pads a short signature to the modulus size when it verifies; so do we.
            public.verify(blob.rjust(size, b"\0"), data, padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise SignatureError(BAD_SIGNATURE, BAD) from None
    except (ValueError, TypeError, OverflowError):
        raise SignatureError(BAD_SIGNATURE, BAD) from None


def check_key(key: PublicKey) -> None:
    """That ``cryptography`` can use the key (an ECDSA point on its curve, say); else
    ``SignatureError``: what ``trust add`` checks before it trusts one."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        serialization.load_ssh_public_key(key.line.encode("ascii"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SignatureError(MALFORMED, "the key is not a valid public key") from None


def verify_bytes(signature: bytes, message: bytes, namespace: str = NAMESPACE) -> Signature:
    """Parse ``signature`` and verify it over ``message``: the verified signature, or
    ``SignatureError``."""
    sig = parse_signature(signature)
    h = hasher(sig, namespace)
    h.update(message)
    verify(sig, h.digest())
    return sig
