"""The history ("Geschiedenis") of one object: its audit rows, for administrators.

Who may read it: the object must be visible to the user (``for_user``, else 404) and the user must
be an administrator — the applicatiebeheerder, or a beheerder of an instelling (else 403). A
beheerder sees only the rows of their own instelling's trail (``AuditRegel.objects.for_user``).
Nobody edits the trail: there is no form, no API endpoint and no admin permission for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samenwerking import scope
from samenwerking.models import AuditRegel

PER_PAGINA = 50


class GeenToegang(Exception):
    """The object is visible, but its history is for administrators only."""


def mag_geschiedenis_lezen(user) -> bool:
    s = scope.scope_for(user)
    return s.alles or bool(s.beheer)


def model_voor_label(label: str) -> type[Model]:
    """The model for "app_label.model_name" whose rows have a scope and a history (else 404)."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    if model is AuditRegel or not hasattr(model.objects, "for_user"):
        raise Http404
    return model


def zichtbaar_object(user, model: type[Model], pk) -> Model:
    """The object if ``user`` may see it, else 404."""
    try:
        pk = model._meta.pk.to_python(pk)
    except (ValidationError, ValueError, TypeError):
        raise Http404 from None
    obj = model.objects.for_user(user, scope.VIEW).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def audit_voor_object(user, model: type[Model], pk) -> QuerySet[AuditRegel]:
    """The audit rows of one object that ``user`` may read, newest first.

    Raises Http404 when the object is outside the user's scope, GeenToegang when the user may see
    the object but is no administrator.
    """
    return _regels(user, zichtbaar_object(user, model, pk))


def _regels(user, obj: Model) -> QuerySet[AuditRegel]:
    if not mag_geschiedenis_lezen(user):
        raise GeenToegang
    rows = AuditRegel.objects.filter(model=obj._meta.label, object_id=str(obj.pk))
    if not scope.scope_for(user).alles:
        rows = rows.filter(pk__in=AuditRegel.objects.for_user(user, scope.VIEW).values("pk"))
    return rows.select_related("gebruiker").order_by("-tijdstip", "-id")


def geschiedenis_url(user, obj) -> str:
    """The history page of ``obj`` for ``user``, or "" when the user may not read histories."""
    if obj is None or obj.pk is None or not mag_geschiedenis_lezen(user):
        return ""
    try:
        return reverse("geschiedenis", args=[obj._meta.label_lower, obj.pk])
    except NoReverseMatch:
        return ""


# --- presentation ----------------------------------------------------------------------------------


@dataclass
class Wijziging:
    veld: str
    oud: object
    nieuw: object


def _label(model: type[Model], naam: str) -> str:
    try:
        field = model._meta.get_field(naam)
    except FieldDoesNotExist:
        return naam
    return capfirst(getattr(field, "verbose_name", naam))


def _waarde(model: type[Model], naam: str, waarde):
    """A stored value as a reader knows it: the label of a choice, "–" for nothing."""
    if waarde is None or waarde == "":
        return "–"
    try:
        field = model._meta.get_field(naam)
    except FieldDoesNotExist:
        return waarde
    if isinstance(waarde, bool):
        return _("ja") if waarde else _("nee")
    if getattr(field, "choices", None):  # only declared choices: a foreign key's would query
        return dict(field.flatchoices).get(waarde, waarde)
    return waarde


def wijzigingen(model: type[Model], regel: AuditRegel) -> list[Wijziging]:
    oud, nieuw = regel.oud or {}, regel.nieuw or {}
    velden = list(dict.fromkeys([*nieuw, *oud]))
    return [
        Wijziging(
            veld=_label(model, v),
            oud=_waarde(model, v, oud.get(v)) if v in oud else "–",
            nieuw=_waarde(model, v, nieuw.get(v)) if v in nieuw else "–",
        )
        for v in velden
    ]


@login_required
@require_GET
def geschiedenis(request, label: str, pk: str):
    model = model_voor_label(label)
    obj = zichtbaar_object(request.user, model, pk)
    try:
        rows = _regels(request.user, obj)
    except GeenToegang:
        return render(
            request,
            "samenwerking/geschiedenis.html",
            {
                "geweigerd": _(
                    "De geschiedenis van een object is alleen zichtbaar voor beheerders van een "
                    "instelling en voor applicatiebeheerders."
                )
            },
            status=403,
        )
    pagina = Paginator(rows, PER_PAGINA).get_page(request.GET.get("pagina"))
    regels = [(r, wijzigingen(model, r)) for r in pagina.object_list]
    return render(
        request,
        "samenwerking/geschiedenis.html",
        {
            "object": obj,
            "soort": capfirst(model._meta.verbose_name),
            "pagina": pagina,
            "regels": regels,
        },
    )


# Included from config/urls.py under "geschiedenis/".
urlpatterns = [path("<str:label>/<str:pk>/", geschiedenis, name="geschiedenis")]
