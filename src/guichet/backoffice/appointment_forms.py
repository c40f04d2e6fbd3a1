"""Forms of the staff pages for appointments: the day list's actions, blocked times, closures and
the calendar set-up (locations, counters, appointment types, weekly opening hours).

The forms parse what the browser sent and give quick answers (numbers in range, an end after the
start, no overlapping opening hours); ``appointments.staff_services`` checks the rules again
(the API uses them too) and its ``ValidationError`` is put next to the right field with
``attach_errors``, so staff see one error summary whatever refused the input."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from guichet.appointments import staff_services as rules
from guichet.appointments.availability import local_zone
from guichet.appointments.models import Booking, Closure

LANGUAGE_LABELS: tuple[tuple[str, Any], ...] = (
    ("de", _("German")),
    ("fr", _("French")),
    ("it", _("Italian")),
    ("en", _("English")),
)
WEEKDAYS: tuple[Any, ...] = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
MARKS: tuple[tuple[str, Any], ...] = (
    (Booking.Status.ATTENDED, _("Attended")),
    (Booking.Status.NO_SHOW, _("Did not come")),
    (Booking.Status.CONFIRMED, _("Back to confirmed")),
)
MAX_REASON = 500  # what ``booking_cancel`` keeps of a reason
SLUG_HINT = _(
    "Small letters, digits and dashes, for example “pass-office”. It is part of the booking links "
    "and cannot be changed later."
)


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _range_message(low: int, high: int) -> str:
    return gettext("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}


#: The message in the language of the request that shows it (fields are built at import time).
range_message = lazy(_range_message, str)


def _number(label: Any, low: int, high: int, *, help_text: Any = "", required: bool = True) -> forms.IntegerField:
    """A whole number in ``low .. high``, with one clear message for every way of getting it wrong."""
    message = range_message(low, high)
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=required,
        min_value=low,
        max_value=high,
        error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
    )


def _texts_fields(form: forms.Form, *, prefix: str, label: Any, max_length: int) -> None:
    for code, language in LANGUAGE_LABELS:
        form.fields[f"{prefix}_{code}"] = forms.CharField(
            label=_("%(what)s in %(language)s") % {"what": label, "language": language},
            help_text=_("Fill in at least one language. Where a language is missing, people see another one.")
            if code == LANGUAGE_LABELS[0][0]
            else "",
            required=False,
            max_length=max_length,
            error_messages={"max_length": _("A name may have at most %(limit_value)d characters.")},
        )


def _texts_clean(form: forms.Form, *, prefix: str) -> dict[str, str]:
    data = getattr(form, "cleaned_data", {})
    texts = {code: (data.get(f"{prefix}_{code}") or "").strip() for code, _label in LANGUAGE_LABELS}
    if not any(texts.values()) and f"{prefix}_de" not in form.errors:
        form.add_error(f"{prefix}_de", ValidationError(_("Give it a name in at least one language."), code="required"))
    return texts


def _slug_and_texts(form: forms.Form, *, creating: bool, prefix: str, label: Any) -> None:
    """A new location or type gets a short name (fixed once created) before its texts per language."""
    if creating:
        form.fields["slug"] = forms.CharField(
            label=_("Short name"),
            help_text=SLUG_HINT,
            max_length=rules.MAX_SLUG,
            error_messages={"required": _("Enter a short name.")},
        )
    _texts_fields(form, prefix=prefix, label=label, max_length=rules.MAX_NAME)
    order = ["slug"] if creating else []
    form.order_fields([*order, *(f"{prefix}_{code}" for code, _label in LANGUAGE_LABELS)])


def attach_errors(form: forms.Form, error: ValidationError, *, fields: Mapping[str, str] | None = None) -> None:
    """Put a service's ``ValidationError`` on the form: dict keys are model field names, mapped by
    ``fields`` where the form names them otherwise; what has no field goes to the top."""
    fields = fields or {}
    if hasattr(error, "error_dict"):
        for key, items in error.error_dict.items():
            target = fields.get(key, key)
            form.add_error(target if target in form.fields else None, items)
    else:
        for item in error.error_list:
            form.add_error(None, item)


# --- The day list --------------------------------------------------------------------------------


class DayChoiceForm(forms.Form):
    """Which day, location and counter the day list shows (sent by GET; rendered, never validated:
    the view reads the query itself so a stale link still shows a day)."""

    location = forms.ChoiceField(label=_("Location"))
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    counter = forms.ChoiceField(label=_("Counter"), required=False)

    def __init__(
        self,
        *args: Any,
        locations: Sequence[tuple[str, str]] = (),
        counters: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "choose-%s")
        super().__init__(*args, **kwargs)
        location_field = self.fields["location"]
        assert isinstance(location_field, forms.ChoiceField)
        location_field.choices = list(locations)
        counter_field = self.fields["counter"]
        assert isinstance(counter_field, forms.ChoiceField)
        counter_field.choices = [("", _("All counters")), *((str(pk), name) for pk, name in counters)]


class MarkForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Attendance"),
        choices=MARKS,
        error_messages={
            "required": _("Choose how to mark the appointment."),
            "invalid_choice": _("Choose how to mark the appointment."),
        },
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the person"),
        help_text=_("The person receives this text in the cancellation email. Do not write internal notes here."),
        required=False,
        max_length=MAX_REASON,
        error_messages={"max_length": _("The reason may have at most %(limit_value)d characters.")},
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "true"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "cancel-%s")
        super().__init__(*args, **kwargs)


def _counter_choice(counters: Sequence[tuple[int, str]], *, whole: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Counter"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", whole), *((str(pk), name) for pk, name in counters)],
        error_messages={"invalid_choice": _("Choose a counter of this location.")},
    )


class BlockForm(forms.Form):
    """Block a time of one day, at one counter or at the whole location."""

    day = forms.DateField(widget=forms.HiddenInput, error_messages={"invalid": _("The day is not valid.")})
    starts = forms.TimeField(
        label=_("From"),
        widget=_time_input(),
        error_messages={"required": _("Enter the start time."), "invalid": _("Enter a time like 09:30.")},
    )
    ends = forms.TimeField(
        label=_("Until"),
        widget=_time_input(),
        error_messages={"required": _("Enter the end time."), "invalid": _("Enter a time like 09:30.")},
    )
    reason = forms.CharField(
        label=_("Reason (for staff)"),
        required=False,
        max_length=rules.MAX_TEXT,
        error_messages={"max_length": _("The reason may have at most %(limit_value)d characters.")},
    )

    def __init__(self, *args: Any, counters: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "block-%s")
        super().__init__(*args, **kwargs)
        self.fields["counter"] = _counter_choice(counters, whole=_("The whole location"))
        self.order_fields(["day", "counter", "starts", "ends", "reason"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts"), data.get("ends")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends", ValidationError(_("The end must be after the start."), code="interval"))
        return data

    def interval(self) -> tuple[datetime.datetime, datetime.datetime]:
        day: datetime.date = self.cleaned_data["day"]
        zone = local_zone()
        return (
            datetime.datetime.combine(day, self.cleaned_data["starts"], tzinfo=zone),
            datetime.datetime.combine(day, self.cleaned_data["ends"], tzinfo=zone),
        )


class ClosureForm(forms.Form):
    """A public holiday, a closure or a blocked time over any span."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Closure.Kind.choices,
        initial=Closure.Kind.HOLIDAY,
        error_messages={
            "required": _("Choose one of the kinds offered."),
            "invalid_choice": _("Choose one of the kinds offered."),
        },
    )
    starts_at = forms.DateTimeField(
        label=_("From"),
        help_text=_("For whole days: from 00:00 of the first day."),
        widget=_datetime_input(),
        error_messages={"required": _("Enter when it starts."), "invalid": _("Enter a date and time.")},
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        help_text=_("For whole days: until 00:00 of the day after the last one."),
        widget=_datetime_input(),
        error_messages={"required": _("Enter when it ends."), "invalid": _("Enter a date and time.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("For example the name of the holiday."),
        required=False,
        max_length=rules.MAX_TEXT,
        error_messages={"max_length": _("The reason may have at most %(limit_value)d characters.")},
    )

    def __init__(self, *args: Any, counters: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "closure-%s")
        super().__init__(*args, **kwargs)
        self.fields["counter"] = _counter_choice(counters, whole=_("The whole location"))
        self.order_fields(["kind", "counter", "starts_at", "ends_at", "reason"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        now = timezone.now()
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if value is not None and abs(value - now) > rules.CLOSURE_RANGE:
                self.add_error(
                    name, ValidationError(_("Enter a time within ten years from today."), code="out_of_range")
                )
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends_at", ValidationError(_("The end must be after the start."), code="interval"))
        return data


# --- Set-up --------------------------------------------------------------------------------------


class LocationForm(forms.Form):
    address = forms.CharField(
        label=_("Address"),
        help_text=_("Shown to people who book and in their calendar entry."),
        required=False,
        max_length=rules.MAX_TEXT,
        error_messages={"max_length": _("The address may have at most %(limit_value)d characters.")},
    )
    min_notice_minutes = _number(
        _("Minimum notice (minutes)"),
        0,
        rules.MAX_NOTICE_MINUTES,
        help_text=_("How long before an appointment it can still be booked online, for example 120."),
    )
    horizon_days = _number(
        _("Booking horizon (days)"),
        rules.MIN_HORIZON_DAYS,
        rules.MAX_HORIZON_DAYS,
        help_text=_("How many days ahead people can book."),
    )
    reminder_hours = _number(
        _("Reminder (hours before)"),
        0,
        rules.MAX_REMINDER_HOURS,
        help_text=_("When people get an email reminding them of the appointment; 0 sends no reminder."),
    )
    is_active = forms.BooleanField(
        label=_("Bookable online"),
        help_text=_("Without it, nobody can book at this location; existing bookings stay."),
        required=False,
    )

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "location-%s")
        super().__init__(*args, **kwargs)
        _slug_and_texts(self, creating=creating, prefix="name", label=_("Name"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["name"] = _texts_clean(self, prefix="name")
        return data


class CounterForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        help_text=_("As shown at the counter, for example “Counter 3”."),
        max_length=rules.MAX_NAME,
        error_messages={
            "required": _("Give the counter a name."),
            "max_length": _("A name may have at most %(limit_value)d characters."),
        },
    )
    capacity = _number(
        _("People served at once"),
        1,
        rules.MAX_CAPACITY,
        help_text=_("Usually 1. A room for group appointments can take more people at the same time."),
    )
    is_active = forms.BooleanField(
        label=_("In service"),
        help_text=_("Counters out of service get no new bookings; existing bookings stay."),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "counter-%s")
        super().__init__(*args, **kwargs)


class AppointmentTypeForm(forms.Form):
    duration_minutes = _number(_("Duration (minutes)"), rules.MIN_DURATION, rules.MAX_DURATION)
    buffer_minutes = _number(
        _("Buffer after (minutes)"),
        0,
        rules.MAX_BUFFER,
        help_text=_("Time the counter needs after the appointment before the next one, for example to file papers."),
    )
    counters = forms.TypedMultipleChoiceField(
        label=_("Counters"),
        help_text=_("Where this appointment can take place."),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one counter."),
            "invalid_choice": _("Choose counters of this location."),
        },
    )
    max_per_day = _number(
        _("At most per day"),
        1,
        10_000,
        help_text=_("All counters together. Leave empty for no limit."),
        required=False,
    )
    max_per_person = _number(
        _("Open bookings per person"),
        1,
        rules.MAX_PER_PERSON,
        help_text=_("How many coming appointments of this kind one email address may hold at once."),
    )
    service = forms.TypedChoiceField(
        label=_("Service in the catalogue"),
        help_text=_("The service page then offers this appointment."),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a service of your authority.")},
    )
    is_active = forms.BooleanField(label=_("Bookable online"), required=False)

    def __init__(
        self,
        *args: Any,
        counters: Sequence[tuple[int, str]] = (),
        services: Sequence[tuple[int, str]] = (),
        creating: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "type-%s")
        super().__init__(*args, **kwargs)
        counters_field = self.fields["counters"]
        assert isinstance(counters_field, forms.TypedMultipleChoiceField)
        counters_field.choices = [(str(pk), name) for pk, name in counters]
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.TypedChoiceField)
        service_field.choices = [("", _("No linked service")), *((str(pk), title) for pk, title in services)]
        _slug_and_texts(self, creating=creating, prefix="title", label=_("Title"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["title"] = _texts_clean(self, prefix="title")
        return data


# --- Weekly opening hours ------------------------------------------------------------------------

MIN_ROWS = 3  # empty rows offered per weekday (besides the intervals there are)
MAX_ROWS = 12
_HOURS_FIELD = re.compile(r"d([0-6])-(\d{1,2})-(?:opens|closes)")


@dataclass(frozen=True)
class HoursRow:
    number: int
    opens: forms.BoundField
    closes: forms.BoundField


@dataclass(frozen=True)
class HoursDay:
    weekday: int
    label: str
    rows: list[HoursRow]


def hours_rows(existing: Mapping[int, int], data: Mapping[str, Any] | None = None) -> dict[int, int]:
    """How many rows each weekday gets: its intervals plus one, at least ``MIN_ROWS``, and as many
    as the browser sent back (so nothing typed is lost)."""
    rows = {weekday: max(MIN_ROWS, existing.get(weekday, 0) + 1) for weekday in range(7)}
    for key in data or {}:
        match = _HOURS_FIELD.fullmatch(str(key))
        if match:
            weekday, index = int(match.group(1)), int(match.group(2))
            rows[weekday] = max(rows[weekday], index + 1)
    return {weekday: min(count, MAX_ROWS) for weekday, count in rows.items()}


def hours_initial(intervals: Sequence[tuple[int, datetime.time, datetime.time]]) -> dict[str, datetime.time]:
    initial: dict[str, datetime.time] = {}
    index: dict[int, int] = {}
    for weekday, opens, closes in intervals:
        number = index.get(weekday, 0)
        index[weekday] = number + 1
        initial[f"d{weekday}-{number}-opens"], initial[f"d{weekday}-{number}-closes"] = opens, closes
    return initial


class OpeningHoursForm(forms.Form):
    """All weekly opening times of a location on one page: per weekday some rows of "opens" and
    "closes"; an empty row is ignored, a lunch break is two rows."""

    def __init__(self, *args: Any, rows: Mapping[int, int], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "hours-%s")
        super().__init__(*args, **kwargs)
        self.rows = dict(rows)
        for weekday in range(7):
            for index in range(self.rows.get(weekday, 0)):
                names = {"day": WEEKDAYS[weekday], "number": index + 1}
                for part, label in (
                    ("opens", _("%(day)s, opening time %(number)s: opens")),
                    ("closes", _("%(day)s, opening time %(number)s: closes")),
                ):
                    self.fields[f"d{weekday}-{index}-{part}"] = forms.TimeField(
                        label=label % names,
                        required=False,
                        widget=_time_input(),
                        error_messages={"invalid": _("Enter a time like 08:00.")},
                    )

    def days(self) -> list[HoursDay]:
        return [
            HoursDay(
                weekday=weekday,
                label=str(WEEKDAYS[weekday]),
                rows=[
                    HoursRow(index + 1, self[f"d{weekday}-{index}-opens"], self[f"d{weekday}-{index}-closes"])
                    for index in range(self.rows.get(weekday, 0))
                ],
            )
            for weekday in range(7)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        intervals: list[tuple[int, datetime.time, datetime.time, str]] = []
        for weekday in range(7):
            for index in range(self.rows.get(weekday, 0)):
                opens_key, closes_key = f"d{weekday}-{index}-opens", f"d{weekday}-{index}-closes"
                if opens_key in self.errors or closes_key in self.errors:
                    continue
                opens, closes = data.get(opens_key), data.get(closes_key)
                if opens is None and closes is None:
                    continue
                if opens is None:
                    self.add_error(opens_key, ValidationError(_("Enter the opening time too."), code="required"))
                elif closes is None:
                    self.add_error(closes_key, ValidationError(_("Enter the closing time too."), code="required"))
                elif opens >= closes:
                    self.add_error(
                        closes_key,
                        ValidationError(_("The closing time must be after the opening time."), code="interval"),
                    )
                else:
                    intervals.append((weekday, opens, closes, opens_key))
        intervals.sort()
        latest: dict[int, datetime.time] = {}  # per weekday: the latest closing time so far
        for weekday, opens, closes, key in intervals:
            if weekday in latest and opens < latest[weekday]:
                self.add_error(
                    key, ValidationError(_("This time overlaps another opening time of the same day."), code="overlap")
                )
            latest[weekday] = max(closes, latest.get(weekday, closes))
        data["intervals"] = [(weekday, opens, closes) for weekday, opens, closes, _key in intervals]
        return data
