"""Forms of the second-factor pages. Codes are checked by the services, not here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("The 6-digit code the app shows right now, for example 123456."),
        max_length=12,
        error_messages={"required": _("Enter the 6-digit code from your authenticator app.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "spellcheck": "false",
                "autocapitalize": "off",
                "class": "input-code",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "totp")
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits of the code, for example 123456."))
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Recovery code"),
        help_text=_("One of the recovery codes you saved, for example abcde-23456. Each code works once."),
        max_length=40,
        error_messages={"required": _("Enter one of your recovery codes.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off", "class": "input-code"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "recovery")
        super().__init__(*args, **kwargs)


class PasskeyLoginForm(forms.Form):
    """Filled in by passkeys.js with the browser's answer (``PublicKeyCredential.toJSON()``)."""

    credential = forms.CharField(widget=forms.HiddenInput, max_length=64 * 1024, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "passkey")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors and not (cleaned or {}).get("credential"):
            raise forms.ValidationError(_("Your passkey was not used. Try again, or use another way to log in."))
        return cleaned


class PasskeyAddForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the passkey"),
        help_text=_("So you can tell your passkeys apart, for example “Laptop” or “Security key”."),
        max_length=100,
        error_messages={"required": _("Enter a name for the passkey.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    credential = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64 * 1024,
        required=False,
    )

    def clean_name(self) -> str:
        return " ".join(str(self.cleaned_data["name"]).split())

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors and not (cleaned or {}).get("credential"):
            raise forms.ValidationError(
                _("Your browser did not create a passkey. Allow it when your browser or device asks, and try again.")
            )
        return cleaned


class ConfirmForm(forms.Form):
    """An empty form: the POST itself is the confirmation (with its CSRF token)."""
