"""Delegate forms of the web UI.

The forms only collect text: every value is cleaned by `delegates.services.clean_values` (the
same cleaners the API and imports use) and the services' field errors are put back on the form.
The national ID field starts empty — the number is not stored, only its hash — and is changed
only when something is typed into it.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from diemcau.delegates.models import Delegate
from diemcau.errors import Invalid
from diemcau.sites.forms import ImportForm

__all__ = ["DelegateForm", "ImportForm", "initial_from"]


class DelegateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=255, required=False)
    workplace = forms.CharField(label=_("Workplace"), max_length=255, required=False)
    group = forms.CharField(label=_("Group"), max_length=120, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput({"inputmode": "tel"}),
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    national_id = forms.CharField(
        label=_("New national ID (CCCD)"),
        max_length=20,
        required=False,
        widget=forms.TextInput({"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Leave empty to keep the registered number; only its last 4 digits are kept."),
    )

    def values(self) -> dict[str, Any]:
        """The submitted text for the services to clean; an empty CCCD means "unchanged"."""
        values = {name: self.cleaned_data.get(name, "") for name in self.fields}
        if not values["national_id"]:
            del values["national_id"]
        return values

    def add_invalid(self, exc: Invalid) -> None:
        """Show a service's field errors beside their fields, the rest above the form."""
        for name, message in exc.fields.items():
            self.add_error(name if name in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)


def initial_from(delegate: Delegate) -> dict[str, Any]:
    return {
        name: getattr(delegate, name) for name in DelegateForm.base_fields if name != "national_id"
    }
