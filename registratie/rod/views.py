"""Screens for ROD deliveries: the list per instelling, a delivery with its responses, the file
download and the upload of a response.

Everything goes through RodLevering.objects.for_user: only the instelling's own beheerders (and
the applicatiebeheerder) see a delivery; for anyone else it answers 404. The file holds BSNs:
each download is recorded in the audit trail.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registratie.models import RodLevering
from registratie.rod import opslag, selectors, services
from registratie.rod.forms import TerugkoppelingForm
from samenwerking import scope
from samenwerking.models import Kanaal

PER_PAGINA = 50


@login_required
@require_GET
def levering_lijst(request):
    leveringen = selectors.leveringen_voor(request.user)
    pagina = Paginator(leveringen, PER_PAGINA).get_page(request.GET.get("pagina"))
    vastgehouden = selectors.vastgehouden_voor(request.user)
    return render(
        request,
        "rod/levering_lijst.html",
        {
            "pagina": pagina,
            "vastgehouden": vastgehouden[:PER_PAGINA],
            "vastgehouden_aantal": vastgehouden.count(),
        },
    )


def _levering(request, pk: int, action: str = scope.VIEW) -> RodLevering:
    return get_object_or_404(
        RodLevering.objects.for_user(request.user, action).select_related("instelling"), pk=pk
    )


@login_required
@require_GET
def levering_detail(request, pk: int):
    levering = _levering(request, pk)
    return render(
        request,
        "rod/levering_detail.html",
        {
            "levering": levering,
            "terugkoppelingen": levering.terugkoppelingen.select_related("ingelezen_door"),
            "form": TerugkoppelingForm(),
        },
    )


@login_required
@require_GET
def levering_bestand(request, pk: int):
    levering = _levering(request, pk)
    if not levering.bestand:
        raise Http404(_("Het bestand van deze levering is na de bewaartermijn verwijderd."))
    services.levering_gedownload(levering=levering, door=request.user, kanaal=Kanaal.UI)
    # Encrypted at rest: decrypted chunk by chunk into the response, never whole in memory.
    response = StreamingHttpResponse(opslag.lezen(levering), content_type="application/xml")
    response["Content-Disposition"] = content_disposition_header(True, levering.bestandsnaam)
    return response


@login_required
@require_POST
def terugkoppeling_inlezen(request, pk: int):
    levering = _levering(request, pk, scope.CHANGE)
    form = TerugkoppelingForm(request.POST, request.FILES)
    if form.is_valid():
        bestand = form.cleaned_data["bestand"]
        try:
            resultaat = services.terugkoppeling_inlezen(
                bestand=bestand, naam=bestand.name, door=request.user, kanaal=Kanaal.UI, levering=levering
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, resultaat.regel())
            return redirect("rod:levering", pk=levering.pk)
    else:
        messages.error(request, _("Kies een terugkoppelingsbestand."))
    return render(
        request,
        "rod/levering_detail.html",
        {"levering": levering, "terugkoppelingen": levering.terugkoppelingen.all(), "form": form},
        status=400,
    )
