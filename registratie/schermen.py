"""The school administrator's screens (issue 12): intake at the vo-school, the mbo worklist, the
dual list with its CSV, and ending/recording on the student page.

Every list goes through ``for_user`` and pages without a total; every write goes through a
service (registratie.intake, registratie.services) with channel UI, and a broken rule comes back
beside its field with its rule id, keeping what was typed.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from registratie import dubbel, intake, services, views
from registratie.models import Leerling
from registratie.rod import teldata
from registratie.schermen_forms import (
    BeeindigenForm,
    MboAanvullenForm,
    MboSamenForm,
    VoAanmeldenForm,
    VoDatumForm,
    fouten_bij_velden,
)
from samenwerking import scope
from samenwerking.models import Kanaal
from samenwerking.paginering import pagineer

PER_PAGINA = 50


def _beheerder(user) -> None:
    """The intake screens are for the beheerders of a school (and the applicatiebeheerder)."""
    s = scope.scope_for(user)
    if not (s.alles or s.beheer):
        raise PermissionDenied(_("Alleen de beheerder van een school schrijft leerlingen in."))


# --- intake at the vo-school ------------------------------------------------------------------------


@login_required
def vo_aanmelden(request):
    """ "Leerling aanmelden voor een route": one screen, one save (R-INS-2)."""
    _beheerder(request.user)
    form = VoAanmeldenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        inschrijving = _aanmelden(request, form)
        if inschrijving is not None:
            messages.success(
                request,
                _("%(l)s is aangemeld voor %(r)s.")
                % {"l": inschrijving.leerling, "r": inschrijving.leerroute.naam},
            )
            return redirect("registratie:leerling", pk=inschrijving.leerling_id)
    status = 400 if form.errors else 200
    response = render(request, "registratie/vo_aanmelden.html", {"form": form}, status=status)
    response["Cache-Control"] = "no-store"  # a form sent back holds the typed number
    return response


def _aanmelden(request, form):
    d = form.cleaned_data
    nummer = d["nummer"].strip()
    leerling = Leerling.objects.for_user(request.user, scope.CHANGE).met_nummer(nummer).first()
    if leerling is None:
        leerling = _nieuwe_leerling(form, nummer)
        if leerling is None:
            return None
    try:
        return intake.vo_aanmelden(
            leerling=leerling,
            leerroute=d["leerroute"],
            vestiging=d["vestiging"],
            inschrijvingsvolgnummer=d["inschrijvingsvolgnummer"],
            startdatum=d["startdatum"],
            leerjaar=d["leerjaar"],
            door=request.user,
            kanaal=Kanaal.UI,
        )
    except ValidationError as exc:
        fouten_bij_velden(form, exc, {"bsn": "nummer", "onderwijsnummer": "nummer"})
        return None


def _nieuwe_leerling(form, nummer: str) -> Leerling | None:
    """A student not yet known to this school: the name and birth date are then required."""
    d = form.cleaned_data
    ontbreekt = [v for v in ("achternaam", "geboortedatum") if not d.get(v)]
    for veld in ontbreekt:
        form.add_error(veld, _("Nieuwe leerling: vul dit in (geen leerling met dit nummer gevonden)."))
    if ontbreekt:
        return None
    soort = "onderwijsnummer" if nummer.startswith("10") else "bsn"
    return Leerling(
        achternaam=d["achternaam"],
        voornamen=d.get("voornamen", ""),
        geboortedatum=d["geboortedatum"],
        **{soort: nummer},
    )


# --- the mbo worklist -------------------------------------------------------------------------------


@login_required
def werklijst_mbo(request):
    """R-INS-3: route students without an mbo-inschrijving yet, soonest mbo-fase first."""
    _beheerder(request.user)
    qs = dubbel.werklijst_mbo(request.user)
    pagina = pagineer(qs, request.GET.get("pagina"), PER_PAGINA)
    return render(request, "registratie/werklijst_mbo.html", {"pagina": pagina, "samen_form": None})


def _vo_in_werklijst(request, pk):
    return get_object_or_404(dubbel.werklijst_mbo(request.user), pk=pk)


@login_required
def mbo_aanvullen(request, pk):
    """One step per student: the mbo side from the route (an inline htmx form in the worklist)."""
    _beheerder(request.user)
    vo = _vo_in_werklijst(request, pk)
    start = intake.fase.mbo_fase_start(vo.startdatum, vo.leerjaar)
    form = MboAanvullenForm(request.POST or None, vo=vo, initial={"startdatum": start, "leervorm": "BOL"})
    if request.method == "POST" and form.is_valid():
        try:
            intake.mbo_aanvullen(vo=vo, door=request.user, kanaal=Kanaal.UI, **form.cleaned_data)
        except ValidationError as exc:
            fouten_bij_velden(form, exc)
        else:
            messages.success(request, _("De mbo-inschrijving van %(l)s is vastgelegd.") % {"l": vo.leerling})
            if request.htmx:  # the whole worklist again, without this student
                return HttpResponseClientRedirect(reverse("registratie:werklijst-mbo"))
            return redirect("registratie:werklijst-mbo")
    sjabloon = "registratie/_mbo_aanvullen.html" if request.htmx else "registratie/mbo_aanvullen.html"
    # htmx swaps only a 2xx answer: the inline form with its errors comes back as 200.
    status = 400 if form.errors and not request.htmx else 200
    return render(request, sjabloon, {"vo": vo, "form": form}, status=status)


@login_required
@require_POST
def mbo_samen(request):
    """The selected rows of the worklist completed together, all or nothing."""
    _beheerder(request.user)
    werklijst = dubbel.werklijst_mbo(request.user)
    form = MboSamenForm(request.POST, werklijst=werklijst)
    if form.is_valid():
        try:
            gemaakt = intake.mbo_aanvullen_samen(
                vo_lijst=list(form.cleaned_data["gekozen"]),
                voorvoegsel=form.cleaned_data["voorvoegsel"],
                leervorm=form.cleaned_data["leervorm"],
                door=request.user,
                kanaal=Kanaal.UI,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(n)s mbo-inschrijving(en) vastgelegd.") % {"n": len(gemaakt)})
            return redirect("registratie:werklijst-mbo")
    pagina = pagineer(werklijst, 1, PER_PAGINA)
    return render(
        request, "registratie/werklijst_mbo.html", {"pagina": pagina, "samen_form": form}, status=400
    )


# --- the dual list ----------------------------------------------------------------------------------


def _dubbel_gefilterd(request):
    return dubbel.DubbeleLijstFilter(
        request.GET or None, queryset=dubbel.dubbele_lijst(request.user), user=request.user
    )


@login_required
def dubbele_lijst(request):
    if not scope.scope_for(request.user).heeft_rol:
        raise PermissionDenied
    filter_ = _dubbel_gefilterd(request)
    pagina = pagineer(filter_.qs, request.GET.get("pagina"), PER_PAGINA)
    return render(request, "registratie/dubbele_lijst.html", {"filter": filter_, "pagina": pagina})


class _Echo:
    def write(self, value):
        return value


CSV_KOPPEN = (
    "leerling",
    "leerroute",
    "cohort",
    "vo_instelling",
    "vo_fase",
    "vo_kenmerk",
    "vo_start",
    "vo_einde",
    "mbo_instelling",
    "mbo_fase",
    "mbo_kenmerk",
    "mbo_start",
    "mbo_einde",
    "afwijking",
)


def _csv_rij(i) -> list:
    return [
        str(i.leerling),
        i.leerroute.naam,
        i.cohort,
        i.instelling.naam,
        i.fase,
        i.opleidingskenmerk,
        i.startdatum,
        i.einddatum or "",
        i.mbo_instelling_naam or "",
        i.mbo_fase or "",
        i.mbo_opleidingskenmerk or "",
        i.mbo_startdatum or "",
        i.mbo_einddatum or "",
        i.afwijking,
    ]


@login_required
def dubbele_lijst_csv(request):
    """What the dual list's filters select, as CSV, streamed (no BSN: names and masks only)."""
    if not scope.scope_for(request.user).heeft_rol:
        raise PermissionDenied
    rijen = _dubbel_gefilterd(request).qs.iterator(chunk_size=2000)
    schrijver = csv.writer(_Echo(), delimiter=";")
    inhoud = (schrijver.writerow(r) for r in _met_kop(rijen))
    response = StreamingHttpResponse(inhoud, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dubbele-lijst.csv"'
    return response


def _met_kop(rijen):
    yield CSV_KOPPEN
    for i in rijen:
        yield _csv_rij(i)


# --- ending and recording on the student page -------------------------------------------------------


def leerling_formulieren(request, leerling, **gebonden) -> dict:
    """The small forms of the student page, unbound unless one came back with errors."""
    vormen = {
        "einde_form": lambda: BeeindigenForm(user=request.user, leerling=leerling, prefix="einde"),
        "diploma_form": lambda: VoDatumForm(user=request.user, leerling=leerling, prefix="diploma"),
        "afgerond_form": lambda: VoDatumForm(user=request.user, leerling=leerling, prefix="afgerond"),
    }
    return {naam: gebonden.get(naam) or maak() for naam, maak in vormen.items()}


# A model field's error goes beside the form field that sets it.
MODELVELD_NAAR_FORMULIER = {
    "reden_einde": "reden",
    "vmbo_diploma_datum": "datum",
    "vo_activiteiten_afgerond_op": "datum",
}


def _leerling_actie(request, pk, naam, form_klasse, uitvoeren, succes):
    leerling = views._leerling(request, pk)
    form = form_klasse(request.POST, user=request.user, leerling=leerling, prefix=naam.split("_")[0])
    if not form.fields["inschrijving"].queryset.exists():
        raise PermissionDenied(_("U kunt bij deze leerling geen inschrijving wijzigen."))
    if form.is_valid():
        try:
            uitvoeren(form.cleaned_data)
        except ValidationError as exc:
            fouten_bij_velden(form, exc, MODELVELD_NAAR_FORMULIER)
        else:
            messages.success(request, succes)
            return redirect("registratie:leerling", pk=leerling.pk)
    context = views._leerling_context(request, leerling) | leerling_formulieren(
        request, leerling, **{naam: form}
    )
    return render(request, "registratie/leerling_detail.html", context, status=400)


def _beeindigen(d: dict, user):
    # A reason given is the correction reason of a change after a ROD count date's deadline.
    with teldata.correctie(d.get("correctiereden", "")):
        return services.inschrijving_beeindigen(
            inschrijving=d["inschrijving"],
            einddatum=d["einddatum"],
            reden=d["reden"],
            door=user,
            kanaal=Kanaal.UI,
        )


@login_required
@require_POST
def inschrijving_beeindigen(request, pk):
    return _leerling_actie(
        request,
        pk,
        "einde_form",
        BeeindigenForm,
        lambda d: _beeindigen(d, request.user),
        _("De inschrijving is beëindigd."),
    )


@login_required
@require_POST
def vmbo_diploma(request, pk):
    return _leerling_actie(
        request,
        pk,
        "diploma_form",
        VoDatumForm,
        lambda d: intake.vmbo_diploma_vastleggen(
            inschrijving=d["inschrijving"], datum=d["datum"], door=request.user, kanaal=Kanaal.UI
        ),
        _("De datum van het vmbo-diploma is vastgelegd."),
    )


@login_required
@require_POST
def vo_afgerond(request, pk):
    return _leerling_actie(
        request,
        pk,
        "afgerond_form",
        VoDatumForm,
        lambda d: intake.vo_activiteiten_afgerond(
            inschrijving=d["inschrijving"], datum=d["datum"], door=request.user, kanaal=Kanaal.UI
        ),
        _("Vastgelegd dat alle vo-activiteiten zijn afgerond."),
    )
