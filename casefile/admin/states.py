"""Review states on every list of records: a column, and a filter by state."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils.html import format_html

from .. import workflow


class ReviewStateFilter(admin.SimpleListFilter):
    title = "review state"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return workflow.ReviewState.choices

    def queryset(self, request, queryset):
        if self.value() not in workflow.ReviewState.values:
            return queryset
        return queryset.filter(pk__in=workflow.pks_in_state(queryset.model, self.value()))


class StateColumnChangeList(ChangeList):
    """A list that reads the review state of the records on its page, a few queries for the page."""

    def get_results(self, request):
        super().get_results(request)
        states = workflow.record_states(self.model, [record.pk for record in self.result_list])
        for record in self.result_list:
            record.review_state = states[record.pk]


@admin.display(description="Review state")
def review_state(record):
    state = getattr(record, "review_state", None)
    if state is None:
        return ""
    if state.detail:
        return format_html('<span class="review-state review-state-{}">{}</span><br><span class="quiet">{}</span>',
                           state.state, state.label, state.detail)
    return format_html('<span class="review-state review-state-{}">{}</span>', state.state, state.label)
