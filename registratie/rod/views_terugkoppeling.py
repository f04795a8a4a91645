"""Screens for what comes back from DUO (format v2): the feedback per enrolment and count date
(upload, filters, accepting a warning with a remark) and the reconciliation with DUO's snapshot
(upload, the differences, CSV, "opnieuw in de wachtrij" per difference and for all). An upload
runs as a background task (registratie.rod.upload); its page polls the status, then links to the
result.

Only the instelling's own beheerders: every query goes through ``objects.for_user`` (someone
else gets a 404), and an uploaded file must be about one of the user's own instellingen.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registratie import achtergrond
from registratie.models import (
    MeldingErnst,
    RodAfstemming,
    RodTerugkoppelingMelding,
    RodTerugkoppelingRegel,
    RodUpload,
    RodUploadSoort,
    RodVerschil,
    VerschilSoort,
)
from registratie.rod import afstemming, terugkoppeling, upload
from registratie.rod.forms_terugkoppeling import AccepterenForm, BestandForm
from samenwerking import scope
from samenwerking.models import Instelling, Kanaal

PER_PAGINA = 50

logger = logging.getLogger(__name__)


def _eigen_instelling(request, brin: str) -> Instelling | None:
    """The instelling an upload is for (the BRIN in the file), if the user is its beheerder."""
    return Instelling.objects.filter(pk__in=scope.scope_for(request.user).beheer, brin=brin).first()


# ------------------------------------------------------------------------------------------- uploads

# Only the header is read in the request; the whole file is read by the task.
KOP_LEZEN = {
    RodUploadSoort.TERUGKOPPELING: terugkoppeling.tx.kop_lezen,
    RodUploadSoort.MOMENTOPNAME: terugkoppeling.tx.momentopname_kop,
}


def _uploaden(request, form: BestandForm, soort: str, terug: str):
    """Check the file's header (the BRIN must be one of the user's own), store the file and queue
    its run; the run's page shows how it goes."""
    bestand = form.cleaned_data["bestand"]
    try:
        brin = KOP_LEZEN[soort](bestand).brin
        instelling = _eigen_instelling(request, brin)
        if instelling is None:
            raise ValidationError(
                _("Dit bestand is voor BRIN %(brin)s: daar bent u geen beheerder van.") % {"brin": brin}
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(terug)
    bestand.seek(0)
    try:
        run = upload.starten(
            soort=soort, instelling=instelling, door=request.user, bestandsnaam=bestand.name, bron=bestand
        )
    except OSError:  # the storage (disk full, no rights): nothing is kept, the user can try again
        logger.exception("ROD-upload niet opgeslagen")
        messages.error(request, _("Het bestand kon niet worden opgeslagen; probeer het later opnieuw."))
        return redirect(terug)
    except achtergrond.NogOpen as exc:
        messages.warning(
            request,
            _("Voor %(instelling)s wordt al een %(soort)s ingelezen; die ziet u hier.")
            % {"instelling": instelling, "soort": exc.run.get_soort_display()},
        )
        run = exc.run
    return redirect("rod:upload", pk=run.pk)


def _upload(request, pk: int) -> RodUpload:
    return get_object_or_404(
        RodUpload.objects.for_user(request.user, scope.CHANGE).select_related("instelling", "afstemming"),
        pk=pk,
    )


@login_required
@require_GET
def upload_detail(request, pk: int):
    """An uploaded file's run: its status while it runs (polled), then the result or the error."""
    run = _upload(request, pk)
    upload.afgebroken_sluiten(run)
    return render(request, "rod/upload.html", {"run": run})


@login_required
@require_GET
def upload_status(request, pk: int):
    """htmx polls this while the run is open; once it has ended the page reloads with the result."""
    run = _upload(request, pk)
    if upload.afgebroken_sluiten(run) or not run.open:
        antwoord = HttpResponse(status=204)
        antwoord["HX-Refresh"] = "true"
        return antwoord
    return render(request, "rod/_upload_status.html", {"run": run})


@login_required
@require_POST
def upload_annuleren(request, pk: int):
    """Cancel a run still in the queue (its task may never come: registratie.achtergrond)."""
    run = _upload(request, pk)
    achtergrond.annuleren_melden(request, upload.annuleren(run, door=request.user))
    return redirect("rod:upload", pk=run.pk)


# ------------------------------------------------------------------------------------------ feedback


@login_required
@require_GET
def terugkoppeling_lijst(request):
    regels = (
        RodTerugkoppelingRegel.objects.for_user(request.user, scope.CHANGE)
        .select_related("instelling", "bericht")
        .prefetch_related("meldingen")
        .order_by("-teldatum", "instelling__brin", "sleutel")
    )
    teldatum = request.GET.get("teldatum") or ""
    if teldatum:
        regels = regels.filter(teldatum=teldatum)
    alleen = request.GET.get("alleen") or ""
    open_melding = RodTerugkoppelingMelding.objects.filter(regel=OuterRef("pk"), geaccepteerd_op__isnull=True)
    if alleen == "afkeur":
        regels = regels.filter(Exists(open_melding.filter(ernst=MeldingErnst.AFKEUR)))
    elif alleen == "waarschuwing":
        regels = regels.filter(Exists(open_melding.filter(ernst=MeldingErnst.WAARSCHUWING)))
    elif alleen == "bekostiging":
        regels = regels.filter(bekostigd__isnull=False).exclude(bekostigd=F("indicatie_bekostigbaar"))
    teldata = (
        RodTerugkoppelingRegel.objects.for_user(request.user, scope.CHANGE)
        .order_by("-teldatum")
        .values_list("teldatum", flat=True)
        .distinct()[:20]
    )
    return render(
        request,
        "rod/terugkoppeling_lijst.html",
        {
            "pagina": Paginator(regels, PER_PAGINA).get_page(request.GET.get("pagina")),
            "teldata": teldata,
            "teldatum": teldatum,
            "alleen": alleen,
            "form": BestandForm(),
            "accepteren_form": AccepterenForm(),
        },
    )


@login_required
@require_POST
def terugkoppeling_inlezen(request):
    form = BestandForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.fout(_("Kies een terugkoppelingsbestand (XML).")))
        return redirect("rod:terugkoppeling_lijst")
    return _uploaden(request, form, RodUploadSoort.TERUGKOPPELING, "rod:terugkoppeling_lijst")


