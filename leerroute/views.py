"""The route screens (issue 12, item 3): the list, and per route its type, leerweg, qualification
with niveau, vestigingen, RIO status, and the combined PTA/OER per leerjaar as an editable table
(R-LR-7). Writes go through samenwerking.services / leerroute.services with channel UI."""

from __future__ import annotations

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from leerroute import services as route_services
from leerroute.forms import RouteForm, programma_formsets
from leerroute.models import Leerroute
from registratie.schermen_forms import fouten_bij_velden
from samenwerking import scope
from samenwerking.models import Kanaal
from samenwerking.services import opslaan
from samenwerking.tabel import Tabel, instellen


class RouteTabel(Tabel):
    """The routes in scope: tens, so every column sorts (the key breaks ties)."""

    caption = gettext_lazy("Leerroutes")

    naam = tables.Column(
        verbose_name=gettext_lazy("Route"),
        linkify=("leerroutes:detail", [tables.A("pk")]),
        order_by=("naam", "id"),
    )
    soort = tables.Column(
        verbose_name=gettext_lazy("Soort / leerweg"), order_by=("soort", "leerweg", "naam", "id")
    )
    kwalificatie = tables.Column(
        verbose_name=gettext_lazy("Kwalificatie"), order_by=("kwalificatie__crebo", "naam", "id")
    )
    overeenkomst = tables.Column(
        accessor="overeenkomst__naam",
        verbose_name=gettext_lazy("Overeenkomst"),
        order_by=("overeenkomst__naam", "id"),
    )
    rio_status = tables.Column(verbose_name=gettext_lazy("RIO"), order_by=("rio_status", "naam", "id"))
    status = tables.Column(verbose_name=gettext_lazy("Status"), order_by=("status", "naam", "id"))

    class Meta(Tabel.Meta):
        empty_text = gettext_lazy("Geen leerroutes.")

    def render_soort(self, record):
        return f"{record.soort} / {record.leerweg}"

    def render_kwalificatie(self, value):
        k = value
        return f"{k.crebo} {k.naam} ({gettext_lazy('niveau')} {k.niveau})"


@login_required
def lijst(request):
    if not scope.scope_for(request.user).heeft_rol:
        raise PermissionDenied
    qs = (
        Leerroute.objects.for_user(request.user)
        .select_related("kwalificatie", "overeenkomst")
        .order_by("naam", "id")
    )
    return render(request, "leerroute/lijst.html", {"tabel": instellen(request, RouteTabel(qs))})


def _route(request, pk) -> Leerroute:
    qs = Leerroute.objects.for_user(request.user).select_related(
        "kwalificatie", "overeenkomst__vo_instelling", "overeenkomst__mbo_instelling"
    )
    return get_object_or_404(qs, pk=pk)


def _mag_wijzigen(request, route) -> bool:
    return Leerroute.objects.for_user(request.user, scope.CHANGE).filter(pk=route.pk).exists()


def _pagina(request, route, *, form=None, jaren=None, onderdelen=None, status=200):
    mag = _mag_wijzigen(request, route)
    if jaren is None:
        jaren, onderdelen = programma_formsets(route)
    context = {
        "route": route,
        "mag_wijzigen": mag,
        "form": form or (RouteForm(instance=route) if mag else None),
        "jaren": jaren,
        "onderdelen": onderdelen,
    }
    return render(request, "leerroute/detail.html", context, status=status)


@login_required
def detail(request, pk):
    route = _route(request, pk)
    if request.method != "POST":
        return _pagina(request, route)
    if not _mag_wijzigen(request, route):
        raise PermissionDenied(_("Alleen de beheerders van de twee scholen wijzigen de route."))
    form = RouteForm(request.POST, instance=route)
    if form.is_valid():
        try:
            opslaan(form.instance, door=request.user, kanaal=Kanaal.UI)
        except ValidationError as exc:  # beside its field: the qualification is typed as crebo
            fouten_bij_velden(form, exc, {"kwalificatie": "crebo"})
        else:
            messages.success(request, _("De route is opgeslagen."))
            return redirect("leerroutes:detail", pk=route.pk)
    return _pagina(request, _route(request, pk), form=form, status=400)


@login_required
@require_POST
def programma(request, pk):
    """R-LR-7: the PTA/OER table, saved in one step."""
    route = _route(request, pk)
    if not _mag_wijzigen(request, route):
        raise PermissionDenied(_("Alleen de beheerders van de twee scholen wijzigen het programma."))
    jaren, onderdelen = programma_formsets(route, request.POST)
    if jaren.is_valid() and onderdelen.is_valid():
        try:
            route_services.programma_opslaan(
                route=route,
                jaren={
                    f.cleaned_data["routejaar"]: f.cleaned_data["beschrijving"].strip()
                    for f in jaren
                    if f.cleaned_data.get("beschrijving", "").strip()
                },
                onderdelen=[f.cleaned_data for f in onderdelen if f.cleaned_data.get("naam")],
                door=request.user,
                kanaal=Kanaal.UI,
            )
        except ValidationError as exc:
            _fout_bij_rij(onderdelen, exc)
        else:
            messages.success(request, _("Het programma per leerjaar is opgeslagen."))
            return redirect("leerroutes:detail", pk=route.pk)
    return _pagina(request, route, jaren=jaren, onderdelen=onderdelen, status=400)


def _fout_bij_rij(onderdelen, exc: ValidationError) -> None:
    """A part whose leerjaar has no description: the message goes beside that row."""
    rijen = [f for f in onderdelen if f.cleaned_data.get("naam")]
    for sleutel, fouten in exc.message_dict.items():
        index = int(sleutel.rsplit("-", 1)[1]) if sleutel.startswith("onderdeel-") else 0
        rijen[min(index, len(rijen) - 1)].add_error("routejaar", fouten)
