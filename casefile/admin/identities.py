"""The identity of a confidential source, on a page of its own beside the source's form.

Only the people it was granted to read it (`workflow.identities`); an editor or
the legal desk who was not granted it sees who may read it and the log, and
grants or revokes, but not the identity. Anyone else is refused, whether they
followed a link or typed the address.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..encryption import UnreadableIdentity
from ..models import Source, SourceIdentity
from ..workflow import identities
from .ids import url_id


class IdentityForm(forms.ModelForm):
    class Meta:
        model = SourceIdentity
        fields = SourceIdentity.IDENTITY_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 2, "cols": 60}) for name in SourceIdentity.IDENTITY_FIELDS}


class GrantForm(forms.Form):
    person = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username"),
        help_text="A member of staff, by name: they may read the identity until it is revoked.",
    )


class SourceIdentityMixin:
    """`<source>/identity/` and `<source>/identity/erase/` on the source's admin, and a link on its form."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/identity/", view(self.identity_view), name="casefile_source_identity"),
            path("<path:object_id>/identity/erase/", view(self.erase_identity_view),
                 name="casefile_source_identity_erase"),
        ] + super().get_urls()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_confidential:
            fields.append("identity_link")
        return fields

    @admin.display(description="Identity")
    def identity_link(self, source):
        return format_html(
            '<a href="{}">The identity of this source</a>: kept apart, encrypted, read only by the people it was '
            "granted to, each reading logged.",
            reverse("admin:casefile_source_identity", args=[source.pk]),
        )

    def _confidential_source(self, object_id):
        source = Source.objects.filter(pk=url_id(Source, object_id)).select_related("case").first()
        if source is None:
            raise Http404("No such source.")
        return source

    def identity_view(self, request, object_id):
        source = self._confidential_source(object_id)
        user = request.user
        has_identity = SourceIdentity.objects.filter(source=source).exists()
        if not has_identity and not source.is_confidential:
            raise Http404(identities.NOT_CONFIDENTIAL)
        may_read = has_identity and identities.may_read_identity(user, source)
        manages = identities.may_manage_grants(user)
        entering = not has_identity and identities.may_enter_identity(user)
        if not (may_read or manages or entering):
            raise PermissionDenied(identities.NOT_GRANTED)

        form = grant_form = None
        if request.method == "POST":
            response = self._act_on_identity(request, source, may_read or entering)
            if response is not None:
                return response
            form, grant_form = request.identity_forms
        identity, unreadable = None, ""
        if may_read:
            try:
                identity = identities.read_identity(source, user)
            except UnreadableIdentity as error:
                unreadable = str(error)
        if form is None and (identity is not None or entering):
            form = IdentityForm(instance=identity)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Identity of “{source}”",
            "opts": self.opts,
            "source": source,
            "has_identity": has_identity,
            "may_read": may_read,
            "unreadable": unreadable,
            "form": form,
            "manages": manages,
            "grant_form": grant_form or (GrantForm() if manages and has_identity else None),
            "grants": identities.grants_of(source) if may_read or manages else [],
            "log": identities.log_of(source),
            "added_by": SourceIdentity.objects.filter(source=source).values_list(
                "added_by__username", flat=True).first(),
        }
        return TemplateResponse(request, "admin/casefile/source_identity.html", context)

    def _act_on_identity(self, request, source, may_write):
        """A grant, a revocation or the identity's fields; a redirect when done, None to show the forms again."""
        form = grant_form = None
        here = reverse("admin:casefile_source_identity", args=[source.pk])
        try:
            if "_grant" in request.POST or "_revoke" in request.POST:
                grant_form = GrantForm(request.POST)
                if grant_form.is_valid():
                    person = grant_form.cleaned_data["person"]
                    if "_grant" in request.POST:
                        done = identities.grant_identity(source, person, request.user)
                        said = f"{person} may now read this identity." if done else f"{person} could already."
                    else:
                        done = identities.revoke_identity(source, person, request.user)
                        said = (f"{person} can no longer read this identity." if done
                                else f"{person} had no grant to revoke.")
                    self.message_user(request, said, messages.SUCCESS)
                    return HttpResponseRedirect(here)
            else:
                if not may_write:
                    raise PermissionDenied(identities.NOT_GRANTED)
                current = SourceIdentity.objects.filter(source=source).first()
                form = IdentityForm(request.POST, instance=current)
                if form.is_valid():
                    identities.record_identity(
                        source, request.user, {name: form.cleaned_data[name] for name in SourceIdentity.IDENTITY_FIELDS})
                    self.message_user(request, "The identity is saved. It is in no version, review or export.",
                                      messages.SUCCESS)
                    return HttpResponseRedirect(here)
        except ValidationError as refusal:
            target = grant_form if grant_form is not None else form
            if target is None:
                raise
            target.add_error(None, " ".join(refusal.messages))
        request.identity_forms = (form, grant_form)
        return None

    def erase_identity_view(self, request, object_id):
        source = self._confidential_source(object_id)
        if not identities.may_manage_grants(request.user):
            raise PermissionDenied("Only an editor or the legal desk erases an identity.")
        if not SourceIdentity.objects.filter(source=source).exists():
            raise Http404("This source has no identity to erase.")
        if request.method == "POST" and request.POST.get("confirm") == "erase":
            identities.erase_identity(source, request.user)
            self.message_user(request, "The identity is erased. Its log keeps only that it existed, and who erased "
                              "it and when.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:casefile_source_identity", args=[source.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Erase the identity of “{source}”",
            "opts": self.opts,
            "source": source,
            "not_confirmed": request.method == "POST",
        }
        return TemplateResponse(request, "admin/casefile/source_identity_erase.html", context)
