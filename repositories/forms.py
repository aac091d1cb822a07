"""Forms of the pages: the catalog's filters and the import form."""

from __future__ import annotations

from django import forms
from django.conf import settings

from repositories.models import Repository
from repositories.selectors import ORDERINGS, label_choices, language_choices

ARCHIVED_CHOICES = [("", "Any"), ("no", "Not archived"), ("yes", "Archived")]


class RepositoryFilterForm(forms.Form):
    """The catalog's filters, read from the query string (and from the "Scan filtered" POST).

    A value that is not one of the choices is dropped, never an error page: filter links are
    bookmarked and shared.
    """

    search = forms.CharField(required=False, max_length=200, strip=True,
                             widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or description"}))
    health = forms.ChoiceField(required=False, choices=[("", "Any health"), *Repository.Health.choices])
    language = forms.ChoiceField(required=False)
    label = forms.ChoiceField(required=False)
    archived = forms.ChoiceField(required=False, choices=ARCHIVED_CHOICES)
    ordering = forms.ChoiceField(required=False, choices=[(key, key) for key in ORDERINGS],
                                 widget=forms.HiddenInput)

    FILTER_FIELDS = ("search", "health", "language", "label", "archived")

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.fields["language"].choices = [("", "Any language"), *((v, v) for v in language_choices())]
        self.fields["label"].choices = [("", "Any label"),
                                        *((v, v) for v in label_choices())]

    def filters(self) -> dict:
        """Keyword arguments for `repository_list`, from the fields that are valid and set."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        filters = {}
        for name in self.FILTER_FIELDS:
            if name in data and data[name] and name not in self.errors:
                filters[name] = data[name]
        if "archived" in filters:
            filters["archived"] = filters["archived"] == "yes"
        return filters

    def get_ordering(self) -> str:
        self.is_valid()
        if "ordering" in self.errors:
            return "full_name"
        return getattr(self, "cleaned_data", {}).get("ordering") or "full_name"


class ImportForm(forms.Form):
    file = forms.FileField(required=False, help_text="A text, Markdown (awesome list), CSV or JSON file.")
    text = forms.CharField(
        required=False, strip=False, label="Or paste a list",
        widget=forms.Textarea(attrs={
            "rows": 8, "spellcheck": "false",
            "placeholder": "owner/name or https://github.com/owner/name, one a line"}),
    )
    label = forms.CharField(required=False, max_length=100, strip=True,
                            help_text="Optional: the list these came from, e.g. awesome-python.")

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("text") or ""
        if upload is None and not text.strip():
            raise forms.ValidationError("Choose a file or paste a list.")
        if upload is not None and text.strip():
            raise forms.ValidationError("Upload a file or paste a list, not both.")
        if upload is not None and upload.size > settings.IMPORT_MAX_BYTES:
            # Refused before reading it: the import service would say the same after reading it all.
            raise forms.ValidationError(
                f"The file is too large: {upload.size:,} bytes; the limit is {settings.IMPORT_MAX_BYTES:,} bytes.")
        return data

    def source(self) -> tuple[bytes | str, str | None]:
        """What to import and its file name. Reads at most one byte more than the import limit,
        so an oversized upload is refused by the import service without being read whole."""
        upload = self.cleaned_data.get("file")
        if upload is None:
            return self.cleaned_data["text"], None
        return upload.read(settings.IMPORT_MAX_BYTES + 1), upload.name