@login_required
@require_POST
def waarschuwing_accepteren(request, pk: int):
    melding = get_object_or_404(RodTerugkoppelingMelding.objects.for_user(request.user, scope.CHANGE), pk=pk)
    form = AccepterenForm(request.POST)
    opmerking = form.data.get("opmerking", "")
    try:
        terugkoppeling.waarschuwing_accepteren(
            melding, opmerking=opmerking, door=request.user, kanaal=Kanaal.UI
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Waarschuwing %(code)s is geaccepteerd.") % {"code": melding.code})
    return redirect(request.POST.get("terug") or "rod:terugkoppeling_lijst")


# ------------------------------------------------------------------------------------ reconciliation


@login_required
@require_GET
def afstemming_lijst(request):
    afstemmingen = RodAfstemming.objects.for_user(request.user, scope.CHANGE).select_related("instelling")
    return render(
        request,
        "rod/afstemming_lijst.html",
        {
            "pagina": Paginator(afstemmingen, PER_PAGINA).get_page(request.GET.get("pagina")),
            "form": BestandForm(),
        },
    )


@login_required
@require_POST
def afstemming_inlezen(request):
    form = BestandForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.fout(_("Kies een momentopname van DUO (XML).")))
        return redirect("rod:afstemming_lijst")
    return _uploaden(request, form, RodUploadSoort.MOMENTOPNAME, "rod:afstemming_lijst")


def _afstemming(request, pk: int) -> RodAfstemming:
    return get_object_or_404(
        RodAfstemming.objects.for_user(request.user, scope.CHANGE).select_related("instelling"), pk=pk
    )


@login_required
@require_GET
def afstemming_detail(request, pk: int):
    a = _afstemming(request, pk)
    verschillen = a.verschillen.order_by("sleutel", "veld", "id")
    soort = request.GET.get("soort") or ""
    if soort in VerschilSoort.values:
        verschillen = verschillen.filter(soort=soort)
    return render(
        request,
        "rod/afstemming_detail.html",
        {
            "afstemming": a,
            "pagina": Paginator(verschillen, PER_PAGINA).get_page(request.GET.get("pagina")),
            "soorten": VerschilSoort.choices,
            "soort": soort,
        },
    )


@login_required
@require_GET
def afstemming_csv(request, pk: int):
    a = _afstemming(request, pk)
    response = StreamingHttpResponse(afstemming.csv_regels(a), content_type="text/csv; charset=utf-8")
    naam = f"rod-afstemming-{a.instelling.brin}-{a.momentopname_van:%Y%m%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, naam)
    return response


@login_required
@require_POST
def afstemming_wachtrij(request, pk: int, verschil: int | None = None):
    a = _afstemming(request, pk)
    verschillen = RodVerschil.objects.filter(afstemming=a)
    if verschil is not None:
        verschillen = verschillen.filter(pk=verschil)
        if not verschillen.exists():
            messages.error(request, _("Dit verschil hoort niet bij deze afstemming."))
            return redirect("rod:afstemming", pk=a.pk)
    n = afstemming.opnieuw_in_wachtrij(verschillen, door=request.user)
    messages.success(request, _("%(n)s berichten in de wachtrij gezet.") % {"n": n})
    return redirect("rod:afstemming", pk=a.pk)
