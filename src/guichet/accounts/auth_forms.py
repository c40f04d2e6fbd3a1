"""Forms of the account flows. Passwords are never rendered back; other values are kept on errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Profile, User

PASSWORD_HINT = _(
    "At least 8 characters; 15 or more are better. A few unrelated words are easy to remember and "
    "hard to guess. You can use spaces and any characters."
)


def _similarity_subject(*, first_name: str, last_name: str, email: str) -> Profile:
    """What Django's similarity check compares a password with (an unsaved profile: it has these
    three fields with verbose names, which the check needs for its message)."""
    return Profile(first_name=first_name, last_name=last_name, email=email)


def _email_field(label: Any = None) -> forms.EmailField:
    return forms.EmailField(
        label=label or _("Email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.ch."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}),
    )


def _password_field(*, label: Any, autocomplete: str, required_message: Any, hint: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=hint,
        error_messages={"required": required_message},
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class AccessibleForm(forms.Form):
    """Links each input to its hint and error messages (ids as rendered by includes/field.html).

    Django links the hint by itself; once there is an error, both are named explicitly."""

    def add_page_error(self, message: str) -> None:
        """A message for the error summary, also on a form that was not submitted or checked."""
        errors = self.errors  # checks a submitted form once; an unsubmitted one gets an empty dict
        errors.setdefault(NON_FIELD_ERRORS, self.error_class(error_class="nonfield", renderer=self.renderer))
        errors[NON_FIELD_ERRORS].append(message)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                field = self.fields[name]
                ids = [f"id_{name}_helptext"] if field.help_text else []
                field.widget.attrs["aria-describedby"] = " ".join([*ids, f"id_{name}_error"])


class NewPasswordMixin(forms.Form):
    """``password1`` and ``password2``: checked against the password rules and each other."""

    password1 = _password_field(
        label=_("Password"),
        autocomplete="new-password",
        required_message=_("Enter a password."),
        hint=PASSWORD_HINT,
    )
    password2 = _password_field(
        label=_("Repeat the password"),
        autocomplete="new-password",
        required_message=_("Enter the password a second time."),
    )

    def password_user(self) -> Any:
        """The account (or what is known of it) for the similarity check."""
        return None

    def clean_password1(self) -> str:
        password: str = self.cleaned_data["password1"]
        password_validation.validate_password(password, user=self.password_user())
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class SignupForm(NewPasswordMixin, AccessibleForm):
    """Only the mandatory fields (P29): name, email address, password."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        error_messages={"required": _("Enter your first name.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        error_messages={"required": _("Enter your last name.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
    )
    email = _email_field()

    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def password_user(self) -> Any:
        # Fields are cleaned in ``field_order``: name and address are known when password1 is checked.
        return _similarity_subject(
            first_name=self.cleaned_data.get("first_name", ""),
            last_name=self.cleaned_data.get("last_name", ""),
            email=self.cleaned_data.get("email", ""),
        )


class LoginForm(AccessibleForm):
    email = _email_field()
    password = _password_field(
        label=_("Password"), autocomplete="current-password", required_message=_("Enter your password.")
    )


class EmailForm(AccessibleForm):
    email = _email_field()


class SetPasswordForm(NewPasswordMixin, AccessibleForm):
    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def password_user(self) -> Any:
        profile = self.user.private_profile
        return _similarity_subject(
            email=self.user.email or "",
            first_name=(profile.first_name if profile else "") or "",
            last_name=(profile.last_name if profile else "") or "",
        )


class PasswordChangeForm(SetPasswordForm):
    current_password = _password_field(
        label=_("Current password"), autocomplete="current-password", required_message=_("Enter your current password.")
    )

    field_order = ["current_password", "password1", "password2"]

    def clean_current_password(self) -> str:
        password: str = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Your current password is not correct."), code="password_incorrect")
        return password


class ReauthForm(AccessibleForm):
    password = _password_field(
        label=_("Password"), autocomplete="current-password", required_message=_("Enter your password.")
    )


class EmailChangeForm(AccessibleForm):
    email = _email_field(_("New email address"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        if (self.user.email or "").strip().casefold() == email.strip().casefold():
            raise ValidationError(_("This is already your email address."), code="same")
        return email
