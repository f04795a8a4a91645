"""Personal numbers at rest: encrypted with keys from the environment, found through a keyed hash.

Why not a ready-made encrypted-field package: the ones available derive their key from
SECRET_KEY (rotating it would make every BSN unreadable) and none gives a keyed hash for exact
lookup. What we need is small and sits on `cryptography`'s Fernet:

- ``VersleuteldNummerField`` stores a Fernet token (AES-128-CBC + HMAC-SHA256, random IV) and
  hands the plain number to Python code; the database only ever sees the token.
  Keys: ``LEERROUTE_VERSLEUTELSLEUTELS``, comma separated; the first encrypts, all decrypt
  (MultiFernet), so a key can be rotated with ``manage.py nummers_herversleutelen``.
- ``zoekhash(value)`` is HMAC-SHA256 with ``LEERROUTE_BSN_HASHSLEUTEL``: the same number always
  gives the same hash, so uniqueness and exact search work, but without the key the hash cannot be
  turned back into a number by trying all 10⁹ candidates.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

# A Fernet token of a 9-digit number is 100 characters; room for a longer plaintext later.
TOKEN_LENGTE = 160


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("LEERROUTE_VERSLEUTELSLEUTELS ontbreekt")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "LEERROUTE_VERSLEUTELSLEUTELS: elke sleutel is een Fernet-sleutel (32 bytes, url-safe base64)"
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.LEERROUTE_VERSLEUTELSLEUTELS))


def versleutel(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def ontsleutel(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        # Never include the token or a number in the message: it ends up in logs.
        raise ImproperlyConfigured(
            "Een versleuteld nummer kan met de ingestelde sleutels niet worden gelezen "
            "(LEERROUTE_VERSLEUTELSLEUTELS mist een oude sleutel?)"
        ) from exc


def zoekhash(value: str | None) -> str | None:
    """The keyed hash of a personal number, for uniqueness and exact search; None for no number."""
    if not value:
        return None
    key = settings.LEERROUTE_BSN_HASHSLEUTEL.encode()
    return hmac.new(key, value.strip().encode(), hashlib.sha256).hexdigest()


class VersleuteldNummerField(models.CharField):
    """A personal number (BSN, onderwijsnummer) that is stored encrypted.

    Python code reads and writes the plain number; querysets cannot filter on it (the token is
    different every time): filter on the companion hash field with ``zoekhash()``.
    """

    description = _("versleuteld persoonsgebonden nummer")

    def __init__(self, *args, **kwargs):
        # The column holds the token; the validators hold the number to its own format.
        kwargs.setdefault("max_length", TOKEN_LENGTE)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"max_length": 9, **kwargs})

    def from_db_value(self, value, expression, connection):
        return None if value is None else ontsleutel(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return None
        return versleutel(value)

    def get_lookup(self, lookup_name):
        # Only NULL tests mean anything on a token; an equality filter would silently match nothing.
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


class ZoekhashField(models.CharField):
    """The keyed hash of another field of the same row, kept in step on every insert and save
    (also by bulk_create, which calls pre_save). A queryset update() of the number must set it too."""

    def __init__(self, *args, bron: str, **kwargs):
        self.bron = bron
        kwargs.update(max_length=64, null=True, blank=True, editable=False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "null", "blank", "editable"):
            kwargs.pop(key, None)
        kwargs["bron"] = self.bron
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = zoekhash(getattr(model_instance, self.bron))
        setattr(model_instance, self.attname, value)
        return value
