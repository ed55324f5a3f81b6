"""Encryption at rest for the identities of confidential sources, with keys from the environment.

`CASEFILE_IDENTITY_KEYS` lists Fernet keys, newest first: the newest encrypts,
any of them decrypts, so a key is rotated by putting a new one in front and,
once `manage.py rotate_identity_keys` has encrypted every identity anew, taking
the old one away. A database dump or backup without the keys holds only
ciphertext. The project's own thin field over `cryptography`'s Fernet
(MultiFernet) rather than a field library: it is the one primitive we need,
`cryptography` is maintained by the Python Cryptographic Authority, and
rotation stays in our hands.

An export that carries identities encrypts them under a passphrase instead
(`passphrase_box`): scrypt turns the passphrase and a random salt into a Fernet
key, so the file opens on another installation that does not share our keys.
"""

import base64
import functools
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import models

# scrypt's cost: about a tenth of a second and 16 MiB per try, too dear to guess passphrases in bulk.
SCRYPT_COST = {"n": 2**14, "r": 8, "p": 1}


class UnreadableIdentity(Exception):
    """Text that none of the keys set can decrypt: the key it was written with is missing."""


def development_key(secret_key):
    """The key a development installation derives from its SECRET_KEY when none is set."""
    digest = hashlib.sha256(f"casefile identities: {secret_key}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def key_problem(key):
    """Why `key` is not a Fernet key, or None."""
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return "a Fernet key is 32 random bytes in URL-safe base64 (44 characters)"
    return None


@functools.cache
def _keyring(keys):
    return MultiFernet([Fernet(key) for key in keys])


def keyring():
    return _keyring(tuple(settings.CASEFILE_IDENTITY_KEYS))


def encrypt(text):
    return keyring().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token):
    try:
        return keyring().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise UnreadableIdentity(
            "This identity cannot be read with the keys set in CASEFILE_IDENTITY_KEYS: the key it was "
            "encrypted with is missing."
        ) from error


def reencrypted(token):
    """`token` encrypted again under the newest key (MultiFernet.rotate)."""
    try:
        return keyring().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise UnreadableIdentity(
            "It cannot be read with the keys set in CASEFILE_IDENTITY_KEYS: the key it was encrypted with is missing."
        ) from error


class EncryptedTextField(models.TextField):
    """Text kept encrypted in its column; read and written as plain text. It cannot be searched or filtered."""

    def from_db_value(self, value, expression, connection):
        return value if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else encrypt(value)


def new_salt():
    return base64.urlsafe_b64encode(os.urandom(16)).decode("ascii")


def passphrase_box(passphrase, salt, cost=None):
    """A Fernet key made from `passphrase` and `salt` (URL-safe base64), with scrypt of the given cost."""
    cost = cost or SCRYPT_COST
    kdf = Scrypt(salt=base64.urlsafe_b64decode(salt), length=32, **cost)
    return Fernet(base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8"))))
