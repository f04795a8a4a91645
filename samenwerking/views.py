from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from leerroute.models import Leerroute
from registratie.models import Inschrijving, Leerling, Signaal
from samenwerking.models import Samenwerkingsovereenkomst
from samenwerking.scope import scope_for


@login_required
def home(request):
    """The start page: what this user works with, in figures, and where to go next."""
    user = request.user
    context = {
        "heeft_rol": scope_for(user).heeft_rol,
        "applicatiebeheer": scope_for(user).alles,
        "tellingen": [
            (
                "Samenwerkingsovereenkomsten",
                Samenwerkingsovereenkomst.objects.for_user(user).count(),
                "admin:samenwerking_samenwerkingsovereenkomst_changelist",
            ),
            ("Leerroutes", Leerroute.objects.for_user(user).count(), "admin:leerroute_leerroute_changelist"),
            ("Leerlingen", Leerling.objects.for_user(user).count(), "admin:registratie_leerling_changelist"),
            (
                "Lopende inschrijvingen",
                Inschrijving.objects.for_user(user).filter(einddatum__isnull=True).count(),
                "admin:registratie_inschrijving_changelist",
            ),
            (
                "Open signalen",
                Signaal.objects.for_user(user).filter(status__in=["open", "overgedragen"]).count(),
                "admin:registratie_signaal_changelist",
            ),
        ],
    }
    return render(request, "samenwerking/home.html", context)
