"""The forms of the question pages.

Forms only collect text and choices; the services clean and check every value (the same
functions the API calls) and their field errors are put back on the form.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from diemcau.errors import Invalid
from diemcau.programme.models import Session, Topic
from diemcau.questions.models import Sector
from diemcau.sites.models import Site

SITE_CHOICES_LIMIT = 200  # beyond this many writable sites, the site is typed by its code


class ServiceErrorsMixin:
    """Show a service's field errors beside their fields, the rest above the form."""

    def add_invalid(self, exc: Invalid) -> None:
        form: Any = self
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
        if not exc.fields:
            form.add_error(None, exc.message)


def _session_label(session: Session) -> str:
    return f"{session.day.date:%d/%m} · {session.title}"


class AskForm(ServiceErrorsMixin, forms.Form):
    """A site sends a question; the site is chosen among the user's own sites."""

    site = forms.ChoiceField(label=_("Site"))
    text = forms.CharField(label=_("Question"), widget=forms.Textarea({"rows": 4}), max_length=4000)
    asker_name = forms.CharField(
        label=_("Asked by"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for an anonymous question."),
    )
    session = forms.TypedChoiceField(
        label=_("Session"), coerce=int, required=False, empty_value=None
    )
    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, sites: list[Site] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sites is None:  # too many sites for a list: type the code
            self.fields["site"] = forms.CharField(
                label=_("Site code"), max_length=32, help_text=_("The code of one of your sites.")
            )
        else:
            choice: Any = self.fields["site"]
            choice.choices = [(s.code, f"{s.code} · {s.name}") for s in sites]
        sessions = Session.objects.select_related("day").order_by("day__date", "starts_at", "pk")
        session_field: Any = self.fields["session"]
        session_field.choices = [("", _("(none)"))] + [(s.pk, _session_label(s)) for s in sessions]
        topic_field: Any = self.fields["topic"]
        topic_field.choices = [("", _("(none)"))] + [
            (t.pk, f"{t.number}. {t.title}") for t in Topic.objects.order_by("number", "pk")
        ]


class FilterForm(forms.Form):
    """The moderation and answering filters; a wrong value is dropped, never an error page."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    sector = forms.ChoiceField(label=pgettext_lazy("question routing", "Sector"), required=False)
    session = forms.TypedChoiceField(
        label=_("Session"), coerce=int, required=False, empty_value=None
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def __init__(
        self, *args: Any, statuses: list[tuple[str, Any]], sectors: list[Sector], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        status: Any = self.fields["status"]
        status.choices = [("", _("All statuses")), *statuses]
        sector: Any = self.fields["sector"]
        sector.choices = [("", _("All sectors"))] + [(s.code, s.name) for s in sectors]
        session: Any = self.fields["session"]
        sessions = Session.objects.select_related("day").order_by("day__date", "starts_at", "pk")
        session.choices = [("", _("All sessions"))] + [(s.pk, _session_label(s)) for s in sessions]

    def values(self) -> dict[str, Any]:
        """The valid filters; an invalid one (a stale link) is left out."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or None for name in self.fields}


class AnswerForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea({"rows": 8}))
    legal_references = forms.CharField(
        label=_("Legal references"),
        required=False,
        widget=forms.Textarea({"rows": 4}),
        help_text=_("One document per line, e.g. “Nghị định 150/2025/NĐ-CP, Điều 5”."),
    )

    def references(self) -> list[str]:
        lines = self.cleaned_data.get("legal_references", "").splitlines()
        return [line.strip() for line in lines if line.strip()]


class SectorForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_("Lower-case, no diacritics, e.g. “noi-vu”; answerers' grants name it."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Words describing the sector; they seed routing."),
    )
    order = forms.IntegerField(label=_("Order"), required=False, min_value=0)

    def __init__(self, *args: Any, with_code: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.fields["code"]
