"""API keys of an instelling: making and revoking them (services), and recognising one on a
request (authentication and throttling).

A key acts for exactly one instelling: the request's user is the beheerder who made it, with
a Scope narrowed to that instelling (read-only for scope "lezen"). So every check the screens
and the API make through ``scope_for`` / ``for_user`` holds for the key too."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, throttling
from rest_framework.authentication import TokenAuthentication

from samenwerking import audit, scope
from samenwerking.models import ApiScope, ApiSleutel, AuditActie, Kanaal, Lidmaatschap, Rol

PREFIX_LENGTE = 8


def _hash(sleutel: str) -> str:
    return hashlib.sha256(sleutel.encode()).hexdigest()


@transaction.atomic
def sleutel_aanmaken(*, instelling, naam: str, bevoegdheid: str, door) -> tuple[ApiSleutel, str]:
    """A new key for ``instelling``; returns the row and the key itself (shown once, never stored)."""
    if instelling.pk not in scope.scope_for(door).beheer:
        raise ValidationError(_("Alleen een beheerder van de instelling maakt API-sleutels voor haar aan."))
    sleutel = secrets.token_urlsafe(32)
    rij = ApiSleutel(
        instelling=instelling,
        naam=(naam or "").strip(),
        bevoegdheid=bevoegdheid,
        prefix=sleutel[:PREFIX_LENGTE],
        sleutel_hash=_hash(sleutel),
        aangemaakt_door=door,
    )
    rij.full_clean()
    rij.save()
    audit.record(rij, actie=AuditActie.AANGEMAAKT, door=door, kanaal=Kanaal.UI)  # no values: no hash
    return rij, sleutel


@transaction.atomic
def sleutel_intrekken(*, sleutel: ApiSleutel, door) -> ApiSleutel:
    """Revoke a key: every later request with it answers 401."""
    if sleutel.ingetrokken_op is None:
        sleutel.ingetrokken_op = timezone.now()
        sleutel.save(update_fields=["ingetrokken_op"])
        audit.record(sleutel, actie=AuditActie.VERWIJDERD, door=door, kanaal=Kanaal.UI)
    return sleutel


class SleutelAuthenticatie(TokenAuthentication):
    """``Authorization: Token <key>``: an instelling's API key, or (older) a personal token
    made by the applicatiebeheerder in /beheer/. A wrong or revoked key answers 401 with a
    ``WWW-Authenticate: Token`` header (this class comes first in the settings)."""

    def authenticate_credentials(self, key):
        rij = (
            ApiSleutel.objects.select_related("aangemaakt_door")
            .filter(sleutel_hash=_hash(key), ingetrokken_op__isnull=True)
            .first()
        )
        if rij is None:
            return super().authenticate_credentials(key)
        user = rij.aangemaakt_door
        beheerder = Lidmaatschap.objects.filter(
            gebruiker=user, rol=Rol.BEHEERDER, instelling_id=rij.instelling_id
        ).exists()
        if not user.is_active or not beheerder:
            raise exceptions.AuthenticationFailed(_("Deze API-sleutel is niet meer geldig."))
        eigen = frozenset({rij.instelling_id})
        schrijven = rij.bevoegdheid == ApiScope.LEZEN_SCHRIJVEN
        user._leerroute_scope = scope.Scope(instellingen=eigen, beheer=eigen if schrijven else frozenset())
        user.api_sleutel_naam = rij.naam
        return user, rij


class PerSleutelThrottle(throttling.SimpleRateThrottle):
    """Requests per key (an API key, or else the user; anonymous: the address), counted in the
    cache (Redis in production, so shared by every web process). Rate: LEERROUTE_API_TEMPO."""

    scope = "api"

    def get_rate(self):
        return settings.LEERROUTE_API_TEMPO

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiSleutel):
            ident = f"sleutel-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"gebruiker-{request.user.pk}"
        else:
            ident = f"adres-{self.get_ident(request)}"
        return f"throttle_api_{ident}"
