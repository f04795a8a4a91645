"""The coordinator's review queue and its bulk decisions (issue 13).

The queue reads through registratie.review.selectors (scoped, fixed number of queries, no exact
COUNT over the list); a bulk decision is a BulkActie run by a Celery task, whose progress page
polls itself with htmx while the run goes on."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registratie import achtergrond
from registratie.models import BulkActie, BulkSoort, SignaalStatus
from registratie.review import overgangen, selectors, services
from samenwerking import scope

PER_PAGINA = 50


@login_required
def wachtrij(request):
    f = selectors.Filter.uit(request.GET)
    pagina = selectors.pagina(request.user, f, request.GET.get("pagina"), PER_PAGINA)
    for s in pagina.object_list:
        s.samenvatting = selectors.samenvatting(s.toelichting)
    lopend = BulkActie.objects.filter(aangevraagd_door=request.user, status__in=("gepland", "bezig")).first()
    return render(
        request,
        "registratie/signaal_lijst.html",
        {
            "pagina": pagina,
            "f": f,
            "filter_params": f.als_params(),
            "aantallen": selectors.aantallen(request.user, f),
            "statussen": SignaalStatus.choices,
            "sorteringen": selectors.SORTERINGEN,
            "soorten": BulkSoort.choices,
            "kan_beslissen": _kan_beslissen(request.user),
            "lopend": lopend,
            **selectors.filter_keuzes(request.user),
        },
    )


def _kan_beslissen(user) -> bool:
    s = scope.scope_for(user)
    return s.alles or bool(s.overeenkomsten or s.beheer)


@login_required
@require_POST
def bulk_starten(request):
    """Start a bulk decision on the ticked rows, or on every row that matches the filter (the
    filter travels in the form's hidden fields)."""
    f = selectors.Filter.uit(request.POST)
    qs = selectors.afhandelbaar(request.user, selectors.wachtrij(request.user, f))
    groep = request.POST.get("groep", "")
    if groep:
        # A group of the transitions view: its route, cohort and group key.
        qs = overgangen.groep_signalen(request.user, leerroute=f.leerroute, cohort=f.cohort, groep=groep)
    elif request.POST.get("keuze") != "filter":
        ids = [i for i in (selectors.geheel(v) for v in request.POST.getlist("ids")) if i is not None]
        qs = qs.filter(pk__in=ids)
    try:
        bulk = services.starten(
            door=request.user,
            soort=request.POST.get("soort", ""),
            signalen=qs,
            reden=request.POST.get("reden", ""),
            aan_kant=request.POST.get("aan_kant", ""),
            aan_persoon=_collega(request),
            omschrijving=request.POST.get("omschrijving", ""),
        )
    except services.AlBezig as exc:
        messages.warning(request, exc.messages[0])
        return redirect("registratie:bulk", pk=exc.bulk.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_terug(request))
    return redirect("registratie:bulk", pk=bulk.pk)


def _collega(request):
    """The colleague chosen in the bulk form, among those the user's signals can go to (else None)."""
    pk = selectors.geheel(request.POST.get("aan_persoon"))
    if pk is None:
        return None
    return selectors.collegas(request.user).filter(pk=pk).first()


def _terug(request) -> str:
    from django.urls import reverse
    from django.utils.http import urlencode

    f = selectors.Filter.uit(request.POST)
    return reverse("registratie:signalen") + "?" + urlencode(f.als_params())


@login_required
def bulk_voortgang(request, pk):
    """The run's progress; htmx asks for the bar alone every second while it runs."""
    bulk = get_object_or_404(BulkActie.objects.filter(aangevraagd_door=request.user), pk=pk)
    services.afgebroken_sluiten(bulk)
    if request.htmx:
        return render(request, "registratie/_bulk_voortgang.html", {"bulk": bulk})
    return render(request, "registratie/bulk.html", {"bulk": bulk, "titel": _("Bulkbeslissing")})


@login_required
@require_POST
def bulk_annuleren(request, pk):
    """Cancel a run still in the queue (its task may never come: registratie.achtergrond)."""
    bulk = get_object_or_404(BulkActie.objects.filter(aangevraagd_door=request.user), pk=pk)
    achtergrond.annuleren_melden(request, services.annuleren(bulk, door=request.user))
    return redirect("registratie:bulk", pk=bulk.pk)


@login_required
def overgangen_lijst(request):
    """The year's transitions per route and cohort, with an action per group."""
    leerroute = selectors.geheel(request.GET.get("leerroute"))
    if overgangen.moet_route_kiezen(request.user, leerroute):
        return render(
            request,
            "registratie/overgangen.html",
            {"routes": overgangen.routes_met_voorstellen(request.user), "route_kiezen": True},
        )
    return render(
        request,
        "registratie/overgangen.html",
        {
            "groepen": overgangen.per_route_en_cohort(request.user, leerroute),
            "kan_beslissen": _kan_beslissen(request.user),
            "alle_routes": leerroute is not None and scope.scope_for(request.user).alles,
        },
    )
