from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from leerroute.models import Leerroute
from registratie.models import Inschrijving, Leerling, Signaal
from samenwerking.models import Samenwerkingsovereenkomst
from samenwerking.paginering import begrensd_aantal
from samenwerking.scope import scope_for

# The start page's figures are counted up to this many: beyond it "meer dan 1.000" says enough,
# and the page costs the same at any size (samenwerking.paginering).
TELGRENS = 1000


@login_required
def home(request):
    """The start page: what this user works with, in figures, and where to go next."""
    user = request.user

    def aantal(qs):
        return begrensd_aantal(qs, TELGRENS)

    context = {
        "heeft_rol": scope_for(user).heeft_rol,
        "applicatiebeheer": scope_for(user).alles,
        "tellingen": [
            (
                "Samenwerkingsovereenkomsten",
                aantal(Samenwerkingsovereenkomst.objects.for_user(user)),
                "admin:samenwerking_samenwerkingsovereenkomst_changelist",
            ),
            ("Leerroutes", aantal(Leerroute.objects.for_user(user)), "admin:leerroute_leerroute_changelist"),
            ("Leerlingen", aantal(Leerling.objects.for_user(user)), "admin:registratie_leerling_changelist"),
            (
                "Lopende inschrijvingen",
                aantal(Inschrijving.objects.for_user(user).filter(einddatum__isnull=True)),
                "admin:registratie_inschrijving_changelist",
            ),
            (
                "Open signalen",
                aantal(Signaal.objects.for_user(user).filter(status__in=["open", "overgedragen"])),
                "admin:registratie_signaal_changelist",
            ),
        ],
    }
    return render(request, "samenwerking/home.html", context)
