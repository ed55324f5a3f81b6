"""The identities of a case's confidential sources in an export: left out unless asked for, then sealed.

`export_case --with-identities PASSPHRASE` writes them encrypted under a key
made from the passphrase (`encryption.passphrase_box`), so the file can be
restored on an installation with other keys; `import_case --with-identities
PASSPHRASE` opens them, and writes them, with their grants to the people
found there by username, in the import's own transaction.
"""

import json

from cryptography.fernet import InvalidToken

from ..encryption import SCRYPT_COST, new_salt, passphrase_box
from ..models import IdentityGrant, Source, SourceIdentity
from .rows import ImportRefused

SEAL = "fernet-scrypt"


def sealed_identities(source_ids, passphrase):
    """The identities of the sources `source_ids`, with their grants, encrypted under `passphrase`."""
    identities = SourceIdentity.objects.filter(source_id__in=source_ids).select_related("added_by").order_by("source_id")
    grants = {}
    for grant in IdentityGrant.objects.filter(source_id__in=source_ids).select_related("user").order_by("id"):
        grants.setdefault(grant.source_id, []).append(grant.user.username)
    entries = [
        {
            "source": identity.source_id,
            **{name: getattr(identity, name) for name in SourceIdentity.IDENTITY_FIELDS},
            "added_by": identity.added_by.username if identity.added_by else None,
            "added_at": identity.added_at.isoformat(),
            "changed_at": identity.changed_at.isoformat(),
            "granted": grants.get(identity.source_id, []),
        }
        for identity in identities
    ]
    salt = new_salt()
    token = passphrase_box(passphrase, salt).encrypt(json.dumps(entries, ensure_ascii=False).encode("utf-8"))
    return {"seal": SEAL, "salt": salt, **SCRYPT_COST, "count": len(entries), "token": token.decode("ascii")}


def opened_identities(sealed, passphrase, name):
    """The identity entries of `sealed` (from a file called `name`), opened with `passphrase`."""
    if not isinstance(sealed, dict) or sealed.get("seal") != SEAL or not isinstance(sealed.get("token"), str):
        raise ImportRefused(f'{name}: "identities" is not a set of identities this version can open.')
    try:
        cost = {key: int(sealed[key]) for key in SCRYPT_COST}
        box = passphrase_box(passphrase, sealed["salt"], cost)
        entries = json.loads(box.decrypt(sealed["token"].encode("ascii")).decode("utf-8"))
    except InvalidToken:
        raise ImportRefused(
            f"{name}: the passphrase does not open its identities of confidential sources; nothing was written."
        ) from None
    except (KeyError, TypeError, ValueError) as error:
        raise ImportRefused(f'{name}: "identities" cannot be opened ({error}); nothing was written.') from error
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ImportRefused(f'{name}: its identities are not a list of identities.')
    return entries


def check_identities(entries, plan, name):
    """Each identity belongs to a confidential source the file restores."""
    confidential = {
        row.pk for row in plan.rows["records"]
        if row.model is Source and row.values.get("kind") == Source.Kind.CONFIDENTIAL
    }
    for index, entry in enumerate(entries):
        if entry.get("source") not in confidential:
            raise ImportRefused(
                f"{name}: identity {index + 1} names source {entry.get('source')!r}, which is not a confidential "
                "source of this case."
            )
        if not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ImportRefused(f"{name}: identity {index + 1} has no name.")
