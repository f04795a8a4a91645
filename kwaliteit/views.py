"""Screens: a route in preparation and its step plan, the yearly evaluations side by side, and the
inspection dossier (screen and PDF).

Objects outside the user's scope answer 404; a visible route that the user may not edit answers
403 on a write. Writes go through kwaliteit.services; a broken rule lands beside its field."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kwaliteit import cijfers, dossier, pdf, selectors, services
from kwaliteit.forms import DocumentForm, EvaluatieBijwerkenForm, EvaluatieForm, RouteNieuwForm, StapForm
from kwaliteit.models import Evaluatie, Stap, StapCode, StapDocument
from leerroute.models import Leerroute
from registratie import fase
from samenwerking import scope
from samenwerking.models import Kanaal


def _route(request, pk) -> Leerroute:
    return get_object_or_404(selectors.routes_voor(request.user).select_related("overeenkomst"), pk=pk)


def _eis_bewerken(request, route: Leerroute) -> None:
    if not selectors.mag_bewerken(request.user, route):
        raise PermissionDenied(
            _("Alleen de beheerders van beide scholen en de coördinator van de overeenkomst bewerken dit.")
        )


def _form_fout(form, exc: ValidationError) -> None:
    """A service's rule error beside its field (or above the form when the form has no such field)."""
    if hasattr(exc, "error_dict"):
        for veld, fouten in exc.error_dict.items():
            form.add_error(veld if veld in form.fields else None, fouten)
    else:
        form.add_error(None, exc)


def _schrijf(request, form, schrijf, melding: str) -> bool:
    """Run a service on a valid form; a broken rule lands beside its field, what was typed stays.
    True when saved (with ``melding`` shown on the next page)."""
    if not form.is_valid():
        return False
    try:
        schrijf(form)
    except ValidationError as exc:
        _form_fout(form, exc)
        return False
    messages.success(request, melding)
    return True


# --- a route in preparation -----------------------------------------------------------------------


@login_required
def route_nieuw(request):
    overeenkomsten = selectors.overeenkomsten_voor_nieuwe_route(request.user)
    if not overeenkomsten.exists():
        raise PermissionDenied(_("U kunt geen route in voorbereiding starten."))
    form = RouteNieuwForm(request.POST or None, overeenkomsten=overeenkomsten)
    if request.method == "POST" and _schrijf(
        request,
        form,
        lambda f: services.route_in_voorbereiding(route=f.instance, door=request.user, kanaal=Kanaal.UI),
        _("De route is aangemaakt, in voorbereiding, met het stappenplan."),
    ):
        return redirect("kwaliteit:stappenplan", pk=form.instance.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "kwaliteit/route_nieuw.html", {"form": form}, status=status)


@login_required
def stappenplan(request, pk):
    route = _route(request, pk)
    stappen = list(selectors.stappen(route))
    gereed = sum(s.status == "gereed" for s in stappen)
    return render(
        request,
        "kwaliteit/stappenplan.html",
        {
            "route": route,
            "stappen": stappen,
            "gereed": gereed,
            "mag_bewerken": selectors.mag_bewerken(request.user, route),
            "uitvoering": StapCode.UITVOERING_CONCREET,
            "formaliseer": StapCode.FORMALISEER_AFSPRAKEN,
            "programma": StapCode.ONDERWIJSPROGRAMMA,
            # Seed 003: the agreement's required contents and the programme per leerjaar.
            "ontbrekend": route.overeenkomst.ontbrekende_onderdelen(),
            "programma_jaren": list(route.programma.values_list("routejaar", flat=True)),
        },
    )


def _stap(request, pk) -> Stap:
    return get_object_or_404(
        Stap.objects.for_user(request.user, scope.VIEW).select_related("leerroute__overeenkomst"), pk=pk
    )


def _stap_pagina(request, stap, form=None, document_form=None, status=200):
    mag = selectors.mag_bewerken(request.user, stap.leerroute)
    return render(
        request,
        "kwaliteit/stap.html",
        {
            "stap": stap,
            "route": stap.leerroute,
            "form": form or StapForm(instance=stap),
            "document_form": document_form or DocumentForm(),
            "documenten": stap.documenten.select_related("toegevoegd_door"),
            "mag_bewerken": mag,
            "uitvoering": stap.code == StapCode.UITVOERING_CONCREET,
        },
        status=status,
    )


@login_required
def stap(request, pk):
    stap = _stap(request, pk)
    if request.method != "POST":
        return _stap_pagina(request, stap)
    _eis_bewerken(request, stap.leerroute)
    form = StapForm(request.POST, instance=stap)
    if _schrijf(
        request,
        form,
        lambda f: services.stap_opslaan(stap=f.instance, door=request.user, kanaal=Kanaal.UI),
        _("De stap '%(s)s' is opgeslagen.") % {"s": stap.get_code_display()},
    ):
        return redirect("kwaliteit:stappenplan", pk=stap.leerroute_id)
    return _stap_pagina(request, stap, form=form, status=400)


