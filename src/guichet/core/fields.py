"""Model fields whose values are encrypted under the owning person's data key (P25).

A model using them declares ``data_key`` (a ForeignKey to ``core.DataKey``). Values are
plain Python values on the instance and sealed tokens in the database. A value whose key was
destroyed reads as ``None`` (the person was erased). Writing plaintext past the ORM's
``save()`` (e.g. ``QuerySet.update``) is refused rather than silently stored in clear.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from guichet.core import crypto
from guichet.core.keys import data_key_material


class SealedValue(str):
    """A ciphertext token, ready for the database."""


class EncryptedMixin(models.Field):
    data_key_field = "data_key"

    def get_internal_type(self) -> str:
        return "TextField"

    def _aad(self) -> str:
        return f"{self.model._meta.label_lower}.{self.attname}"

    def _serialize(self, value: Any) -> str:
        return str(value)

    def _deserialize(self, text: str) -> Any:
        return text

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if value is None or value == "":
            return value
        key_id = getattr(model_instance, f"{self.data_key_field}_id")
        if key_id is None:
            raise FieldError(f"{self.model.__name__} needs a data key before {self.name} can be saved")
        return SealedValue(
            crypto.seal(
                self._serialize(value).encode(),
                data_key=data_key_material(str(key_id)),
                key_id=str(key_id),
                aad=self._aad(),
            )
        )

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or value == "" or isinstance(value, SealedValue):
            return str(value) if isinstance(value, SealedValue) else value
        raise FieldError(f"refusing to store {self.model.__name__}.{self.name} unencrypted; use save()")

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        try:
            key_id, blob = crypto.parse_token(value)
            plain = crypto.open_sealed(blob, data_key=data_key_material(key_id), aad=self._aad())
        except crypto.DecryptionError:
            return None  # erased (key destroyed)
        return self._deserialize(plain.decode())

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"isnull", "exact"}:
            raise FieldError(f"encrypted field {self.name} cannot be searched with __{lookup_name}")
        return super().get_lookup(lookup_name)


class EncryptedCharField(EncryptedMixin, models.CharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 255)  # validates the plaintext; the column is TEXT
        super().__init__(*args, **kwargs)


class EncryptedTextField(EncryptedMixin, models.TextField):
    pass


class EncryptedEmailField(EncryptedMixin, models.EmailField):
    pass


class EncryptedDateField(EncryptedMixin, models.DateField):
    def _serialize(self, value: Any) -> str:
        return value.isoformat()

    def _deserialize(self, text: str) -> Any:
        return datetime.date.fromisoformat(text)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, SealedValue):
            return value
        return super().to_python(value)


class EncryptedJSONField(EncryptedMixin, models.JSONField):
    def _serialize(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, cls=self.encoder)

    def _deserialize(self, text: str) -> Any:
        return json.loads(text)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        return self.get_db_prep_value(value, connection)
