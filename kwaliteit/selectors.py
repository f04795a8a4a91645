"""Reads for the step plan, the evaluations and the dashboard block, through the scope."""

from __future__ import annotations

from django.db.models import Count, Q

from kwaliteit.models import Evaluatie, Stap, StapStatus, route_q
from leerroute.models import Leerroute, RouteStatus
from samenwerking import scope
from samenwerking.models import OvereenkomstOnderwerp, OvereenkomstStatus, Samenwerkingsovereenkomst


def routes_voor(user, action: str = scope.VIEW):
    """The routes whose step plan and evaluations this user reads (VIEW) or edits (CHANGE)."""
    s = scope.scope_for(user)
    if s.alles:
        return Leerroute.objects.all()
    if action == scope.VIEW:
        return Leerroute.objects.for_user(user, scope.VIEW)
    return Leerroute.objects.filter(route_q(s, action, "overeenkomst__"))


def overeenkomsten_voor_nieuwe_route(user):
    """The agreements under which this user may start a route in preparation: those whose routes
    they edit (beheerders of either school, the coordinator), not ended, for a leerroute."""
    s = scope.scope_for(user)
    qs = Samenwerkingsovereenkomst.objects.exclude(status=OvereenkomstStatus.BEEINDIGD).filter(
        onderwerp=OvereenkomstOnderwerp.LEERROUTE
    )
    return qs if s.alles else qs.filter(route_q(s, scope.CHANGE, ""))


def mag_bewerken(user, route: Leerroute) -> bool:
    return routes_voor(user, scope.CHANGE).filter(pk=route.pk).exists()


def routes_in_voorbereiding(user):
    """The dashboard block: routes in preparation this user sees, with their progress (steps done
    of all steps), in one query."""
    return (
        routes_voor(user)
        .filter(status=RouteStatus.IN_VOORBEREIDING)
        .select_related("overeenkomst")
        .annotate(
            stappen_totaal=Count("stappen"),
            stappen_gereed=Count("stappen", filter=Q(stappen__status=StapStatus.GEREED)),
        )
        .order_by("startdatum", "naam", "pk")
    )


def stappen(route: Leerroute):
    return (
        Stap.objects.filter(leerroute=route)
        .select_related("eigenaar")
        .prefetch_related("documenten__toegevoegd_door")
        .order_by("volgorde")
    )


def evaluaties(route: Leerroute):
    return Evaluatie.objects.filter(leerroute=route).select_related("vastgesteld_door").order_by("schooljaar")


def doelen_uit_stappenplan(route: Leerroute) -> str:
    """The goals an evaluation measures against: the notes of 'visie en doelstellingen'."""
    return (
        Stap.objects.filter(leerroute=route, code="visie_doelstellingen")
        .values_list("notities", flat=True)
        .first()
        or ""
    )
