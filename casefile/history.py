"""History tracking for every case-file record."""

import functools

from simple_history.models import HistoricalRecords


@functools.cache
def history_model(model):
    """The historical model of `model`.

    `model.history` builds a new manager class on every access, which costs
    more than the query it then runs on a page that reads a dozen kinds.
    """
    return model.history.model


class CasefileHistory(HistoricalRecords):
    """HistoricalRecords that writes no version for a save that changes nothing.

    Re-running the case import or pressing save on an untouched form must not
    add versions an editor would have to review.
    """

    def create_history_model(self, model, inherited):
        history = super().create_history_model(model, inherited)
        # Beside its record, as an inherited history is: Django's shell imports each model from its module.
        history.__module__ = model.__module__
        return history

    def post_save(self, instance, created, using=None, **kwargs):
        if not created and not kwargs.get("raw", False) and not self.has_changed(instance):
            return
        super().post_save(instance, created, using=using, **kwargs)

    def has_changed(self, instance):
        latest = getattr(instance, self.manager_name).order_by("-history_id").first()
        if latest is None or latest.history_type == "-":
            return True
        return any(
            getattr(latest, field.attname) != getattr(instance, field.attname)
            for field in self.fields_included(instance)
        )


@functools.cache
def tracked_fields(model):
    """The concrete fields of `model` its versions keep: all of them, but for those its history leaves out
    (the staff-only notes of a reply request)."""
    kept = {field.attname for field in history_model(model)._meta.concrete_fields}
    return tuple(field for field in model._meta.concrete_fields if field.attname in kept)
