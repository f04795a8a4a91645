"""The coordinator's review queue: the scoped signals with the filters of the list (the GET
parameters the dashboard links with: regel, leerroute, instelling, cohort, status, mij=1), the
counts per rule and per route (GROUP BYs over the filtered set), and a one-line summary."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q

from leerroute.models import Leerroute
from registratie import selectors
from registratie.models import SignaalStatus
from registratie.rod.services import BRON as BRON_ROD
from registratie.services import persoon_naam
from samenwerking import scope
from samenwerking.models import Instelling, Samenwerkingsovereenkomst
from samenwerking.paginering import GRENS, Pagina, pagineer_sleutels_eerst

# ?sorteer= → the order (each ends on a unique key, so pages never overlap)
SORTERINGEN = {
    "nieuw": ("-aangemaakt_op", "-id"),
    "oud": ("aangemaakt_op", "id"),
    "regel": ("regel", "-aangemaakt_op", "-id"),
    "datum": ("voorgestelde_datum", "id"),
}


def afhandelbaar_q(user) -> Q:
    """The signals this user may decide on (selectors.mag_signaal_afhandelen as a filter): a ROD
    signal by the beheerders of its instelling, any other by the coordinator of its agreement;
    everything by the applicatiebeheerder. Plain IN lists of the user's own ids, no subquery."""
    s = scope.scope_for(user)
    if s.alles:
        return Q()
    return Q(bron=BRON_ROD, instelling__in=s.beheer) | (
        ~Q(bron=BRON_ROD) & Q(overeenkomst__in=s.overeenkomsten)
    )


def aan_mij_q(user) -> Q:
    """ "Aan mij toegewezen": handed over to me by name; of what is not handed to a person, what
    I decide on or what was handed over to my school."""
    niet_aan_persoon = Q(toegewezen_persoon__isnull=True) & (
        afhandelbaar_q(user) | Q(toegewezen_aan__in=scope.scope_for(user).instellingen)
    )
    return Q(toegewezen_persoon=user) | niet_aan_persoon


def afhandelbaar(user, qs):
    """The part of ``qs`` this user may decide on."""
    return qs.filter(afhandelbaar_q(user))


def geheel(waarde) -> int | None:
    """A whole number from a GET or POST value; anything else is None (no filter)."""
    try:
        return int(waarde)
    except (TypeError, ValueError):
        return None


@dataclass
class Filter:
    regel: str = ""
    status: str = "open"
    leerroute: int | None = None
    instelling: int | None = None
    cohort: int | None = None
    mij: bool = False
    sorteer: str = "nieuw"

    @classmethod
    def uit(cls, params) -> Filter:
        """From the GET parameters; anything unknown falls back to no filter."""
        status = params.get("status", "open")
        if status not in {"open", "", *SignaalStatus.values}:
            status = "open"
        sorteer = params.get("sorteer", "nieuw")
        return cls(
            regel=params.get("regel", "").strip()[:20],
            status=status,
            leerroute=geheel(params.get("leerroute")),
            instelling=geheel(params.get("instelling")),
            cohort=geheel(params.get("cohort")),
            mij=params.get("mij") == "1",
            sorteer=sorteer if sorteer in SORTERINGEN else "nieuw",
        )

    def als_params(self) -> dict:
        """The filter as GET parameters (for the paging links and the bulk form)."""
        p = {
            "regel": self.regel,
            "status": self.status,
            "leerroute": self.leerroute,
            "instelling": self.instelling,
            "cohort": self.cohort,
            "mij": "1" if self.mij else "",
            "sorteer": self.sorteer,
        }
        return {k: v for k, v in p.items() if v not in (None, "") or k == "status"}


def _zonder_volgorde_en_regel(user, f: Filter, *, regel: bool = True, route: bool = True):
    qs = selectors.signalen_voor(user, regel=f.regel if regel else "", status=f.status)
    if route and f.leerroute is not None:
        qs = qs.filter(leerroute_id=f.leerroute)
    if f.instelling is not None:
        qs = qs.filter(Q(instelling_id=f.instelling) | Q(partner_instelling_id=f.instelling))
    if f.cohort is not None:
        qs = qs.filter(cohort=f.cohort)  # kept on the signal (Signaal.cohort): no join, an index
    if f.mij:
        qs = qs.filter(aan_mij_q(user))
    return qs


def wachtrij(user, f: Filter):
    """The filtered signals in the chosen order."""
    return _zonder_volgorde_en_regel(user, f).order_by(*SORTERINGEN[f.sorteer])


# What a row of the list shows besides the signal (not the agreement: a wide row, unused).
LIJST_RELATIES = ("leerling", "instelling", "partner_instelling", "toegewezen_aan", "toegewezen_persoon")


