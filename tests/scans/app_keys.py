"""The GitHub App of the tests and its RSA keys: the app signs with the private key, the fake
GitHub checks with the public one. The shared pair is made once per test process (2048 bits take
a moment)."""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from scans.github.tokens import GitHubApp

APP_ID, INSTALLATION = "4242", 77


def new_key_pair() -> tuple[str, str]:
    """(private key PEM, public key PEM), freshly made."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@cache
def key_pair() -> tuple[str, str]:
    """The test session's app key pair."""
    return new_key_pair()


def app(**changes) -> GitHubApp:
    return GitHubApp(**{"app_id": APP_ID, "private_key": key_pair()[0], "installation_id": INSTALLATION, **changes})
