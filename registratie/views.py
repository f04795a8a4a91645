"""Screens: the coordinator's review of signals, the student's situation, uitstroom, monitoring.

Every object goes through its scope (``for_user``): outside it a page answers 404. Writes go
through registratie.services; a broken rule comes back as a message naming it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registratie import checks_afhankelijk, fase, selectors, services
from registratie.forms import (
    AfwijzenForm,
    CorrectieForm,
    DatumForm,
    NummerZoekenForm,
    OverdragenForm,
    SignaalUitstroomForm,
    UitstroomForm,
)
from registratie.models import Inschrijving, Leerling, Uitstroom
from registratie.review import monitoring as mon
from registratie.rod import teldata
from samenwerking import scope
from samenwerking.identifiers import is_persoonsnummer
from samenwerking.models import Kanaal
from samenwerking.paginering import pagineer

PER_PAGINA = 50


def _fouten(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- signals ---------------------------------------------------------------------------------------


def _signaal(request, pk):
    return get_object_or_404(selectors.signalen_voor(request.user, status=""), pk=pk)


@login_required
def signaal_detail(request, pk):
    signaal = _signaal(request, pk)
    inschrijvingen = (
        Inschrijving.objects.for_user(request.user)
        .filter(leerling_id=signaal.leerling_id)
        .select_related("leerroute", "instelling")
        .order_by("leerroute__naam", "sector", "startdatum")
        if signaal.leerling_id
        else Inschrijving.objects.none()
    )
    open_ = signaal.status in selectors.SIGNAAL_OPEN
    return render(
        request,
        "registratie/signaal_detail.html",
        {
            "signaal": signaal,
            "inschrijvingen": inschrijvingen,
            "mag_afhandelen": open_ and selectors.mag_signaal_afhandelen(request.user, signaal),
            "is_voorstel": signaal.voorgestelde_datum is not None,
            "is_half_geregistreerd": checks_afhankelijk.is_half_geregistreerd(signaal),
            "kan_overdragen": signaal.overeenkomst_id is not None and signaal.bron != "rod",
            "uitstroom_form": SignaalUitstroomForm(),
            "heropenen_form": CorrectieForm(prefix="heropenen"),
            "afwijzen_form": AfwijzenForm(),
            "overdragen_form": OverdragenForm(signaal=signaal),
        },
    )


def _signaal_voor_actie(request, pk):
    """Visible (else 404) and the user's to handle (else 403)."""
    signaal = _signaal(request, pk)
    if not selectors.mag_signaal_afhandelen(request.user, signaal):
        raise PermissionDenied(
            _(
                "Dit signaal handelt de coördinator van de overeenkomst af; een ROD-signaal de "
                "beheerder van de instelling die leverde."
            )
        )
    return signaal


def _uitvoeren(request, signaal, actie, succes):
    """Run one action on a signal; a broken rule comes back as a message naming it. ``succes``
    is the message, or makes it from the action's result."""
    try:
        resultaat = actie()
    except ValidationError as exc:
        messages.error(request, _fouten(exc))
    else:
        messages.success(request, succes(resultaat) if callable(succes) else succes)
    return redirect("registratie:signaal", pk=signaal.pk)


def _met_correctiereden(gegevens: dict, actie):
    """Run ``actie`` on the form's data without the ROD correction reason, with that reason given
    for a change after a count date's deadline (registratie.rod.teldata)."""
    with teldata.correctie_uit(gegevens) as rest:
        return actie(rest)


def _ongeldig(request, signaal, melding: str):
    messages.error(request, melding)
    return redirect("registratie:signaal", pk=signaal.pk)


@login_required
@require_POST
def signaal_toepassen(request, pk):
    signaal = _signaal_voor_actie(request, pk)
    return _uitvoeren(
        request,
        signaal,
        lambda: services.signaal_toepassen(signaal=signaal, door=request.user, kanaal=Kanaal.UI),
        lambda wissels: (
            _("%(n)s inschrijving(en) per %(datum)s naar de mbo-fase.")
            % {"n": len(wissels), "datum": signaal.voorgestelde_datum.strftime("%d-%m-%Y")}
        ),
    )


@login_required
@require_POST
def signaal_afwijzen(request, pk):
    signaal = _signaal_voor_actie(request, pk)
    form = AfwijzenForm(request.POST)
    if not form.is_valid():
        return _ongeldig(request, signaal, _("Geef de reden waarom het signaal wordt afgewezen."))
    return _uitvoeren(
        request,
        signaal,
        lambda: services.signaal_afwijzen(
            signaal=signaal, reden=form.cleaned_data["reden"], door=request.user, kanaal=Kanaal.UI
        ),
        _("Het signaal is afgewezen."),
    )


