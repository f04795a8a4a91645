from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from leerroute.models import Leerroute
from registratie.dashboard import dashboard
from registratie.models import Inschrijving, Leerling
from samenwerking.models import Samenwerkingsovereenkomst
from samenwerking.paginering import begrensd_aantal
from samenwerking.scope import scope_for

# The start page's figures are counted up to this many: beyond it "meer dan 1.000" says enough,
# and the page costs the same at any size (samenwerking.paginering).
TELGRENS = 1000


@login_required
def home(request):
    """The start page per role: what this user works with, in figures that each link to the
    filtered list behind them, and where to go next."""
    user = request.user

    def aantal(qs):
        return begrensd_aantal(qs, TELGRENS)

    s = scope_for(user)
    context = {"heeft_rol": s.heeft_rol, "applicatiebeheer": s.alles, "beheerder": s.alles or bool(s.beheer)}
    if s.heeft_rol:
        context["tellingen"] = [
            (
                "Samenwerkingsovereenkomsten",
                aantal(Samenwerkingsovereenkomst.objects.for_user(user)),
                "overeenkomsten:lijst",
            ),
            ("Leerroutes", aantal(Leerroute.objects.for_user(user)), "leerroutes:lijst"),
            ("Leerlingen", aantal(Leerling.objects.for_user(user)), "registratie:leerlingen"),
            (
                "Lopende inschrijvingen",
                aantal(Inschrijving.objects.for_user(user).filter(einddatum__isnull=True)),
                "registratie:dubbele-lijst",
            ),
        ]
        context["d"] = dashboard(user)
    return render(request, "samenwerking/home.html", context)
