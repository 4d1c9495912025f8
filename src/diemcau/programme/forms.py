"""Programme forms of the web UI: they collect typed values; the services decide and check."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from diemcau.errors import Invalid
from diemcau.programme.models import (
    Conference,
    Day,
    Format,
    Session,
    SessionKind,
    SessionStatus,
    Speaker,
)


class ServiceForm(forms.Form):
    """A form whose values go to a service; the service's field errors come back onto it."""

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def add_invalid(self, exc: Invalid) -> None:
        for name, message in exc.fields.items():
            self.add_error(name if name in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ConferenceForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=300)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=80,
        help_text=_("Letters, digits and hyphens, e.g. tap-huan-cap-xa-2025."),
    )
    host = forms.CharField(label=_("Host"), max_length=255)
    starts_on = forms.DateField(label=_("First day"), widget=_DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=_DATE)
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices)
    target_sites = forms.IntegerField(label=_("Target sites"), min_value=0, initial=0)
    target_delegates = forms.IntegerField(label=_("Target delegates"), min_value=0, initial=0)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)


class DayForm(ServiceForm):
    date = forms.DateField(label=_("Date"), widget=_DATE)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)


class SessionForm(ServiceForm):
    day: "forms.ModelChoiceField[Day]" = forms.ModelChoiceField(
        label=_("Day"), queryset=Day.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.TimeField(label=_("Start"), widget=_TIME)
    ends_at = forms.TimeField(label=_("End"), widget=_TIME)
    chair = forms.CharField(label=_("Chair"), max_length=255, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=SessionKind.choices, initial="session", required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (SessionStatus.PLANNED.value, _("By the clock (automatic)")),
            (SessionStatus.LIVE.value, _("Live now (set by hand)")),
            (SessionStatus.ENDED.value, _("Ended (set by hand)")),
        ],
        initial=SessionStatus.PLANNED.value,
        help_text=_(
            "By the clock, the session is live between its start and end; set it by hand "
            "only when it runs late or stops early."
        ),
    )

    def __init__(self, *args: Any, conference: Conference, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].queryset = conference.days.order_by("date")  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        values = super().values()
        values["kind"] = values.get("kind") or SessionKind.SESSION
        return values


class SpeakerForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    title = forms.CharField(label=_("Position"), max_length=500, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=255, required=False)


class TopicForm(ServiceForm):
    session: "forms.ModelChoiceField[Session]" = forms.ModelChoiceField(
        label=_("Session"),
        queryset=Session.objects.none(),
        empty_label=None,
        help_text=_("Choose another session to move the topic there."),
    )
    number = forms.IntegerField(
        label=_("Number"), min_value=1, required=False, help_text=_("Empty: the next number.")
    )
    title = forms.CharField(label=_("Title"), max_length=500)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea, required=False)
    sector = forms.CharField(label=pgettext_lazy("topic", "Sector"), max_length=120, required=False)
    speakers = forms.ModelMultipleChoiceField(
        label=_("Speakers"), queryset=Speaker.objects.all(), required=False
    )
    planned_minutes = forms.IntegerField(label=_("Planned minutes"), min_value=1, initial=30)
    order = forms.IntegerField(
        label=_("Order in the session"),
        min_value=1,
        required=False,
        help_text=_("Empty: at the end."),
    )

    def __init__(self, *args: Any, conference: Conference, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sessions = Session.objects.filter(day__conference=conference).select_related("day")
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        values["speakers"] = [s.pk for s in values.get("speakers") or ()]
        return values


class MaterialForm(ServiceForm):
    replace = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    file = forms.FileField(
        label=_("File (PDF, PPTX or DOCX, at most 50 MB)"),
        widget=forms.ClearableFileInput({"accept": ".pdf,.pptx,.docx"}),
    )