@login_required
@require_POST
def stap_document(request, pk):
    stap = _stap(request, pk)
    _eis_bewerken(request, stap.leerroute)
    form = DocumentForm(
        request.POST, request.FILES, instance=StapDocument(stap=stap, toegevoegd_door=request.user)
    )
    if _schrijf(
        request,
        form,
        lambda f: services.document_toevoegen(
            stap=stap, bestand=f.cleaned_data["bestand"], door=request.user, kanaal=Kanaal.UI
        ),
        _("Het document is toegevoegd."),
    ):
        return redirect("kwaliteit:stap", pk=stap.pk)
    return _stap_pagina(request, stap, document_form=form, status=400)


@login_required
def document(request, pk):
    doc = get_object_or_404(StapDocument.objects.for_user(request.user, scope.VIEW), pk=pk)
    return FileResponse(doc.bestand.open("rb"), as_attachment=True, filename=doc.naam)


@login_required
@require_POST
def route_activeren(request, pk):
    route = _route(request, pk)
    _eis_bewerken(request, route)
    try:
        services.route_activeren(route=route, door=request.user, kanaal=Kanaal.UI)
    except ValidationError as exc:
        for fout in exc.messages:
            messages.error(request, fout)
    else:
        messages.success(request, _("De route is actief en kan leerlingen aannemen."))
    return redirect("kwaliteit:stappenplan", pk=route.pk)


# --- evaluations (R-MON-2) --------------------------------------------------------------------------


def _evaluaties_pagina(request, route, form=None, status=200):
    evaluaties = list(selectors.evaluaties(route))
    mag = selectors.mag_bewerken(request.user, route)
    if form is None and mag:
        form = EvaluatieForm(
            initial={
                "schooljaar": fase.schooljaar(timezone.localdate()),
                "doelen": selectors.doelen_uit_stappenplan(route),
            }
        )
    return render(
        request,
        "kwaliteit/evaluaties.html",
        {
            "route": route,
            "evaluaties": evaluaties,
            "vergelijking": [
                (str(label), [cijfers.totalen(e.cijfers)[k] for e in evaluaties])
                for k, label in cijfers.LABELS.items()
                if k in cijfers.SOMMEN
            ],
            "form": form if mag else None,
        },
        status=status,
    )


@login_required
def evaluaties(request, pk):
    route = _route(request, pk)
    if request.method != "POST":
        return _evaluaties_pagina(request, route)
    _eis_bewerken(request, route)
    form = EvaluatieForm(request.POST, instance=Evaluatie(leerroute=route, peildatum=timezone.localdate()))
    if _schrijf(
        request,
        form,
        lambda f: services.evaluatie_vastleggen(evaluatie=f.instance, door=request.user, kanaal=Kanaal.UI),
        _("De evaluatie is vastgelegd, met de cijfers van dat moment."),
    ):
        return redirect("kwaliteit:evaluaties", pk=route.pk)
    return _evaluaties_pagina(request, route, form=form, status=400)


@login_required
def evaluatie(request, pk):
    evaluatie = get_object_or_404(
        Evaluatie.objects.for_user(request.user, scope.VIEW).select_related("leerroute"), pk=pk
    )
    form = EvaluatieBijwerkenForm(request.POST or None, instance=evaluatie)
    if request.method == "POST":
        _eis_bewerken(request, evaluatie.leerroute)
        if _schrijf(
            request,
            form,
            lambda f: services.evaluatie_bijwerken(evaluatie=f.instance, door=request.user, kanaal=Kanaal.UI),
            _("De evaluatie is bijgewerkt."),
        ):
            return redirect("kwaliteit:evaluaties", pk=evaluatie.leerroute_id)
    return render(
        request,
        "kwaliteit/evaluatie.html",
        {
            "evaluatie": evaluatie,
            "form": form,
            "regels": cijfers.regels(evaluatie.cijfers),
            "mag_bewerken": selectors.mag_bewerken(request.user, evaluatie.leerroute),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- the inspection dossier (R-MON-1) ----------------------------------------------------------------


@login_required
def dossier_scherm(request, pk):
    route = _route(request, pk)
    return render(
        request,
        "kwaliteit/dossier.html",
        {"d": dossier.samenstellen(request.user, route), "standaarden": dossier.STANDAARDEN},
    )


@login_required
def dossier_pdf(request, pk):
    route = _route(request, pk)
    d = dossier.samenstellen(request.user, route)
    response = HttpResponse(pdf.als_pdf(d), content_type="application/pdf")
    naam = f"inspectiedossier-{slugify(route.naam)}-{d.peildatum.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{naam}"'
    return response
