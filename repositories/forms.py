"""The import form of the import page. (The catalog's filters are `repositories.filters`.)"""

from __future__ import annotations

from django import forms
from django.conf import settings


class ImportForm(forms.Form):
    file = forms.FileField(required=False,
                           help_text="A text, Markdown (awesome list), CSV or JSON file, an SBOM or a lockfile.")
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
        # A file field answers False for "clear" (its widget's checkbox): no file either.
        data["file"] = data.get("file") or None
        upload, text = data["file"], data.get("text") or ""
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
