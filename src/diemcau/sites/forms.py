"""The site form of the web UI.

The form only collects text: every value is cleaned by `sites.services` (the same cleaners the API
and imports use), and the services' field errors are put back on the form.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from diemcau import uploads
from diemcau.errors import Invalid
from diemcau.sites.models import Connection, Site, SiteKind, SiteStatus
from diemcau.tabular import CSV_SUFFIXES, SPREADSHEET_SUFFIXES


class SiteForm(forms.Form):
    """Create (with `code` and `unit`) or edit a site; `unit` is left out for site operators."""

    code = forms.CharField(label=_("Site code"), max_length=32)
    name = forms.CharField(label=_("Site name"), max_length=255)
    unit = forms.CharField(
        label=_("Unit code"),
        max_length=32,
        help_text=_(
            "The administrative unit the site belongs to; find its code with the search above."
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SiteKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=SiteStatus.choices)
    connection = forms.ChoiceField(label=_("Connection"), choices=Connection.choices)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    seats = forms.CharField(
        label=_("Seats"),
        max_length=12,
        required=False,
        widget=forms.TextInput({"inputmode": "numeric"}),
    )
    host_organisation = forms.CharField(
        label=_("Host organisation"), max_length=255, required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=120, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput({"inputmode": "tel"}),
    )
    contact_email = forms.CharField(label=_("Contact email"), max_length=254, required=False)
    tech_name = forms.CharField(label=_("Technical contact"), max_length=120, required=False)
    tech_phone = forms.CharField(
        label=_("Technical phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput({"inputmode": "tel"}),
    )
    tech_email = forms.CharField(label=_("Technical email"), max_length=254, required=False)

    GROUPS = (
        (_("Site"), ("code", "name", "unit", "kind", "status", "connection", "address", "seats")),
        (_("Contacts"), (
            "host_organisation", "contact_name", "contact_phone", "contact_email",
            "tech_name", "tech_phone", "tech_email",
        )),
    )  # fmt: skip

    def __init__(
        self, *args: Any, with_code: bool = True, with_unit: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.fields["code"]
        if not with_unit:
            del self.fields["unit"]

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(title), [self[name] for name in names if name in self.fields])
            for title, names in self.GROUPS
        ]

    def values(self) -> dict[str, Any]:
        """The submitted text, for the services to clean."""
        return {name: self.cleaned_data.get(name, "") for name in self.fields}

    def add_invalid(self, exc: Invalid) -> None:
        """Show a service's field errors beside their fields, the rest above the form."""
        for name, message in exc.fields.items():
            self.add_error(name if name in self.fields else None, message)
        if not exc.fields:
            self.add_error(None, exc.message)


def initial_from(site: Site) -> dict[str, Any]:
    values = {name: getattr(site, name) for name in SiteForm.base_fields if hasattr(site, name)}
    values["unit"] = site.unit.code
    values["seats"] = "" if site.seats is None else str(site.seats)
    return values


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        widget=forms.ClearableFileInput({"accept": ",".join(SPREADSHEET_SUFFIXES + CSV_SUFFIXES)}),
    )
    dry_run = forms.BooleanField(
        label=_("Check only, write nothing (dry run)"), required=False, initial=True
    )
    skip_bad = forms.BooleanField(
        label=_("Write the good rows and skip the bad ones"), required=False
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if uploads.is_too_large(upload):  # refused on the way in (diemcau.uploads)
            raise forms.ValidationError(uploads.too_large_message(upload.size), code="too_large")
        if not upload.name.lower().endswith(SPREADSHEET_SUFFIXES + CSV_SUFFIXES):
            raise forms.ValidationError(_("Choose an XLSX or CSV file."))
        return upload