@login_required
@require_POST
def signaal_overdragen(request, pk):
    signaal = _signaal_voor_actie(request, pk)
    form = OverdragenForm(request.POST, signaal=signaal)
    if not form.is_valid():
        return _ongeldig(
            request, signaal, _("Kies een collega: een beheerder van de vo-school of de mbo-instelling.")
        )
    return _uitvoeren(
        request,
        signaal,
        lambda: services.signaal_overdragen(
            signaal=signaal, door=request.user, kanaal=Kanaal.UI, **form.cleaned_data
        ),
        _("Het signaal is overgedragen aan %(aan)s.")
        % {"aan": services.persoon_naam(form.cleaned_data["aan_persoon"])},
    )


@login_required
@require_POST
def signaal_uitstroom(request, pk):
    """A half-registered switch or stop: record the uitstroom in one step."""
    signaal = _signaal_voor_actie(request, pk)
    form = SignaalUitstroomForm(request.POST)
    if not form.is_valid():
        return _ongeldig(request, signaal, _fouten(ValidationError(form.errors)))
    return _uitvoeren(
        request,
        signaal,
        lambda: _met_correctiereden(
            form.cleaned_data,
            lambda d: services.signaal_uitstroom_vastleggen(
                signaal=signaal, door=request.user, kanaal=Kanaal.UI, **d
            ),
        ),
        _("De uitstroom is vastgelegd; beide inschrijvingen zijn beëindigd."),
    )


@login_required
@require_POST
def signaal_heropenen(request, pk):
    """A half-registered switch or stop: reopen the ended enrolment in one step."""
    signaal = _signaal_voor_actie(request, pk)
    form = CorrectieForm(request.POST, prefix="heropenen")
    if not form.is_valid():
        return _ongeldig(request, signaal, _fouten(ValidationError(form.errors)))
    return _uitvoeren(
        request,
        signaal,
        lambda: _met_correctiereden(
            form.cleaned_data,
            lambda _d: services.signaal_heropenen(signaal=signaal, door=request.user, kanaal=Kanaal.UI),
        ),
        _("De inschrijving is heropend."),
    )


# --- students --------------------------------------------------------------------------------------


def _leerlingen(user):
    """The students this user sees, in the order of the index leerling_naam_idx."""
    qs = Leerling.objects.for_user(user).select_related("instelling")
    return qs.order_by("achternaam", "voornamen", "id")


@login_required
def leerling_lijst(request):
    zoek = request.GET.get("zoek", "").strip()
    qs = _leerlingen(request.user)
    if is_persoonsnummer(zoek):
        # A number typed into the name search: don't echo it back into the page or the next URL.
        messages.warning(request, _("Zoek een BSN of onderwijsnummer met het formulier 'Zoeken op nummer'."))
        zoek = ""
    elif zoek:
        qs = qs.filter(achternaam__icontains=zoek)
    pagina = pagineer(qs, request.GET.get("pagina"), PER_PAGINA)
    context = {"pagina": pagina, "zoek": zoek, "nummer_form": NummerZoekenForm()}
    return render(request, "registratie/leerling_lijst.html", context)


@login_required
@require_POST
def leerling_zoeken_op_nummer(request):
    """Exact search by BSN or onderwijsnummer (keyed hash), within the user's scope."""
    form = NummerZoekenForm(request.POST)
    if form.is_valid():
        leerling = selectors.leerling_met_nummer(request.user, form.cleaned_data["nummer"])
        if leerling is not None:
            return redirect("registratie:leerling", pk=leerling.pk)
        fout = _("Geen leerling met dit nummer bij uw instellingen of leerroutes.")
    else:
        fout = form.errors["nummer"][0]
    qs = _leerlingen(request.user)
    context = {
        "pagina": pagineer(qs, 1, PER_PAGINA),
        "zoek": "",
        # A fresh form: the typed number is not written back into the page.
        "nummer_form": NummerZoekenForm(),
        "nummer_fout": fout,
    }
    return render(request, "registratie/leerling_lijst.html", context)


def _leerling(request, pk):
    return get_object_or_404(Leerling.objects.for_user(request.user), pk=pk)


