from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from diemcau import uploads
from diemcau.tabular import CSV_SUFFIXES, SPREADSHEET_SUFFIXES


class PaperListForm(forms.Form):
    file = forms.FileField(
        label=_("Sign-in list (XLSX or CSV)"),
        widget=forms.ClearableFileInput({"accept": ",".join(SPREADSHEET_SUFFIXES + CSV_SUFFIXES)}),
    )
    session = forms.TypedChoiceField(
        label=_("Session"), coerce=int, required=False, empty_value=None
    )
    dry_run = forms.BooleanField(
        label=_("Check only, write nothing (dry run)"), required=False, initial=True
    )

    def __init__(self, *args: Any, sessions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("From the file's “Phiên” column")), *sessions]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if uploads.is_too_large(upload):  # refused on the way in (diemcau.uploads)
            raise forms.ValidationError(uploads.too_large_message(upload.size), code="too_large")
        if not upload.name.lower().endswith(SPREADSHEET_SUFFIXES + CSV_SUFFIXES):
            raise forms.ValidationError(_("Choose an XLSX or CSV file."))
        return upload
