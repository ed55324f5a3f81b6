"""Approvals for later, as staff see them: what goes public when, and an editor's ways to change that."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .. import workflow
from ..models import Schedule
from ..text import validate_text
from ..workflow import scheduling
from .ids import url_id
from .readonly import ReadOnlyAdmin


class GoLiveField(forms.DateTimeField):
    """A time to come, read in the newsroom's timezone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        kwargs.setdefault("label", f"Goes live at ({timezone.get_current_timezone_name()})")
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                scheduling.refuse_unschedulable(value)
            except workflow.WorkflowError as refusal:
                raise ValidationError(refusal.message) from None


def may_see_schedules(user):
    """Who reads approvals for later: those who read decisions, since they name versions readers do not see yet."""
    return user.has_perm("casefile.view_decision")


class MoveForm(forms.Form):
    due_at = GoLiveField(label=f"Time ({timezone.get_current_timezone_name()})")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why it is withdrawn", widget=forms.Textarea(attrs={"rows": 2}), validators=[validate_text],
        help_text="The reporter reads this in the record's history.",
    )


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    """What editors approved for later: each with its records, its time and what was done to it."""

    list_display = ["due_at", "kind", "case", "state", "scheduled_by"]
    list_filter = ["kind", "state", "case"]
    ordering = ["-due_at"]

    def has_view_permission(self, request, obj=None):
        return may_see_schedules(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/change/", view(self.schedule_view), name="casefile_schedule_change"),
        ] + super().get_urls()

    def schedule_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        schedule = Schedule.objects.filter(pk=url_id(Schedule, object_id)).first()
        if schedule is None:
            raise Http404(f"No schedule #{object_id}.")
        move_form = MoveForm(request.POST if "_move" in request.POST else None,
                             initial={"due_at": timezone.localtime(schedule.due_at)})
        withdraw_form = WithdrawForm(request.POST if "_withdraw" in request.POST else None)
        if request.method == "POST":
            done = self._act(request, schedule, move_form, withdraw_form)
            if done:
                return HttpResponseRedirect(request.path)
        scheduling.records_of([schedule])
        for decision in schedule.decisions:
            model = decision.content_type.model_class()
            decision.url = reverse(f"admin:casefile_{model._meta.model_name}_history", args=[decision.object_id])
            decision.kind = model._meta.verbose_name
        context = {
            **self.admin_site.each_context(request),
            "title": f"{'Expires' if schedule.is_expiry else 'Approved for later'}: {schedule.case}",
            "opts": self.opts,
            "schedule": schedule,
            "events": schedule.events.select_related("by"),
            "move_form": move_form,
            "withdraw_form": withdraw_form,
            "can_act": workflow.is_editor(request.user) and schedule.is_waiting,
            "due_at": scheduling.when(schedule.due_at),
        }
        return TemplateResponse(request, "admin/casefile/schedule.html", context)

    def _act(self, request, schedule, move_form, withdraw_form):
        """Carry out the button pressed; whether it was done (else the page shows why not)."""
        try:
            if "_now" in request.POST:
                scheduling.carry_out_now(request.user, schedule)
                self.message_user(request, "Taken off the public pages." if schedule.is_expiry
                                  else "Published: readers see it now.")
                return True
            if "_move" in request.POST and move_form.is_valid():
                scheduling.move(request.user, schedule, move_form.cleaned_data["due_at"])
                self.message_user(request, f"Moved: now at {scheduling.when(move_form.cleaned_data['due_at'])}.")
                return True
            if "_withdraw" in request.POST and withdraw_form.is_valid():
                scheduling.withdraw(request.user, schedule, withdraw_form.cleaned_data["reason"])
                self.message_user(request, "Expiry withdrawn: readers keep seeing it." if schedule.is_expiry
                                  else "Approval withdrawn: the change waits for review again.")
                return True
        except (workflow.WorkflowError, ValidationError) as refusal:
            message = getattr(refusal, "message", None) or " ".join(refusal.messages)
            self.message_user(request, message, messages.ERROR)
        return False
