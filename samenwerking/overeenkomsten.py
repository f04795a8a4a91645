"""The agreement screens (issue 12, item 2): list, a short guided form to start one, the R-SOK-2
checklist with what is missing, "activeren" (refused with the missing elements named), its routes
and its history. Writes go through samenwerking.services (atomic, audited, channel UI)."""

from __future__ import annotations

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from leerroute.models import Leerroute
from samenwerking import scope, services
from samenwerking.forms import OnderdelenForm, OvereenkomstNieuwForm
from samenwerking.models import VERPLICHTE_ONDERDELEN, Kanaal, Samenwerkingsovereenkomst
from samenwerking.tabel import Tabel, instellen

app_name = "overeenkomsten"


class OvereenkomstTabel(Tabel):
    """The agreements in scope: tens, so every column sorts (the key breaks ties)."""

    caption = gettext_lazy("Samenwerkingsovereenkomsten en interne regelingen")

    naam = tables.Column(
        verbose_name=gettext_lazy("Naam"),
        linkify=("overeenkomsten:detail", [tables.A("pk")]),
        order_by=("naam", "id"),
    )
    soort = tables.Column(verbose_name=gettext_lazy("Soort"), order_by=("soort", "onderwerp", "naam", "id"))
    vo_instelling = tables.Column(
        accessor="vo_instelling__naam",
        verbose_name=gettext_lazy("vo-school"),
        order_by=("vo_instelling__naam", "id"),
    )
    mbo_instelling = tables.Column(
        accessor="mbo_instelling__naam",
        verbose_name=gettext_lazy("mbo-instelling"),
        order_by=("mbo_instelling__naam", "id"),
    )
    status = tables.Column(verbose_name=gettext_lazy("Status"), order_by=("status", "naam", "id"))

    class Meta(Tabel.Meta):
        empty_text = gettext_lazy("Geen overeenkomsten.")

    def render_soort(self, record):
        return f"{record.get_soort_display()} ({record.get_onderwerp_display()})"


def _fouten_bij_velden(form, exc: ValidationError) -> None:
    from registratie.schermen_forms import fouten_bij_velden

    fouten_bij_velden(form, exc)


@login_required
def lijst(request):
    if not scope.scope_for(request.user).heeft_rol:
        raise PermissionDenied
    qs = Samenwerkingsovereenkomst.objects.for_user(request.user).select_related(
        "vo_instelling", "mbo_instelling"
    )
    tabel = instellen(request, OvereenkomstTabel(qs.order_by("naam", "id")))
    s = scope.scope_for(request.user)
    mag_nieuw = s.alles or bool(s.beheer)
    return render(request, "samenwerking/overeenkomst_lijst.html", {"tabel": tabel, "mag_nieuw": mag_nieuw})


@login_required
def nieuw(request):
    s = scope.scope_for(request.user)
    if not (s.alles or s.beheer):
        raise PermissionDenied(_("Alleen de beheerder van een school legt een overeenkomst vast."))
    form = OvereenkomstNieuwForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.instance.soort = form.cleaned_data["soort"]
        try:
            o = services.opslaan(form.instance, door=request.user, kanaal=Kanaal.UI)
        except ValidationError as exc:
            _fouten_bij_velden(form, exc)
        else:
            messages.success(request, _("De overeenkomst is als concept vastgelegd; vul de onderdelen aan."))
            return redirect("overeenkomsten:detail", pk=o.pk)
    return render(
        request, "samenwerking/overeenkomst_nieuw.html", {"form": form}, status=400 if form.errors else 200
    )


def _checklist(o: Samenwerkingsovereenkomst) -> list[tuple[str, bool, str]]:
    """(element, present, rule) for every element the agreement must record."""
    rijen = [
        (str(o._meta.get_field(v).verbose_name), bool(getattr(o, v).strip()), "R-SOK-2")
        for v in VERPLICHTE_ONDERDELEN
    ]
    rijen.append(
        (str(o._meta.get_field("dekt_volledige_route").verbose_name), o.dekt_volledige_route, "R-SOK-4")
    )
    return rijen


@login_required
def detail(request, pk, form=None):
    o = get_object_or_404(
        Samenwerkingsovereenkomst.objects.for_user(request.user).select_related(
            "vo_instelling", "mbo_instelling"
        ),
        pk=pk,
    )
    mag_wijzigen = (
        Samenwerkingsovereenkomst.objects.for_user(request.user, scope.CHANGE).filter(pk=o.pk).exists()
    )
    context = {
        "o": o,
        "checklist": _checklist(o),
        "ontbreekt": o.ontbrekende_onderdelen() + ([] if o.dekt_volledige_route else ["dekt de hele route"]),
        "routes": Leerroute.objects.for_user(request.user).filter(overeenkomst=o).order_by("naam"),
        "mag_wijzigen": mag_wijzigen,
        "form": form or (OnderdelenForm(instance=o) if mag_wijzigen else None),
    }
    return render(request, "samenwerking/overeenkomst_detail.html", context, status=400 if form else 200)


def _te_wijzigen(request, pk) -> Samenwerkingsovereenkomst:
    get_object_or_404(Samenwerkingsovereenkomst.objects.for_user(request.user), pk=pk)
    o = Samenwerkingsovereenkomst.objects.for_user(request.user, scope.CHANGE).filter(pk=pk).first()
    if o is None:
        raise PermissionDenied(_("Alleen de beheerders van de twee scholen wijzigen de overeenkomst."))
    return o


@login_required
@require_POST
def onderdelen(request, pk):
    o = _te_wijzigen(request, pk)
    form = OnderdelenForm(request.POST, instance=o)
    if form.is_valid():
        try:
            services.opslaan(form.instance, door=request.user, kanaal=Kanaal.UI)
        except ValidationError as exc:
            _fouten_bij_velden(form, exc)
        else:
            messages.success(request, _("De onderdelen zijn opgeslagen."))
            return redirect("overeenkomsten:detail", pk=o.pk)
    return detail(request, pk, form=form)


@login_required
@require_POST
def activeren(request, pk):
    """R-SOK-2 / R-SOK-4: refused, with the missing elements named, while one is missing."""
    o = _te_wijzigen(request, pk)
    try:
        services.overeenkomst_activeren(overeenkomst=o, door=request.user, kanaal=Kanaal.UI)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("De overeenkomst is actief."))
    return redirect("overeenkomsten:detail", pk=pk)


urlpatterns = [
    path("", lijst, name="lijst"),
    path("nieuw/", nieuw, name="nieuw"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/onderdelen/", onderdelen, name="onderdelen"),
    path("<int:pk>/activeren/", activeren, name="activeren"),
]