def _leerling_context(request, leerling, uitstroom_form=None) -> dict:
    vandaag = timezone.localdate()
    datum_form = DatumForm(request.GET or None)
    gekozen = datum_form.cleaned_data.get("datum") if datum_form.is_valid() else None
    if uitstroom_form is None:
        uitstroom_form = UitstroomForm(leerling=leerling, user=request.user, initial={"datum": vandaag})
    return {
        "leerling": leerling,
        "nummer": leerling.nummer_gemaskeerd,
        "mag_nummer_inzien": selectors.mag_nummer_inzien(request.user, leerling),
        "vandaag": fase.situatie(leerling, vandaag, user=request.user),
        "gekozen": (
            fase.situatie(leerling, gekozen, user=request.user) if gekozen and gekozen != vandaag else None
        ),
        "datum_form": datum_form,
        "status_labels": fase.STATUS_LABELS,
        "inschrijvingen": Inschrijving.objects.for_user(request.user)
        .filter(leerling=leerling)
        .select_related("leerroute", "instelling", "kwalificatie")
        .prefetch_related("fasewissels")
        .order_by("leerroute__naam", "sector", "startdatum"),
        "signalen": selectors.signalen_voor(request.user).filter(leerling=leerling),
        "uitstroom": Uitstroom.objects.for_user(request.user)
        .filter(leerling=leerling)
        .select_related("leerroute"),
        "uitstroom_form": uitstroom_form if uitstroom_form.fields["leerroute"].queryset.exists() else None,
    } | _formulieren(request, leerling)


def _formulieren(request, leerling) -> dict:
    from registratie.schermen import leerling_formulieren  # the screens module builds on this one

    return leerling_formulieren(request, leerling)


@login_required
def leerling_detail(request, pk):
    leerling = _leerling(request, pk)
    return render(request, "registratie/leerling_detail.html", _leerling_context(request, leerling))


@login_required
@require_POST
def leerling_nummer_tonen(request, pk):
    """Reveal the full number on request, and record who looked (answered on this POST, so the
    number never lands in a URL)."""
    leerling = _leerling(request, pk)
    if not selectors.mag_nummer_inzien(request.user, leerling):
        raise PermissionDenied(
            _("Alleen de beheerders van de scholen van deze leerling zien het volledige nummer.")
        )
    services.bsn_bekeken(leerling=leerling, door=request.user, kanaal=Kanaal.UI)
    context = _leerling_context(request, leerling) | {"nummer": leerling.nummer, "nummer_getoond": True}
    response = render(request, "registratie/leerling_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def uitstroom_vastleggen(request, pk):
    """R-INS-10: record that the student stops or switches; ends the route enrolments."""
    leerling = _leerling(request, pk)
    form = UitstroomForm(request.POST, leerling=leerling, user=request.user)
    if not form.fields["leerroute"].queryset.exists():
        raise PermissionDenied(_("U kunt voor deze leerling geen uitstroom vastleggen."))
    if form.is_valid():
        try:
            with teldata.correctie(form.cleaned_data.get(teldata.VELD, "")):
                services.uitstroom_vastleggen(uitstroom=form.instance, door=request.user, kanaal=Kanaal.UI)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("De uitstroom is vastgelegd; de inschrijvingen in de route zijn beëindigd.")
            )
            return redirect("registratie:leerling", pk=leerling.pk)
    return render(
        request, "registratie/leerling_detail.html", _leerling_context(request, leerling, form), status=400
    )


# --- monitoring ------------------------------------------------------------------------------------


@login_required
def monitoring(request):
    """R-MON-2 for a board: charts with their numbers, a reference date, a route and the cohorts
    to compare; ``formaat=csv|xlsx`` downloads exactly the table shown, ``afdrukken=1`` is the
    page without navigation for printing."""
    if not scope.scope_for(request.user).heeft_rol:
        raise PermissionDenied
    datum = request.GET.get("peildatum") or request.GET.get("datum") or ""
    datum_form = DatumForm({"datum": datum} if datum else None)
    gekozen = datum_form.cleaned_data.get("datum") if datum_form.is_valid() else None
    m = selectors.monitoring_met_bron(request.user, peildatum=gekozen)
    keuze = mon.Keuze.uit(request.GET)
    rijen = keuze.filter(m.rijen)
    formaat = request.GET.get("formaat")
    if formaat in ("csv", "xlsx"):
        return _monitoring_download(formaat, rijen, m.peildatum)
    routes = {r.leerroute.pk: r.leerroute for r in m.rijen}
    return render(
        request,
        "registratie/monitoring_afdruk.html"
        if request.GET.get("afdrukken") == "1"
        else "registratie/monitoring.html",
        {
            "rijen": rijen,
            "tabel": mon.tabel(rijen),
            "kop": mon.kopregel(),
            "grafieken": mon.grafieken(rijen, route_gekozen=keuze.leerroute is not None),
            "peildatum": m.peildatum,
            "berekend_op": m.berekend_op,
            "datum_form": datum_form,
            "keuze": keuze,
            "routes": sorted(routes.values(), key=lambda r: (r.naam, r.pk)),
            "cohorten": sorted({r.cohort for r in m.rijen if r.cohort is not None}),
        },
    )


def _monitoring_download(formaat: str, rijen, peildatum):
    naam = f"monitoring-{peildatum.isoformat()}.{formaat}"
    if formaat == "csv":
        response = HttpResponse(mon.als_csv(rijen, peildatum), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            mon.als_xlsx(rijen, peildatum),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{naam}"'
    return response
