"""Who may read the identity of a confidential source, and every change to it, each logged.

The person who entered an identity reads it without a grant; anyone else only
once an editor or a member of the Legal group has granted it to them by name,
and no longer than until one of them revokes it. Nobody else, editors and
superusers included, reads it: an editor who needs it grants it to themselves,
and the log says so. Every reading, change, grant, revocation and erasure is
logged with who and when; erasing an identity (the source's wish, a court
order) leaves in the log only that it existed, who erased it and when.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import IdentityGrant, IdentityLogEntry, Source, SourceIdentity
from .changes import is_editor
from .legal import is_lawyer

Action = IdentityLogEntry.Action

NOT_GRANTED = ("Only the people granted the identity of this confidential source may read it: the person who "
               "entered it and those an editor or the legal desk named. Ask an editor or the legal desk.")
NOT_CONFIDENTIAL = "Only a confidential source has an identity kept apart: this source is not one."


def may_manage_grants(user):
    """Editors and the legal desk grant and revoke, and erase an identity."""
    return is_editor(user) or is_lawyer(user)


def may_read_identity(user, source, identity=None):
    """Whether `user` may read the identity of `source` now: they entered it, or it was granted to them."""
    if not (user and user.is_active and user.is_staff):
        return False
    if identity is None:
        identity = SourceIdentity.objects.filter(source=source).only("added_by_id").first()
    if identity is not None and identity.added_by_id == user.pk:
        return True
    return IdentityGrant.objects.filter(source=source, user=user).exists()


def may_enter_identity(user):
    return bool(user and user.is_active and user.is_staff and user.has_perm("casefile.change_source"))


def _log(source, action, user, person=None):
    IdentityLogEntry.objects.create(source_id=source.pk, action=action, user=user, person=person, at=timezone.now())


def read_identity(source, user):
    """The identity of `source`, for a person who may read it; the reading is logged."""
    with transaction.atomic():
        identity = SourceIdentity.objects.filter(source=source).first()
        if identity is None or not may_read_identity(user, source, identity):
            raise PermissionDenied(NOT_GRANTED)
        _log(source, Action.VIEWED, user)
    return identity


def record_identity(source, user, values):
    """Enter the identity of a confidential source, or change it. Whoever enters it first may read it."""
    if not source.is_confidential:
        raise ValidationError(NOT_CONFIDENTIAL)
    if not may_enter_identity(user):
        raise PermissionDenied(NOT_GRANTED)
    unknown = set(values) - set(SourceIdentity.IDENTITY_FIELDS)
    if unknown:
        raise ValueError(f"Not a field of an identity: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        # One person enters the first identity of a source; a second waits and then changes it, if granted.
        Source.objects.select_for_update(no_key=True).filter(pk=source.pk).first()
        identity = SourceIdentity.objects.filter(source=source).first()
        now = timezone.now()
        if identity is None:
            identity = SourceIdentity(source=source, added_by=user, added_at=now, changed_at=now, **values)
            identity.full_clean()
            identity.save()
            _log(source, Action.ADDED, user)
            return identity
        if not may_read_identity(user, source, identity):
            raise PermissionDenied(NOT_GRANTED)
        if all(getattr(identity, name) == value for name, value in values.items()):
            return identity
        for name, value in values.items():
            setattr(identity, name, value)
        identity.changed_at = now
        identity.full_clean()
        identity.save()
        _log(source, Action.CHANGED, user)
    return identity


def grant_identity(source, person, by):
    """Let `person` read the identity of `source`, by an editor or the legal desk."""
    if not may_manage_grants(by):
        raise PermissionDenied("Only an editor or the legal desk grants who may read an identity.")
    if not (person.is_active and person.is_staff):
        raise ValidationError(f"{person} has no staff account: only newsroom staff can be granted an identity.")
    with transaction.atomic():
        if not SourceIdentity.objects.filter(source=source).exists():
            raise ValidationError("This source has no identity to grant yet.")
        _, created = IdentityGrant.objects.get_or_create(
            source=source, user=person, defaults={"granted_by": by, "granted_at": timezone.now()},
        )
        if created:
            _log(source, Action.GRANTED, by, person)
    return created


def revoke_identity(source, person, by):
    """Take the grant of `person` away; from the next request on they cannot read the identity."""
    if not may_manage_grants(by):
        raise PermissionDenied("Only an editor or the legal desk revokes who may read an identity.")
    with transaction.atomic():
        deleted, _ = IdentityGrant.objects.filter(source=source, user=person).delete()
        if deleted:
            _log(source, Action.REVOKED, by, person)
    return bool(deleted)


def erase_identity(source, by):
    """Erase the identity of `source` (the source's wish, or a court order): the identity, its grants and its
    log go; one entry says it existed, who erased it and when."""
    if not may_manage_grants(by):
        raise PermissionDenied("Only an editor or the legal desk erases an identity.")
    with transaction.atomic():
        return _erase(source, by)


def erase_with_source(source, by):
    """The identity goes with its source when the source itself is deleted (`workflow.delete_record`)."""
    return _erase(source, by)


def _erase(source, by):
    deleted, _ = SourceIdentity.objects.filter(source=source).delete()
    if not deleted:
        return False
    IdentityGrant.objects.filter(source=source).delete()
    IdentityLogEntry.objects.filter(source_id=source.pk).delete()
    _log(source, Action.ERASED, by)
    return True


def log_of(source):
    """What happened to the identity of `source`, the newest first, with the people named."""
    return list(IdentityLogEntry.objects.filter(source_id=source.pk).select_related("user", "person"))


def grants_of(source):
    return list(IdentityGrant.objects.filter(source=source).select_related("user", "granted_by"))


def restore_identities(entries, user_ids):
    """Write the identities an export carried, decrypted (`identities_from_export`), with their grants.

    `entries`: dicts of a source id, the identity's fields, who entered it and who was granted it, by username;
    a person not in `user_ids` (usernames to ids) is left out. Returns the usernames left out.
    """
    left_out, now = set(), timezone.now()
    for entry in entries:
        added_by = user_ids.get(entry.get("added_by"))
        if entry.get("added_by") and added_by is None:
            left_out.add(entry["added_by"])
        identity = SourceIdentity(
            source_id=entry["source"], added_by_id=added_by,
            added_at=entry.get("added_at") or now, changed_at=entry.get("changed_at") or now,
            **{name: entry.get(name, "") for name in SourceIdentity.IDENTITY_FIELDS},
        )
        identity.full_clean(exclude=["source"])
        identity.save()
        for username in entry.get("granted", []):
            if username in user_ids:
                IdentityGrant.objects.create(source_id=entry["source"], user_id=user_ids[username], granted_at=now)
            else:
                left_out.add(username)
        IdentityLogEntry.objects.create(source_id=entry["source"], action=Action.RESTORED, at=now)
    return sorted(left_out)
