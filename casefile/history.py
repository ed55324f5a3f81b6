"""History tracking for every case-file record."""

from simple_history.models import HistoricalRecords


class CasefileHistory(HistoricalRecords):
    """HistoricalRecords that writes no version for a save that changes nothing.

    Re-running the case import or pressing save on an untouched form must not
    add versions an editor would have to review.
    """

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
