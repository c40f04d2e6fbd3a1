"""Appointments at an authority's counters.

A *location* (an office) has *counters* (resources); a counter with a capacity of N serves N
people at once, modelled as N *seats*. An *appointment type* is what can be booked (a service,
its duration and the buffer after it) at some counters. Opening hours are weekly intervals per
location (breaks are simply gaps); *closures* take time away: public holidays, exceptions, and
times staff block.

A *booking* holds one seat of one counter for ``starts_at``..``blocks_until`` (the appointment
plus its buffer). No two active bookings of a seat may overlap: PostgreSQL enforces it with an
exclusion constraint (``btree_gist``), SQLite with a trigger (migration 0002), whatever the
concurrency. The person's data is encrypted under a data key of the booking's own, destroyed 30
days after the appointment (P14); the row stays, without personal data, for statistics."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guichet.accounts.models import Profile
from guichet.catalogue.models import Service, Translated
from guichet.core.fields import EncryptedCharField, EncryptedEmailField
from guichet.core.models import Authority, DataKey


class Location(models.Model):
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="locations")
    slug = models.SlugField(unique=True, max_length=100)
    name = models.JSONField(_("name"), default=dict, help_text=_('Per language, e.g. {"de": "Einwohneramt"}'))
    address = models.CharField(_("address"), max_length=200, blank=True)
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=120)
    horizon_days = models.PositiveIntegerField(_("booking horizon (days)"), default=60)
    reminder_hours = models.PositiveIntegerField(_("reminder before the appointment (hours)"), default=24)
    is_active = models.BooleanField(_("bookable"), default=True)

    name_text = Translated("name")

    class Meta:
        ordering = ["slug"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.slug


class Counter(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="counters")
    name = models.CharField(_("name"), max_length=100)
    capacity = models.PositiveSmallIntegerField(_("people served at once"), default=1)
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        ordering = ["location", "name"]
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        constraints = [models.CheckConstraint(condition=Q(capacity__gte=1, capacity__lte=50), name="counter_capacity")]

    def __str__(self) -> str:
        return self.name


class AppointmentType(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="appointment_types")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointment_types"
    )
    slug = models.SlugField(max_length=100)
    title = models.JSONField(_("title"), default=dict)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=15)
    buffer_minutes = models.PositiveSmallIntegerField(_("buffer after (minutes)"), default=0)
    counters = models.ManyToManyField(Counter, related_name="appointment_types", verbose_name=_("counters"))
    max_per_day = models.PositiveIntegerField(_("at most per day (all counters)"), null=True, blank=True)
    max_per_person = models.PositiveSmallIntegerField(_("open bookings per person"), default=2)
    is_active = models.BooleanField(_("bookable"), default=True)

    title_text = Translated("title")

    class Meta:
        ordering = ["location", "slug"]
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")
        constraints = [
            models.UniqueConstraint(fields=["location", "slug"], name="one_type_slug_per_location"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480), name="type_duration"
            ),
        ]

    def __str__(self) -> str:
        return self.slug


class OpeningHours(models.Model):
    """One interval of a weekday (0 = Monday); a lunch break is two intervals."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["location", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_weekday"),
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="opening_interval"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}-{self.closes}"


class Closure(models.Model):
    """Time taken away from booking: a public holiday, an exception, or a block set by staff.
    Without a counter it closes the whole location."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        CLOSED = "closed", pgettext_lazy("a closure of an office", "Closed")
        BLOCK = "block", _("Blocked by staff")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    counter = models.ForeignKey(Counter, null=True, blank=True, on_delete=models.CASCADE, related_name="closures")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CLOSED)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        indexes = [models.Index(fields=["location", "starts_at"], name="appointments_closure_range")]
        constraints = [models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="closure_interval")]

    def __str__(self) -> str:
        return f"{self.kind} {self.starts_at:%Y-%m-%d}"


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    class CancelledBy(models.TextChoices):
        PERSON = "person", _("The person")
        STAFF = "staff", _("The authority")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="bookings")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="bookings")
    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="bookings")
    seat = models.PositiveSmallIntegerField(default=0)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    #: end of the appointment plus the buffer: the seat is taken until then
    blocks_until = models.DateTimeField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CONFIRMED)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    # The person: encrypted under a key of this booking's own (destroyed at the end of retention).
    data_key = models.ForeignKey(DataKey, null=True, on_delete=models.SET_NULL, related_name="+")
    name = EncryptedCharField(_("name"), max_length=150, blank=True)
    email = EncryptedEmailField(_("email address"), blank=True)
    phone = EncryptedCharField(_("phone"), max_length=40, blank=True)
    #: blind index of the email: the per-person limit without decrypting anything
    email_index = models.CharField(max_length=64, blank=True, db_index=True)
    profile = models.ForeignKey(Profile, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings")
    manage_token_hash = models.CharField(max_length=64, unique=True, null=True)
    language = models.CharField(max_length=8, default="de")
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [
            models.Index(fields=["counter", "starts_at"], name="appointments_booking_slot"),
            models.Index(fields=["location", "starts_at"], name="appointments_booking_day"),
            models.Index(fields=["status", "starts_at"], name="appointments_booking_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")) & Q(ends_at__lte=models.F("blocks_until")),
                name="booking_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    @property
    def is_erased(self) -> bool:
        return self.personal_data_erased_at is not None
