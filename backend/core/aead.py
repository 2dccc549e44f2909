"""AES-256-GCM for small secrets (a key, a cookie, a TOTP seed), with the 16-byte tag appended.

pycryptodome is used because eth-account has loaded it already: a node opens its keys and
cookies without loading the ``cryptography`` package (~6 MB resident) at start-up. The bytes
are standard AES-GCM, the same either library produces."""

from __future__ import annotations

from Crypto.Cipher import AES

TAG_LEN = 16


class InvalidTag(Exception):
    """Authenticated decryption failed: altered ciphertext, wrong key or wrong associated data."""


def aes_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, ad: bytes) -> bytes:
    """AES-GCM of a small secret (a key, a cookie): the ciphertext with its 16-byte tag appended."""
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_LEN)
    cipher.update(ad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return ciphertext + tag


def aes_gcm_decrypt(key: bytes, nonce: bytes, data: bytes, ad: bytes) -> bytes:
    """Inverse of :func:`aes_gcm_encrypt`; raises InvalidTag on any altered byte."""
    if len(data) < TAG_LEN:
        raise InvalidTag()
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_LEN)
    cipher.update(ad)
    try:
        return cipher.decrypt_and_verify(data[:-TAG_LEN], data[-TAG_LEN:])
    except ValueError:
        raise InvalidTag() from None
