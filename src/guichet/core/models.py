"""Core data: authorities (tenants), staff memberships, data keys, audit log, deletion log."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Authority(models.Model):
    class Kind(models.TextChoices):
        CANTON = "canton", _("Canton")
        MUNICIPALITY = "municipality", _("Municipality")
        OFFICE = "office", _("Office")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    email = models.EmailField(_("public email"), blank=True)
    phone = models.CharField(_("public phone"), max_length=40, blank=True)
    # Tenant theming: CSS custom properties, validated as colours in clean().
    theme_primary = models.CharField(_("primary colour"), max_length=7, default="#0b4f8a")
    theme_accent = models.CharField(_("accent colour"), max_length=7, default="#c8102e")

    class Meta:
        ordering = ["name"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(theme_primary__regex=r"^#[0-9a-fA-F]{6}$")
                & models.Q(theme_accent__regex=r"^#[0-9a-fA-F]{6}$"),
                name="authority_theme_colours_hex",
            )
        ]

    def __str__(self) -> str:
        return self.name


class StaffMembership(models.Model):
    class Role(models.TextChoices):
        CLERK = "clerk", _("Clerk")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMIN = "admin", _("Authority administrator")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CLERK)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [models.UniqueConstraint(fields=["user", "authority"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.authority} / {self.get_role_display()}"


class DataKey(models.Model):
    """One person's data key, stored wrapped by a master key. ``wrapped`` is NULL once destroyed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    master_kid = models.CharField(max_length=64)
    wrapped = models.BinaryField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")

    def __str__(self) -> str:
        return f"DataKey {self.pk} ({'destroyed' if self.destroyed_at else self.master_kid})"


class AuditEvent(models.Model):
    """Append-only record of staff/API access to personal data and of every change.

    ``subject_ref`` is the opaque id of the person whose data was touched (so the privacy centre
    can show "who accessed my data"); it carries no personal data itself."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        CHANGE = "change", _("changed")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")
        LOGIN = "login", _("logged in")
        LOGIN_FAILED = "login_failed", _("login failed")
        DENIED = "denied", _("access denied")

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_kind = models.CharField(max_length=20)
    actor_ref = models.CharField(max_length=64, blank=True)
    authority = models.ForeignKey(Authority, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_ref = models.CharField(max_length=64, blank=True)
    subject_ref = models.CharField(max_length=64, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_kind} {self.action} {self.object_type}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")


class DeletionLogEntry(models.Model):
    """What the retention engine or an erasure deleted: kind, count, rule. No personal data."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    data_kind = models.CharField(max_length=100)
    rule = models.CharField(max_length=200)
    count = models.PositiveIntegerField()
    dry_run = models.BooleanField(default=False)
    trigger = models.CharField(max_length=40, default="retention")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("deletion log entry")
        verbose_name_plural = _("deletion log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.data_kind}: {self.count}"


class ProofRun(models.Model):
    """The last run of a periodic proof (retention sweep, inactivity run, backup, drill)."""

    name = models.CharField(max_length=60, unique=True)
    last_run_at = models.DateTimeField()
    ok = models.BooleanField(default=True)
    summary = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("proof run")

    def __str__(self) -> str:
        return self.name