def pagina(user, f: Filter, nummer, per_pagina: int) -> Pagina:
    """One page of the queue: the page's keys first (signal columns only, so the index of the
    order serves it and the scan stops at the page), then those rows with their related
    objects, in one query. Joining first made PostgreSQL join every filtered signal before
    sorting (issue 13: 15,000 rows joined for a page of 50)."""
    rijen = wachtrij(user, f).select_related(None).select_related(*LIJST_RELATIES)
    return pagineer_sleutels_eerst(rijen, nummer, per_pagina)


def aantallen(user, f: Filter) -> dict:
    """Counts per rule (ignoring the rule filter, so the other rules stay in view) and per route
    (ignoring the route filter), summed here from (rule, route) groups.

    The open signals (the default) are counted exactly: one GROUP BY, an index-only scan of the
    partial index signaal_open_route_idx. Any other status filter may cover every signal ever
    made, so those are counted over at most GRENS rows; ``afgekapt`` says the figures are the
    counts among the first GRENS found ("at least")."""
    qs = _zonder_volgorde_en_regel(user, f, regel=False, route=False).order_by()
    if f.status == "open":
        # COUNT(*), not COUNT(id): the index holds no id, so it stays index-only.
        rijen = list(qs.values_list("regel", "leerroute_id").annotate(n=Count("*")))
        afgekapt = False
    else:
        gevonden = list(qs.values_list("regel", "leerroute_id")[: GRENS + 1])
        afgekapt = len(gevonden) > GRENS
        rijen = [(regel, route, n) for (regel, route), n in Counter(gevonden[:GRENS]).items()]
    per_regel: Counter = Counter()
    per_route_n: Counter = Counter()
    for regel, route, n in rijen:
        if f.leerroute is None or route == f.leerroute:
            per_regel[regel] += n
        if route is not None and (not f.regel or regel == f.regel):
            per_route_n[route] += n
    namen = dict(Leerroute.objects.filter(pk__in=list(per_route_n)).values_list("pk", "naam"))
    per_route = sorted(
        ({"id": pk, "naam": namen.get(pk, "?"), "n": n} for pk, n in per_route_n.items()),
        key=lambda r: (r["naam"], r["id"]),
    )
    return {
        "per_regel": [{"regel": r, "n": n} for r, n in sorted(per_regel.items())],
        "per_route": per_route,
        "afgekapt": afgekapt,
        "grens": GRENS,
    }


def _partijen(user) -> set[int]:
    """The instellingen of the agreements this user sees."""
    paren = Samenwerkingsovereenkomst.objects.for_user(user, scope.VIEW).values_list(
        "vo_instelling_id", "mbo_instelling_id"
    )
    return {i for paar in paren for i in paar}


def collegas(user):
    """Whom this user can hand signals to: the beheerders of the schools of their agreements."""
    return selectors.overdracht_collegas(_partijen(user))


def filter_keuzes(user) -> dict:
    """The choices of the filter form: the rules among the visible signals, the visible routes
    and the instellingen of the visible agreements (a few rows each), and the colleagues a signal
    can be handed to (the beheerders of those instellingen)."""
    if not scope.scope_for(user).heeft_rol:
        return {"regels": [], "routes": [], "instellingen": [], "collegas": []}
    instelling_ids = _partijen(user)
    return {
        "collegas": [
            {"pk": c.pk, "naam": persoon_naam(c)}
            for c in selectors.overdracht_collegas(instelling_ids).only("username", "first_name", "last_name")
        ],
        "regels": selectors.signaal_regels(user),
        "routes": list(
            Leerroute.objects.for_user(user, scope.VIEW).order_by("naam", "id").values("pk", "naam")
        ),
        "instellingen": list(
            Instelling.objects.filter(pk__in=instelling_ids).order_by("naam", "id").values("pk", "naam")
        ),
    }


_ZIN = re.compile(r"(.+?[.!?])(\s|$)")


def samenvatting(toelichting: str, lengte: int = 110) -> str:
    """One line: the first sentence (what is wrong) and the start of the 'Oplossing:' or
    'Voorstel:' part (what to do); the full text stays on the detail page."""
    tekst = " ".join((toelichting or "").split())
    # The checks end their text with "Oplossing: …" (a finding) or "Voorstel: …" (a transition).
    probleem, *rest = re.split(r"(?:Oplossing|Voorstel):", tekst, maxsplit=1)
    oplossing = rest[0] if rest else ""
    m = _ZIN.match(probleem)
    eerste = (m.group(1) if m else probleem).strip()
    actie = re.split(r"[;.]", oplossing.strip(), maxsplit=1)[0].strip() if oplossing else ""
    regel = f"{_kort(eerste, lengte)} → {_kort(actie, 80)}" if actie else _kort(eerste, lengte)
    return regel


def _kort(tekst: str, lengte: int) -> str:
    return tekst if len(tekst) <= lengte else tekst[: lengte - 1].rstrip() + "…"
