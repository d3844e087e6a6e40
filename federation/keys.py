"""RSA key pairs for actors, as PEM text the way ActivityPub servers publish them."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


def generate_key_pair() -> KeyPair:
    """A fresh RSA-2048 pair: PKCS#8 private PEM, SubjectPublicKeyInfo public PEM."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return KeyPair(private_pem=private_pem, public_pem=public_pem)
