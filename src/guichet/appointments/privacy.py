"""Appointments' entries in the privacy registry (P01, P14)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guichet.appointments.models import Booking
from guichet.appointments.services import bookings_erase_personal_data
from guichet.core.keys import data_keys_preload
from guichet.core.registry import Category, DataKind, Erasure, NotPersonal, RetentionRule, registry
from guichet.privacy.export import CHUNK_SIZE, date_after, iso

if TYPE_CHECKING:
    from guichet.accounts.models import User

#: P14: the booking's personal data is deleted 30 days after the appointment.
AFTER_APPOINTMENT = datetime.timedelta(days=30)


def _past_bookings(now: datetime.datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(blocks_until__lt=now - AFTER_APPOINTMENT, personal_data_erased_at__isnull=True)


def _strip_bookings(pks: list[Any]) -> int:
    """The retention strip, also written to the deletion log kept outside the database (ids
    only), so a restored backup loses these bookings' keys again."""
    from guichet.privacy.backups.deletion_log import record_on_commit

    due = list(
        Booking.objects.filter(pk__in=pks, personal_data_erased_at__isnull=True).values_list("pk", "data_key_id")
    )
    count = bookings_erase_personal_data(pks)
    if due:
        record_on_commit(
            kind="retention",
            data_keys=[key for _pk, key in due if key is not None],
            stripped={"appointments.Booking": [pk for pk, _key in due]},
        )
    return count


def _export_bookings(user: User) -> Iterator[dict[str, Any]]:
    """The appointments booked while logged in, with any of the account's profiles (never the
    manage token's hash). Bookings made as a guest are not linked to the account."""
    bookings = (
        Booking.objects.filter(profile__owner=user)
        .select_related("appointment_type", "location", "profile")
        .order_by("starts_at", "pk")
    )
    data_keys_preload(
        key_ids=[key for key in bookings.order_by().values_list("data_key_id", flat=True).distinct() if key]
    )
    for booking in bookings.iterator(chunk_size=CHUNK_SIZE):
        erased = booking.is_erased
        profile = booking.profile
        yield {
            "id": str(booking.pk),
            "profile": f"{profile.get_kind_display()}: {profile.display_name}" if profile else None,
            "appointment": booking.appointment_type.title_text,
            "place": booking.location.name_text,
            "address": booking.location.address,
            "starts": iso(booking.starts_at),
            "ends": iso(booking.ends_at),
            "status": str(booking.get_status_display()),
            "name": "" if erased else booking.name,
            "email": "" if erased else booking.email,
            "phone": "" if erased else booking.phone,
            "language": booking.language,
            "booked": iso(booking.created_at),
            "personal_data_deleted": iso(booking.personal_data_erased_at),
            "deleted_on": date_after(booking.personal_data_erased_at, datetime.timedelta(0))
            or date_after(booking.blocks_until, AFTER_APPOINTMENT),
        }


registry.register(
    DataKind(
        model="appointments.Booking",
        category=Category.CONTACT,
        purpose=_("Book, remind you of and manage your appointment at the counter"),
        legal_basis=_("Necessary to provide the appointment you booked"),
        fields=("name", "email", "phone", "email_index", "manage_token_hash", "language"),
        person_links=("profile",),
        retention=RetentionRule(
            name="appointment_personal_data",
            start_event=_("the appointment"),
            period=AFTER_APPOINTMENT,
            due=_past_bookings,
            purge=_strip_bookings,
        ),
        erasure=Erasure.KEEP_ANONYMOUS,
        export=_export_bookings,
    ),
)

_SET_UP = "An authority's calendar set-up: offices, counters and what can be booked, no person"

registry.exempt(
    NotPersonal(model="appointments.Location", fields=("name", "address"), reason=_SET_UP),
    NotPersonal(model="appointments.Counter", fields=("name",), reason=_SET_UP),
    NotPersonal(model="appointments.AppointmentType", fields=("title",), reason=_SET_UP),
    NotPersonal(model="appointments.OpeningHours", fields=(), reason=_SET_UP),
    NotPersonal(model="appointments.Closure", fields=("reason",), reason=_SET_UP),
)
