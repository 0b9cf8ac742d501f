"""An SSHSIG signer for the tests, written from OpenSSH's PROTOCOL.sshsig with the
``cryptography`` library, independently of ``ctcontacts.formats.sshsig``: keys are made
at run time (no private key is ever committed), and what they sign is checked against
ctcontacts and, when it is installed, against ``ssh-keygen -Y verify``."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

NAMESPACE = "ctcontacts-roster"
KINDS = ("ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048")


def string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def mpint(n: int) -> bytes:
    return string(n.to_bytes((n.bit_length() + 8) // 8, "big") if n else b"")


def armor(blob: bytes) -> bytes:
    text = base64.b64encode(blob).decode("ascii")
    body = "\n".join(text[i:i + 70] for i in range(0, len(text), 70))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n".encode("ascii")


_CURVES = {"ecdsa-p256": (ec.SECP256R1, hashes.SHA256, "ecdsa-sha2-nistp256"),
           "ecdsa-p384": (ec.SECP384R1, hashes.SHA384, "ecdsa-sha2-nistp384"),
           "ecdsa-p521": (ec.SECP521R1, hashes.SHA512, "ecdsa-sha2-nistp521")}


class Key:
    """A key pair made now; ``sign`` writes what ``ssh-keygen -Y sign`` writes."""

    def __init__(self, kind: str = "ed25519", comment: str = "admin@example.org", bits: int = 2048):
        self.kind = kind
        self.comment = comment
        if kind == "ed25519":
            self.private = ed25519.Ed25519PrivateKey.generate()
            self.type = "ssh-ed25519"
        elif kind in _CURVES:
            self.private = ec.generate_private_key(_CURVES[kind][0]())
            self.type = _CURVES[kind][2]
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
            self.type = "ssh-rsa"

    @property
    def line(self) -> str:
        raw = self.private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                     serialization.PublicFormat.OpenSSH).decode("ascii")
        return f"{raw} {self.comment}" if self.comment else raw

    @property
    def blob(self) -> bytes:
        return base64.b64decode(self.line.split()[1])

    @property
    def fingerprint(self) -> str:
        return "SHA256:" + base64.b64encode(hashlib.sha256(self.blob).digest()).decode("ascii").rstrip("=")

    def write_pub(self, path) -> str:
        path.write_text(self.line + "\n", encoding="ascii")
        return str(path)

    def signature_blob(self, message: bytes, namespace: str = NAMESPACE, hash_alg: str = "sha512",
                       rsa_alg: str = "rsa-sha2-512", reserved: bytes = b"") -> bytes:
        digest = hashlib.new(hash_alg, message).digest()
        signed = b"SSHSIG" + string(namespace.encode()) + string(reserved) + string(hash_alg.encode()) + string(digest)
        if self.kind == "ed25519":
            sig = string(b"ssh-ed25519") + string(self.private.sign(signed))
        elif self.kind in _CURVES:
            r, s = utils.decode_dss_signature(self.private.sign(signed, ec.ECDSA(_CURVES[self.kind][1]())))
            sig = string(self.type.encode()) + string(mpint(r) + mpint(s))
        else:
            algorithm = {"rsa-sha2-256": hashes.SHA256, "rsa-sha2-512": hashes.SHA512, "ssh-rsa": hashes.SHA1}[rsa_alg]
            sig = string(rsa_alg.encode()) + string(self.private.sign(signed, padding.PKCS1v15(), algorithm()))
        return (b"SSHSIG" + (1).to_bytes(4, "big") + string(self.blob) + string(namespace.encode())
                + string(reserved) + string(hash_alg.encode()) + string(sig))

    def sign(self, message: bytes, **options) -> bytes:
        return armor(self.signature_blob(message, **options))

    def sign_file(self, path, **options):
        """Write ``PATH.sig`` beside ``path``, as ``ssh-keygen -Y sign`` does."""
        sig = path.with_name(path.name + ".sig")
        sig.write_bytes(self.sign(path.read_bytes(), **options))
        return sig
