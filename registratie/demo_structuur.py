"""The demo's fixed structure as rows: besturen, instellingen, vestigingen, agreements, routes with
their programme per leerjaar, and (through ``demo_gebruikers``) the demo users. ``Structuur.maak``
writes them from the tables in ``demo_gegevens`` and returns per route the ids the student
generator (``demo_studenten``) needs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leerroute.kwalificaties import laad_standaardbestand
from leerroute.models import Kwalificatie, LeerjaarProgramma, Leerroute, Programmaonderdeel
from registratie import fase
from registratie.demo_gebruikers import maak_gebruikers
from registratie.demo_gegevens import (
    ACTIEF,
    BEEINDIGD,
    BESTUREN,
    CONCEPT,
    GEBRUIKERS,
    INSTELLINGEN,
    MBO_JAREN,
    OVEREENKOMSTEN,
    PROGRAMMA,
    ROUTES,
)
from samenwerking.models import Bestuur, Instelling, Samenwerkingsovereenkomst, Vestiging

if TYPE_CHECKING:  # registratie.demo imports this module
    from registratie.demo import SeedResultaat


@dataclass(frozen=True)
class Route:
    """One written route as plain ids and facts: what the student generator draws from."""

    key: str
    id: int
    overeenkomst_key: str
    soort: str
    leerweg: str
    niveau: int
    kwalificatie_id: int
    vo_id: int
    mbo_id: int
    vo_vestiging_id: int
    mbo_vestiging_id: int
    gewicht: int

    @property
    def max_routejaar(self) -> int:
        return fase.VO_FASE_JAREN + MBO_JAREN[self.niveau]


@dataclass
class Structuur:
    routes: dict[str, Route]

    @classmethod
    def maak(cls, resultaat: SeedResultaat) -> Structuur:
        laad_standaardbestand()
        crebos = {r[4] for r in ROUTES.values()}
        kwal = {
            c: (i, n, naam)
            for c, i, n, naam in Kwalificatie.objects.filter(crebo__in=crebos).values_list(
                "crebo", "id", "niveau", "naam"
            )
        }
        kwalificaties = {c: v[0] for c, v in kwal.items()}
        niveaus = {c: v[1] for c, v in kwal.items()}

        besturen = {k: Bestuur(naam=n, bevoegd_gezag_nummer=nr) for k, (n, nr) in BESTUREN.items()}
        Bestuur.objects.bulk_create(besturen.values())
        instellingen = {
            k: Instelling(bestuur=besturen[b], naam=n, brin=brin, soort=s, plaats=p)
            for k, (b, n, brin, s, p, _v) in INSTELLINGEN.items()
        }
        Instelling.objects.bulk_create(instellingen.values())
        vestigingen = {
            f"{brin}{nr}": Vestiging(instelling=instellingen[k], code=f"{brin}{nr}", naam=vn, plaats=vp)
            for k, (_b, _n, brin, _s, _p, vs) in INSTELLINGEN.items()
            for nr, vn, vp in vs
        }
        Vestiging.objects.bulk_create(vestigingen.values())

        overeenkomsten = {k: _overeenkomst(instellingen, *v) for k, v in OVEREENKOMSTEN.items()}
        Samenwerkingsovereenkomst.objects.bulk_create(overeenkomsten.values())

        routes = {}
        for k, (o, thema, soort, leerweg, crebo, vov, mbov, start, _g, lwt) in ROUTES.items():
            status = overeenkomsten[o].status
            routes[k] = Leerroute(
                naam=f"{soort} {thema} {leerweg} - {kwal[crebo][2]}",
                soort=soort,
                overeenkomst=overeenkomsten[o],
                leerweg=leerweg,
                kwalificatie_id=kwalificaties[crebo],
                vo_vestiging=vestigingen[vov],
                mbo_vestiging=vestigingen[mbov],
                startdatum=start,
                omvat_leerwerktraject=lwt is not None,
                leerwerktraject_overeenkomst=overeenkomsten[lwt] if lwt else None,
                rio_status={ACTIEF: "geregistreerd", BEEINDIGD: "afgemeld"}.get(status, "niet_gemeld"),
                rio_gemeld_op=None if status == CONCEPT else start - datetime.timedelta(days=120),
                rio_kenmerk="" if status == CONCEPT else f"RIO-{start.year}-{len(routes) + 1:04d}",
            )
        Leerroute.objects.bulk_create(routes.values())

        programmas, onderdelen = [], []
        for k, route in routes.items():
            niveau = niveaus[ROUTES[k][4]]
            laatste = fase.VO_FASE_JAREN + MBO_JAREN[niveau]
            for jaar in range(1, laatste + 1):
                soort = (
                    "vo1"
                    if jaar == 1
                    else "vo2"
                    if jaar == 2
                    else "mbo_laatste"
                    if jaar == laatste
                    else "mbo"
                )
                p = LeerjaarProgramma(
                    leerroute=route, routejaar=jaar, beschrijving=_programma_tekst(route, jaar, laatste)
                )
                programmas.append(p)
                onderdelen += [
                    Programmaonderdeel(programma=p, naam=n, examinering_door=e, teambevoegdheid=t)
                    for n, e, t in PROGRAMMA[soort]
                ]
        LeerjaarProgramma.objects.bulk_create(programmas)
        Programmaonderdeel.objects.bulk_create(onderdelen)

        gebruikers, lidmaatschappen = maak_gebruikers(instellingen, overeenkomsten)
        resultaat.gebruikers = [(u, d) for u, *_rest, d in GEBRUIKERS]
        resultaat.aantallen.update(
            besturen=len(besturen),
            instellingen=len(instellingen),
            vestigingen=len(vestigingen),
            overeenkomsten=len(overeenkomsten),
            leerroutes=len(routes),
            programma_per_leerjaar=len(programmas),
            programmaonderdelen=len(onderdelen),
            gebruikers=len(gebruikers),
            lidmaatschappen=len(lidmaatschappen),
        )

        info = {}
        for k, r in routes.items():
            o = r.overeenkomst
            info[k] = Route(
                key=k,
                id=r.pk,
                overeenkomst_key=ROUTES[k][0],
                soort=r.soort,
                leerweg=r.leerweg,
                niveau=niveaus[ROUTES[k][4]],
                kwalificatie_id=r.kwalificatie_id,
                vo_id=o.vo_instelling.pk,
                mbo_id=o.mbo_instelling.pk,
                vo_vestiging_id=r.vo_vestiging.pk,
                mbo_vestiging_id=r.mbo_vestiging.pk,
                gewicht=ROUTES[k][8],
            )
        return cls(routes=info)


def _overeenkomst(instellingen, naam, soort, onderwerp, vo, mbo, status, ingang, einde, thema):
    vo_naam, mbo_naam = instellingen[vo].naam, instellingen[mbo].naam
    partijen = f"het vmbo- en het mbo-deel van {vo_naam}" if vo == mbo else f"{vo_naam} en {mbo_naam}"
    volledig = status != CONCEPT
    return Samenwerkingsovereenkomst(
        naam=naam,
        soort=soort,
        onderwerp=onderwerp,
        vo_instelling=instellingen[vo],
        mbo_instelling=instellingen[mbo],
        status=status,
        ingangsdatum=ingang,
        einddatum=einde,
        inhoud_leerroute=(
            f"Doorlopende en geïntegreerde leerroutes {thema}: één programma vanaf vmbo-leerjaar 3 "
            f"tot en met het mbo-diploma, met een gecombineerd PTA/OER per leerjaar."
        ),
        dagelijkse_leiding=(
            f"Een stuurgroep van {partijen} met één routecoördinator; de teamleiders van beide "
            "kanten overleggen elke zes weken."
        ),
        betrokkenheid_bedrijfsleven=(
            "Leerbedrijven uit de regio zitten in de adviesraad van de route en bieden BPV-plaatsen; "
            "het SBB-netwerk levert erkende leerbedrijven."
        )
        if volledig
        else "",
        overstapoptie=(
            "Een leerling die stopt of overstapt krijgt een plek in de reguliere vmbo-leerweg of een "
            "mbo-opleiding van hetzelfde niveau, met begeleiding naar een startkwalificatie."
        )
        if volledig
        else "",
        medezeggenschap=f"De medezeggenschapsraden en de studentenraad van {partijen} stemmen in.",
        advies_medezeggenschap=(
            f"Positief advies van de medezeggenschapsraden, vastgelegd op {ingang.year - 1}-03-15."
        )
        if volledig
        else "",
        financiele_afspraken="De bekostiging volgt de inschrijving; gedeelde kosten 50/50."
        if volledig
        else "",
        dekt_volledige_route=volledig,
    )


def _programma_tekst(route, jaar, laatste) -> str:
    if jaar <= fase.VO_FASE_JAREN:
        return (
            f"Routejaar {jaar} (vmbo-leerjaar {jaar + 2}, vo-fase) van {route.naam}: vmbo-programma "
            "met geïntegreerde mbo-onderdelen; examinering volgens het PTA van de vo-school."
        )
    slot = " Afsluiting met het mbo-examen en het diploma." if jaar == laatste else ""
    return (
        f"Routejaar {jaar} (mbo-fase) van {route.naam}: mbo-programma volgens de OER, "
        f"met beroepspraktijkvorming.{slot}"
    )
