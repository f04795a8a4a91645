"""Screens of the ROD queue (format v2), per instelling: the messages with filters, one message
with its status history and content (BSN masked), a retry, and "nu leveren".

Only the instelling's own beheerders (RodBericht.scope_q): the content holds the BSN. The list
pages by previous/next (samenwerking.paginering): never a count over every message.
"""

from __future__ import annotations

import logging
import re

from cryptography.fernet import InvalidToken
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registratie.models import BerichtStatus, RodBericht, RodBerichtSoort
from registratie.rod import teldata, verzenden, wachtrij
from samenwerking import scope
from samenwerking.identifiers import mask
from samenwerking.models import Instelling, Kanaal
from samenwerking.paginering import pagineer

logger = logging.getLogger(__name__)

PER_PAGINA = 50
_NUMMER = re.compile(rb"<(burgerservicenummer|onderwijsnummer)>([0-9]{9})</")


def _instellingen(user):
    """The instellingen this user delivers for (the applicatiebeheerder: all)."""
    s = scope.scope_for(user)
    qs = Instelling.objects.all() if s.alles else Instelling.objects.filter(pk__in=s.beheer)
    return qs.order_by("brin")


@login_required
@require_GET
def wachtrij_lijst(request):
    qs = RodBericht.objects.for_user(request.user, scope.VIEW).select_related("instelling")
    filters = {
        "status": request.GET.get("status", ""),
        "soort": request.GET.get("soort", ""),
        "instelling": request.GET.get("instelling", ""),
        "sleutel": request.GET.get("sleutel", "").strip(),
    }
    if filters["status"] in BerichtStatus.values:
        qs = qs.filter(status=filters["status"])
    if filters["soort"] in RodBerichtSoort.values:
        qs = qs.filter(soort=filters["soort"])
    if filters["instelling"].isdigit():
        qs = qs.filter(instelling_id=int(filters["instelling"]))
    if filters["sleutel"]:
        qs = qs.filter(sleutel=filters["sleutel"])
    instellingen = list(_instellingen(request.user))
    return render(
        request,
        "rod/wachtrij.html",
        {
            "pagina": pagineer(qs.order_by("-id"), request.GET.get("pagina"), PER_PAGINA),
            "filters": filters,
            "statussen": BerichtStatus.choices,
            "soorten": RodBerichtSoort.choices,
            "instellingen": instellingen,
            "teldata": teldata.overzicht(),
        },
    )


def _bericht(request, pk: int, action: str = scope.VIEW) -> RodBericht:
    return get_object_or_404(
        RodBericht.objects.for_user(request.user, action).select_related("instelling", "inschrijving"), pk=pk
    )


def gemaskeerd(xml: bytes) -> str:
    """The content as the screen shows it: the personal number masked (last three digits)."""
    return _NUMMER.sub(lambda m: b"<%s>%s</" % (m.group(1), mask(m.group(2).decode()).encode()), xml).decode()


def _inhoud(b: RodBericht) -> tuple[str, bool]:
    """(the masked content, whether it could be read). A batch file that is gone or that the
    configured keys cannot read is an operator's problem: the page says so, the log has it."""
    try:
        inhoud = wachtrij.inhoud(b)
    except (OSError, ValueError, InvalidToken):
        logger.exception("ROD-bericht %s: de inhoud is niet te lezen", b.pk)
        return "", False
    return (gemaskeerd(inhoud) if inhoud else ""), True


@login_required
@require_GET
def bericht_detail(request, pk: int):
    b = _bericht(request, pk)
    inhoud, leesbaar = _inhoud(b)
    return render(
        request,
        "rod/bericht.html",
        {"bericht": b, "statussen": b.statussen.all(), "inhoud": inhoud, "leesbaar": leesbaar},
    )


@login_required
@require_POST
def bericht_opnieuw(request, pk: int):
    b = _bericht(request, pk, scope.CHANGE)
    try:
        nieuw = wachtrij.opnieuw(b)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("rod:bericht", pk=b.pk)
    messages.success(
        request, _("Het bericht staat opnieuw in de wachtrij; het gaat mee met de volgende verzending.")
    )
    return redirect("rod:bericht", pk=nieuw.pk)


@login_required
@require_POST
def nu_leveren(request):
    instellingen = _instellingen(request.user)
    gekozen = request.POST.get("instelling", "")
    if gekozen.isdigit():
        instellingen = instellingen.filter(pk=int(gekozen))
    if not instellingen:
        raise PermissionDenied(_("U beheert geen instelling waarvoor u kunt leveren."))
    for instelling in instellingen:
        verzenden.nu_leveren(instelling, door=request.user, kanaal=Kanaal.UI)
    messages.success(
        request,
        _("De verzending is ingepland; de status van de berichten verandert zodra ze verzonden zijn."),
    )
    return redirect("rod:wachtrij")
