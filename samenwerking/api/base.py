"""Base viewsets: every queryset goes through the model's scope; writes go through services."""

import hashlib
import json

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, filters, permissions, status, viewsets
from rest_framework.response import Response

from samenwerking import scope


class MagWijzigen(permissions.BasePermission):
    """Reading needs a login; writing needs a role that may change something (a beheerder or the
    applicatiebeheerder). A lezer or coordinator who writes gets 403, not a validation error."""

    def has_permission(self, request, view):
        # lees_acties: POST actions that only read (a search by BSN is a POST to keep it out of URLs).
        if request.method in permissions.SAFE_METHODS or getattr(view, "action", None) in getattr(
            view, "lees_acties", ()
        ):
            return True
        s = scope.scope_for(request.user)
        return s.alles or bool(s.beheer)


class Ordening(filters.OrderingFilter):
    """``?ordering=veld`` or ``-veld``, only over the fields a view lists (each backed by an index,
    so a sorted page stays one index walk at any size)."""

    ordering_description = _("Sorteren op dit veld; met een minteken ervoor aflopend.")


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and details only what the user may see; anything else answers 404."""

    permission_classes = [permissions.IsAuthenticated, MagWijzigen]
    ordering_fields = ["id"]

    def get_queryset(self):
        return self.queryset.for_user(self.request.user, scope.VIEW)


# --- optimistic locking: ETag / If-Match ------------------------------------------------------------


class VoorwaardeMislukt(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "Het object is gewijzigd sinds u het ophaalde (If-Match komt niet overeen met de ETag). "
        "Haal het opnieuw op en probeer het nog eens."
    )
    default_code = "precondition_failed"


class VoorwaardeVereist(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Een wijziging vraagt de header If-Match met de ETag van het object zoals u het ophaalde."
    )
    default_code = "precondition_required"


def etag_van(data) -> str:
    """A strong ETag of an object's representation: it changes whenever a field the API shows does."""
    tekst = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(tekst.encode()).hexdigest()[:32] + '"'


class ETagMixin:
    """GET of one object sends its ETag. PUT and PATCH need If-Match with that ETag: without it
    428 (so no system overwrites unseen by forgetting the header), with another one 412.
    Actions on an object (POST .../beeindigen/ etc.) check If-Match when it is sent."""

    def huidige_etag(self, instance) -> str:
        return etag_van(self.get_serializer(instance).data)

    def controleer_if_match(self, instance, *, verplicht: bool) -> None:
        gevraagd = self.request.headers.get("If-Match")
        if not gevraagd:
            if verplicht:
                raise VoorwaardeVereist()
            return
        waarden = {w.strip().removeprefix("W/") for w in gevraagd.split(",")}
        if "*" not in waarden and self.huidige_etag(instance) not in waarden:
            raise VoorwaardeMislukt()

    def met_etag(self, response: Response, instance) -> Response:
        response["ETag"] = self.huidige_etag(instance)
        return response

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return self.met_etag(Response(self.get_serializer(instance).data), instance)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        self.controleer_if_match(instance, verplicht=True)
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        instance = self.get_object()  # as stored, so the new ETag matches the next GET
        return self.met_etag(Response(self.get_serializer(instance).data), instance)
