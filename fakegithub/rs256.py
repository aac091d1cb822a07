"""App JWTs, checked in pure Python: RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017) and
GitHub's rules for a GitHub App's JWT
(https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app):
``iss`` the app's id, ``iat`` not in the future (60 s of drift allowed), ``exp`` in the future
and at most 10 minutes after ``iat``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

MAX_JWT_SECONDS = 600
CLOCK_DRIFT = 60
# DER DigestInfo prefix of a SHA-256 digest (RFC 8017, section 9.2, note 1).
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class InvalidJWT(ValueError):
    """A JWT GitHub would refuse; str() is GitHub's message."""


# --------------------------------------------------------------------------- RSA public keys

def _der(data: bytes, offset: int) -> tuple[int, bytes, int]:
    """One DER element at ``offset``: (tag, content, offset after it)."""
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length & 0x80:
        size = length & 0x7F
        length = int.from_bytes(data[offset:offset + size], "big")
        offset += size
    return tag, data[offset:offset + length], offset + length


def _sequence(content: bytes) -> list[tuple[int, bytes]]:
    items, offset = [], 0
    while offset < len(content):
        tag, value, offset = _der(content, offset)
        items.append((tag, value))
    return items


def public_numbers(pem: str) -> tuple[int, int]:
    """``(n, e)`` of an RSA public key in PEM: ``PUBLIC KEY`` (SubjectPublicKeyInfo) or
    ``RSA PUBLIC KEY`` (PKCS#1)."""
    lines = [line.strip() for line in pem.strip().splitlines()]
    if not lines or not lines[0].startswith("-----BEGIN") or "PUBLIC KEY" not in lines[0]:
        raise ValueError("app_public_key must be an RSA public key in PEM (-----BEGIN PUBLIC KEY-----)")
    der = base64.b64decode("".join(line for line in lines if not line.startswith("-----")))
    _, body, _ = _der(der, 0)
    items = _sequence(body)
    if "RSA PUBLIC KEY" not in lines[0]:  # SubjectPublicKeyInfo: algorithm, BIT STRING(PKCS#1 key)
        bits = items[1][1]
        _, body, _ = _der(bits[1:], 0)  # skip the count of unused bits
        items = _sequence(body)
    n, e = (int.from_bytes(value, "big") for _, value in items[:2])
    return n, e


def verify_rs256(signing_input: bytes, signature: bytes, key: tuple[int, int]) -> bool:
    """RSASSA-PKCS1-v1_5 verification with SHA-256."""
    n, e = key
    size = (n.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    encoded = pow(int.from_bytes(signature, "big"), e, n).to_bytes(size, "big")
    digest_info = SHA256_PREFIX + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    return hmac.compare_digest(encoded, expected)


# --------------------------------------------------------------------------- JWT

def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_jwt(token: str, public_key: str, app_id: str, now: float | None = None) -> dict[str, Any]:
    """The claims of a valid app JWT; raises ``InvalidJWT`` with GitHub's message."""
    now = time.time() if now is None else now
    try:
        header_part, claims_part, signature_part = token.split(".")
        header, claims = json.loads(_b64(header_part)), json.loads(_b64(claims_part))
        signature = _b64(signature_part)
    except ValueError:
        raise InvalidJWT("A JSON web token could not be decoded") from None
    if not isinstance(header, dict) or header.get("alg") != "RS256" or not isinstance(claims, dict):
        raise InvalidJWT("A JSON web token could not be decoded")
    if not verify_rs256(f"{header_part}.{claims_part}".encode(), signature, public_numbers(public_key)):
        raise InvalidJWT("A JSON web token could not be decoded")
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int) or issued > now + CLOCK_DRIFT:
        raise InvalidJWT("'Issued at' claim ('iat') must be an Integer representing the time that the "
                         "assertion was issued")
    if not isinstance(expires, int) or expires <= now:
        raise InvalidJWT("'Expiration time' claim ('exp') must be a numeric value representing the future "
                         "time at which the assertion expires")
    if expires - issued > MAX_JWT_SECONDS:
        raise InvalidJWT("'Expiration time' claim ('exp') is too far in the future")
    if str(claims.get("iss")) != str(app_id):
        raise InvalidJWT("Integration not found")
    return claims
