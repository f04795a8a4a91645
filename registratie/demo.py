"""Deterministic demo data: besturen, instellingen, agreements, routes, students and enrolments.

``genereer(studenten=N, seed=S, peildatum=D)`` builds the same data for the same N, S and D on any
database: every random choice comes from one ``random.Random(seed)`` and no date comes from the
clock. The structure (boards, schools, agreements, routes, programmes, demo users) is fixed; the
students are drawn.

Students are written in chunks with ``bulk_create`` (no per-row query, no ``full_clean``: the rows
are valid by construction), so a million enrolments take minutes and memory stays bounded.

Some students carry a deliberate inconsistency for the fase check (``registratie.checks``) to find.
Nothing in the data marks them; ``SeedResultaat.geplant`` lists them per kind:

- ``R-INS-6``: running vo- and mbo-inschrijving disagree on fase (vo 'vo', mbo 'mbo');
- ``R-INS-3``: mbo-fase by route year, vo-inschrijving in fase 'mbo', no mbo-inschrijving;
- ``R-INS-4``: a fasewissel whose ingangsdatum is not 1 August;
- ``R-INS-5``: DLR vo-inschrijving ended 'vo_afgerond' in the mbo-fase with neither the vmbo
  diploma date nor the date the vo activities were completed;
- ``R-LR-8``: running enrolments under a route whose agreement ended ('beeindigd');
- ``R-INS-1``: an mbo-inschrijving that starts before the route start (vmbo leerjaar 3).

Besides these, ``SeedResultaat.overgang_aantal`` counts the (valid) students in route year 2 whose
fase changes on the next 1 August.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, models, reset_queries, transaction

from kwaliteit import demo as kwaliteit_demo
from leerroute.kwalificaties import laad_standaardbestand
from leerroute.models import Kwalificatie, LeerjaarProgramma, Leerroute, Programmaonderdeel
from registratie import fase
from registratie.demo_gegevens import (  # noqa: F401 (re-exported: demo.PEILDATUM, …)
    ACHTERNAMEN,
    ACTIEF,
    BATCH,
    BEEINDIGD,
    BEEINDIGDE_ROUTE,
    BESTUREN,
    CHUNK,
    CONCEPT,
    DEMO_GEBRUIKERS,
    GEBRUIKERS,
    GEPLANT,
    GEPLANT_LABELS,
    HOOFDOVEREENKOMST,
    INSTELLINGEN,
    MBO_JAREN,
    MET_TUSSENVOEGSEL,
    MINIMUM_STUDENTEN,
    OVEREENKOMSTEN,
    PEILDATUM,
    PROGRAMMA,
    ROUTES,
    STANDAARD_STUDENTEN,
    TUSSENVOEGSELS,
    TWEEDE_NAMEN,
    VOORNAMEN,
    VROEGSTE_PEILDATUM,
    WACHTWOORD,
)
from registratie.models import Fasewissel, Inschrijving, Leerling, Uitstroom
from samenwerking.identifiers import bsn_with_check_digit, onderwijsnummer_with_check_digit
from samenwerking.models import (
    AuditActie,
    AuditRegel,
    Bestuur,
    Gebruiker,
    Instelling,
    Kanaal,
    Lidmaatschap,
    Samenwerkingsovereenkomst,
    Vestiging,
)

# --- result -----------------------------------------------------------------------------------------


@dataclass
class SeedResultaat:
    studenten: int
    seed: int
    peildatum: datetime.date
    overgang_datum: datetime.date
    aantallen: dict[str, int] = field(default_factory=dict)
    geplant: dict[str, list[int]] = field(default_factory=dict)  # rule id -> leerling ids
    overgang_aantal: int = 0  # valid students whose fase changes on overgang_datum
    gebruikers: list[tuple[str, str]] = field(default_factory=list)  # (username, role)
    seconden: float = 0.0
    overgeslagen: bool = False

    @property
    def rijen(self) -> int:
        return sum(self.aantallen.values())


# --- entry points -----------------------------------------------------------------------------------


def heeft_gegevens() -> bool:
    return Instelling.objects.exists()


BEHOUDEN = frozenset({"leerroute.Kwalificatie", "samenwerking.AuditRegel", "samenwerking.Gebruiker"})
DOMEIN_APPS = ("samenwerking", "leerroute", "registratie")


def wis_alles() -> None:
    """Remove every row of the domain apps (students, enrolments, signals, deliveries, routes,
    agreements, instellingen, besturen) and the demo users' memberships. Qualifications, users,
    other users' applicatiebeheerder memberships and the audit trail stay.

    One DELETE per table, child tables first (the order follows the foreign keys, so tables that
    other engineers add are included); the ORM's cascade collector would load a million rows into
    memory first. Kept rows that point at removed rows get NULL (SET_NULL) or go (CASCADE).
    """
    bestaand = set(connection.introspection.table_names())
    wissen = [
        m
        for app in DOMEIN_APPS
        for m in django_apps.get_app_config(app).get_models()
        if m._meta.label not in BEHOUDEN and m._meta.db_table in bestaand
    ]
    volgorde = _kinderen_eerst(wissen)
    q = connection.ops.quote_name
    with transaction.atomic():
        for model in django_apps.get_models():
            if model in wissen or model._meta.db_table not in bestaand:
                continue
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in wissen:
                    rijen = model._base_manager.filter(**{f"{f.name}__isnull": False})
                    if f.remote_field.on_delete is models.SET_NULL:
                        rijen.update(**{f.name: None})
                    else:
                        rijen.delete()
        with connection.cursor() as cursor:
            for model in volgorde:
                sql = f"DELETE FROM {q(model._meta.db_table)}"
                if model is Lidmaatschap:  # an applicatiebeheerder's membership is of no instelling
                    sql += f" WHERE {q('instelling_id')} IS NOT NULL OR {q('overeenkomst_id')} IS NOT NULL"
                cursor.execute(sql)
        Lidmaatschap.objects.filter(gebruiker__username__in=DEMO_GEBRUIKERS).delete()


def _kinderen_eerst(modellen: list) -> list:
    """Order models so that a model comes before every model it has a foreign key to."""
    resterend, volgorde = list(modellen), []
    while resterend:
        for m in resterend:
            ouders_van_anderen = {
                f.related_model
                for other in resterend
                if other is not m
                for f in other._meta.concrete_fields
                if f.is_relation
            }
            if m not in ouders_van_anderen:
                volgorde.append(m)
                resterend.remove(m)
                break
        else:
            raise RuntimeError("circular foreign keys between " + ", ".join(str(m) for m in resterend))
    return volgorde


def genereer(
    *,
    studenten: int = STANDAARD_STUDENTEN,
    seed: int = 1,
    peildatum: datetime.date = PEILDATUM,
    chunk: int = CHUNK,
    voortgang: Callable[[int, int, float], None] | None = None,
) -> SeedResultaat:
    """Write the demo data into an empty database, in one transaction."""
    if studenten < MINIMUM_STUDENTEN:
        raise ValueError(f"minstens {MINIMUM_STUDENTEN} leerlingen")
    if peildatum < VROEGSTE_PEILDATUM:
        raise ValueError(f"de peildatum ligt niet vóór {VROEGSTE_PEILDATUM.isoformat()}")
    begin = time.monotonic()
    resultaat = SeedResultaat(
        studenten=studenten,
        seed=seed,
        peildatum=peildatum,
        overgang_datum=fase.schooljaar_start(fase.schooljaar(peildatum) + 1),
    )
    with transaction.atomic():
        structuur = _Structuur.maak(resultaat)
        _Studenten(structuur, studenten, seed, peildatum, resultaat).schrijf(chunk, voortgang, begin)
        kwaliteit_demo.genereer({k: r.id for k, r in structuur.routes.items()}, peildatum)
        AuditRegel.objects.create(
            kanaal=Kanaal.JOB,
            actie=AuditActie.AANGEMAAKT,
            model="registratie.demo",
            object_id=f"seed-{seed}",
            object_repr=f"Demodata: {studenten} leerlingen (seed {seed}, peildatum {peildatum.isoformat()})",
            nieuw={
                "studenten": studenten,
                "seed": seed,
                "peildatum": peildatum.isoformat(),
                "aantallen": resultaat.aantallen,
                "geplant": {k: len(v) for k, v in resultaat.geplant.items()},
            },
        )
    _statistieken_bijwerken()
    resultaat.seconden = time.monotonic() - begin
    return resultaat


def _statistieken_bijwerken() -> None:
    """After a bulk load PostgreSQL's planner still thinks the tables are empty until autovacuum
    gets round to them; the nightly check then picks nested loops over a million rows. ANALYZE
    now, so the first check after a seed runs in seconds, not hours."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- structure --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
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
class _Structuur:
    routes: dict[str, _Route]

    @classmethod
    def maak(cls, resultaat: SeedResultaat) -> _Structuur:
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

        wachtwoord = make_password(WACHTWOORD)  # hashed once for every demo user
        gebruikers = [
            Gebruiker(
                username=u,
                first_name=fn,
                last_name=ln,
                email=f"{u}@example.nl",
                password=wachtwoord,
                is_staff=False,
            )
            for u, fn, ln, *_rest in GEBRUIKERS
        ]
        # Existing demo users are updated in place (their other rows, such as audit rows, stay).
        Gebruiker.objects.bulk_create(
            gebruikers,
            update_conflicts=True,
            unique_fields=["username"],
            update_fields=["first_name", "last_name", "email", "password", "is_staff", "is_active"],
        )
        Lidmaatschap.objects.filter(gebruiker__in=gebruikers).delete()
        lidmaatschappen = Lidmaatschap.objects.bulk_create(
            [
                Lidmaatschap(gebruiker=g, rol=rol, instelling=instellingen[inst] if inst else None)
                for g, (_u, _f, _l, rol, inst, ovk, _d) in zip(gebruikers, GEBRUIKERS, strict=True)
                if not ovk
            ]
            + [
                Lidmaatschap(gebruiker=g, rol=rol, overeenkomst=overeenkomsten[o])
                for g, (_u, _f, _l, rol, _i, ovk, _d) in zip(gebruikers, GEBRUIKERS, strict=True)
                for o in ovk
            ]
        )
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
            info[k] = _Route(
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


# --- students ---------------------------------------------------------------------------------------


class _Studenten:
    """Draws the students one by one from one random stream and writes them per chunk."""

    def __init__(self, structuur: _Structuur, aantal: int, seed: int, peildatum, resultaat: SeedResultaat):
        self.s = structuur
        self.aantal = aantal
        self.rng = random.Random(seed)
        self.peildatum = peildatum
        self.peiljaar = fase.schooljaar(peildatum)
        self.resultaat = resultaat
        self.volgnummer: dict[int, int] = {}
        self.onderwijsnummers = 0

        routes = [r for r in structuur.routes.values() if r.gewicht > 0]
        self.routes = routes
        self.route_gewichten = []
        totaal = 0
        for r in routes:
            totaal += r.gewicht
            self.route_gewichten.append(totaal)
        hoofd = [r for r in routes if r.overeenkomst_key == HOOFDOVEREENKOMST]
        self.hoofdroutes = hoofd
        self.hoofdroutes_dlr = [r for r in hoofd if r.soort == "DLR"]
        self.beeindigde_route = structuur.routes[BEEINDIGDE_ROUTE]

        # Permutations that make every student's BSN (and onderwijsnummer) unique.
        self.bsn_a, self.bsn_b = 7_654_321, self.rng.randrange(9_000_000)
        self.onr_a, self.onr_b = 7_919, self.rng.randrange(100_000)

        per_soort = max(3, aantal // 250)
        gekozen = self.rng.sample(range(aantal), per_soort * len(GEPLANT))
        self.geplant = {idx: GEPLANT[n // per_soort] for n, idx in enumerate(gekozen)}
        resultaat.geplant = {k: [] for k in GEPLANT}
        for k in ("leerlingen", "inschrijvingen", "fasewissels", "uitstroom"):
            resultaat.aantallen[k] = 0

    # --- writing ---

    def schrijf(self, chunk: int, voortgang, begin: float) -> None:
        for start in range(0, self.aantal, chunk):
            plannen = [self._student(i) for i in range(start, min(start + chunk, self.aantal))]
            self._schrijf_chunk(plannen)
            if settings.DEBUG and not connection.force_debug_cursor:
                # With DEBUG on Django keeps every statement (here: thousands of rows each) in
                # memory; drop them per chunk, unless a test is capturing them.
                reset_queries()
            if voortgang:
                voortgang(min(start + chunk, self.aantal), self.aantal, time.monotonic() - begin)

    def _schrijf_chunk(self, plannen) -> None:
        leerlingen = [p[0] for p in plannen]
        Leerling.objects.bulk_create(leerlingen, batch_size=BATCH)
        inschrijvingen = []
        for leerling, ins, _u, _kind in plannen:
            for i, _w in ins:
                i.leerling_id = leerling.pk
                inschrijvingen.append(i)
        Inschrijving.objects.bulk_create(inschrijvingen, batch_size=BATCH)
        wissels, uitstroom = [], []
        for leerling, ins, u, kind in plannen:
            for i, ws in ins:
                wissels += [
                    Fasewissel(inschrijving_id=i.pk, van_fase=van, naar_fase=naar, ingangsdatum=d)
                    for van, naar, d in ws
                ]
            if u is not None:
                u.leerling_id = leerling.pk
                uitstroom.append(u)
            if kind:
                self.resultaat.geplant[kind].append(leerling.pk)
        Fasewissel.objects.bulk_create(wissels, batch_size=BATCH)
        Uitstroom.objects.bulk_create(uitstroom, batch_size=BATCH)
        a = self.resultaat.aantallen
        a["leerlingen"] += len(leerlingen)
        a["inschrijvingen"] += len(inschrijvingen)
        a["fasewissels"] += len(wissels)
        a["uitstroom"] += len(uitstroom)

    # --- one student ---

    def _student(self, idx: int):
        """(Leerling, [(Inschrijving, [(van, naar, datum)])], Uitstroom | None, planted kind | None)."""
        rng = self.rng
        kind = self.geplant.get(idx)
        overstap = kind is None and idx % 30 == 11  # about 3% stopped or switched in the vo-fase
        if kind == "R-LR-8":
            route = self.beeindigde_route
        elif kind in ("R-INS-3", "R-INS-5"):
            route = rng.choice(self.hoofdroutes_dlr)
        elif kind:
            route = rng.choice(self.hoofdroutes)
        else:
            route = rng.choices(self.routes, cum_weights=self.route_gewichten)[0]

        # Route year on the peildatum, and from it the route start (1 August of vmbo leerjaar 3).
        if kind in ("R-INS-6", "R-INS-1") or overstap:
            jaar = rng.randint(1, 2)
        elif kind in ("R-INS-3", "R-INS-4", "R-INS-5"):
            jaar = rng.randint(3, route.max_routejaar)
        elif kind == "R-LR-8":
            jaar = self.peiljaar - 2024 + 1  # started while the agreement still ran (2024)
        else:
            jaar = rng.randint(1, route.max_routejaar)
        startjaar = self.peiljaar - (jaar - 1)
        gewoon = kind is None and not overstap
        leerjaar = 4 if jaar >= 2 and gewoon and rng.random() < 0.08 else 3
        vo_start = fase.schooljaar_start(startjaar + leerjaar - 3)
        if gewoon and rng.random() < 0.08:  # joined some weeks into the school year
            vo_start = min(vo_start + datetime.timedelta(days=rng.randint(14, 60)), self.peildatum)
        routestart = fase.routestart(vo_start, leerjaar)
        mbo_fase = fase.mbo_fase_start(vo_start, leerjaar)
        assert fase.routejaar(vo_start, leerjaar, self.peildatum) == jaar
        in_mbo_fase = fase.verwachte_fase(jaar) == "mbo"

        leerling = self._leerling(idx, route, routestart, rng)
        vo_gepland = mbo_fase - datetime.timedelta(days=1)
        mbo_gepland = fase.schooljaar_start(mbo_fase.year + MBO_JAREN[route.niveau]) - datetime.timedelta(
            days=1
        )
        vo = self._vo(route, vo_start, leerjaar, "vo", vo_gepland)
        vo_w: list = []
        mbo_w: list = []
        uitstroom = None

        if kind == "R-INS-6":
            mbo = self._mbo(route, vo_start, "mbo", mbo_gepland)  # mbo says mbo, vo says vo
        elif kind == "R-INS-1":
            vroeg = routestart - datetime.timedelta(days=rng.randint(30, 240))
            mbo = self._mbo(route, vroeg, "vo", mbo_gepland)
        elif kind == "R-INS-3":
            vo.fase, vo_w, mbo = "mbo", [("vo", "mbo", mbo_fase)], None
        elif kind == "R-INS-4":
            self._vo_diploma(vo, mbo_fase, rng)
            mbo = self._mbo(route, vo_start, "mbo", mbo_gepland)
            mbo_w = [("vo", "mbo", mbo_fase + datetime.timedelta(days=rng.randint(7, 45)))]
        elif kind == "R-INS-5":
            vo.fase, vo_w = "mbo", [("vo", "mbo", mbo_fase)]
            vo.einddatum = mbo_fase + datetime.timedelta(days=rng.randint(10, 50))
            vo.reden_einde = "vo_afgerond"
            mbo = self._mbo(route, mbo_fase, "mbo", mbo_gepland)
        elif kind == "R-LR-8":
            mbo = self._mbo(route, vo_start, "vo", mbo_gepland)
            if in_mbo_fase:
                vo.fase, vo_w = "mbo", [("vo", "mbo", mbo_fase)]
                mbo.fase, mbo_w = "mbo", [("vo", "mbo", mbo_fase)]
        elif not in_mbo_fase:
            mbo_start = vo_start
            if jaar == 2 and rng.random() < 0.3:
                mbo_start = max(vo_start, fase.schooljaar_start(startjaar + 1))
            mbo = self._mbo(route, mbo_start, "vo", mbo_gepland)
            uitstroom = self._uitstroom(route, vo, mbo, mbo_fase, rng) if overstap else None
            if uitstroom is None and jaar == 2:
                self.resultaat.overgang_aantal += 1
        else:
            if rng.random() < 0.6:  # enrolled at the mbo already in the vo-fase
                mbo = self._mbo(route, vo_start, "mbo", mbo_gepland)
                mbo_w = [("vo", "mbo", mbo_fase)]
            else:
                mbo = self._mbo(route, mbo_fase, "mbo", mbo_gepland)
                if rng.random() < 0.3:
                    mbo.leervorm = "BBL"
            vo_w = self._vo_in_mbo_fase(route, vo, mbo_fase, rng)

        ins = [(vo, vo_w)]
        if mbo is not None:
            ins.append((mbo, mbo_w))
        return leerling, ins, uitstroom, kind

    def _vo_in_mbo_fase(self, route, vo, mbo_fase, rng) -> list:
        """The vo side of a student in the mbo-fase, valid under R-INS-5; returns its fasewissels."""
        kans = rng.random()
        if route.soort == "GLR" and kans < 0.7:
            vo.einddatum, vo.reden_einde = mbo_fase - datetime.timedelta(days=1), "glr_mbo_fase"
            return []
        if kans < 0.55 or route.soort == "GLR":
            self._vo_diploma(vo, mbo_fase, rng)
            return []
        vo.fase = "mbo"
        if kans < 0.8:  # DLR without a vmbo diploma: stays enrolled at the vo-school
            return [("vo", "mbo", mbo_fase)]
        ruimte = max(1, min(300, (self.peildatum - mbo_fase).days))
        afgerond = mbo_fase + datetime.timedelta(days=rng.randint(1, ruimte))
        vo.einddatum = vo.vo_activiteiten_afgerond_op = min(afgerond, self.peildatum)
        vo.reden_einde = "vo_afgerond"
        return [("vo", "mbo", mbo_fase)]

    @staticmethod
    def _vo_diploma(vo, mbo_fase, rng) -> None:
        vo.einddatum = mbo_fase - datetime.timedelta(days=1)
        vo.vmbo_diploma_datum = datetime.date(mbo_fase.year, 6, 1) + datetime.timedelta(
            days=rng.randint(14, 45)
        )
        vo.reden_einde = "diploma"

    def _uitstroom(self, route, vo, mbo, mbo_fase, rng):
        """A student who stopped or switched in the vo-fase (overstapoptie, R-INS-10)."""
        vroegst = max(vo.startdatum, mbo.startdatum) + datetime.timedelta(days=30)
        laatst = min(self.peildatum - datetime.timedelta(days=1), mbo_fase - datetime.timedelta(days=1))
        if vroegst > laatst:
            return None
        datum = vroegst + datetime.timedelta(days=rng.randint(0, (laatst - vroegst).days))
        for i in (vo, mbo):
            i.einddatum, i.reden_einde = datum, "overstap"
        reden, bestemming, toelichting = rng.choice(OVERSTAPPEN)
        return Uitstroom(
            leerroute_id=route.id, datum=datum, reden=reden, bestemming=bestemming, toelichting=toelichting
        )

    def _leerling(self, idx, route, routestart, rng) -> Leerling:
        voornaam = rng.choice(VOORNAMEN)
        namen = [voornaam] + ([rng.choice(TWEEDE_NAMEN)] if rng.random() < 0.6 else [])
        if rng.random() < 0.3:
            tussenvoegsel, achternaam = rng.choice(TUSSENVOEGSELS), rng.choice(MET_TUSSENVOEGSEL)
        else:
            tussenvoegsel, achternaam = "", rng.choice(ACHTERNAMEN)
        # vmbo leerjaar 3 at 14: born between 1 October and 30 September, a few a year older
        geboren = datetime.date(routestart.year - 15, 10, 1) + datetime.timedelta(days=rng.randint(0, 364))
        if rng.random() < 0.1:
            geboren -= datetime.timedelta(days=365)
        bsn = onderwijsnummer = None
        if idx % 40 == 3:  # 2.5% without a BSN, at least one in every small seed
            onderwijsnummer = self._onderwijsnummer()
        else:
            bsn = self._bsn(idx)
        return Leerling(
            instelling_id=route.vo_id,
            bsn=bsn,
            onderwijsnummer=onderwijsnummer,
            voornamen=" ".join(namen),
            voorletters="".join(f"{n[0]}." for n in namen),
            roepnaam=voornaam,
            tussenvoegsel=tussenvoegsel,
            achternaam=achternaam,
            geboortedatum=geboren,
        )

    def _bsn(self, idx: int) -> str:
        """A unique valid BSN per student: a permutation of the first seven digits, then the first
        eighth digit for which the elfproef has a check digit."""
        zeven = 1_000_000 + (self.bsn_a * idx + self.bsn_b) % 9_000_000
        for d in range(10):
            bsn = bsn_with_check_digit(f"{zeven:07d}{(idx + d) % 10}")
            if bsn:
                return bsn
        raise AssertionError("no check digit fits")  # pragma: no cover - one of ten always does

    def _onderwijsnummer(self) -> str:
        n = self.onderwijsnummers
        self.onderwijsnummers += 1
        vijf = (self.onr_a * n + self.onr_b) % 100_000
        for d in range(10):
            nummer = onderwijsnummer_with_check_digit(f"10{vijf:05d}{(n + d) % 10}")
            if nummer:
                return nummer
        raise AssertionError("no check digit fits")  # pragma: no cover

    def _volgnummer(self, instelling_id: int, start: datetime.date) -> str:
        n = self.volgnummer.get(instelling_id, 0) + 1
        self.volgnummer[instelling_id] = n
        return f"{start.year}{n:07d}"

    def _vo(self, route: _Route, start, leerjaar, fase_, gepland) -> Inschrijving:
        return Inschrijving(
            leerroute_id=route.id,
            sector="vo",
            instelling_id=route.vo_id,
            vestiging_id=route.vo_vestiging_id,
            inschrijvingsvolgnummer=self._volgnummer(route.vo_id, start),
            opleidingskenmerk=route.soort,
            fase=fase_,
            startdatum=start,
            geplande_einddatum=gepland,
            leerjaar=leerjaar,
            leerweg=route.leerweg,
        )

    def _mbo(self, route: _Route, start, fase_, gepland) -> Inschrijving:
        return Inschrijving(
            leerroute_id=route.id,
            sector="mbo",
            instelling_id=route.mbo_id,
            vestiging_id=route.mbo_vestiging_id,
            inschrijvingsvolgnummer=self._volgnummer(route.mbo_id, start),
            opleidingskenmerk=route.soort,
            fase=fase_,
            startdatum=start,
            geplande_einddatum=gepland,
            kwalificatie_id=route.kwalificatie_id,
            leervorm="BOL",
        )


OVERSTAPPEN = (
    (
        "overstap_leerweg",
        "vmbo",
        "Stapt over naar de reguliere vmbo-leerweg op dezelfde school; daarna een mbo-opleiding "
        "niveau 2 volgens de overstapoptie.",
    ),
    (
        "overstap_opleiding",
        "mbo",
        "Gaat naar een andere mbo-opleiding van hetzelfde niveau bij de mbo-partner, met begeleiding "
        "naar een startkwalificatie.",
    ),
    (
        "overstap_leerweg",
        "andere_route",
        "Stapt over naar een andere leerroute van de samenwerking (andere kwalificatie).",
    ),
    (
        "stopt",
        "werk_leren",
        "Kiest voor werken en leren (BBL) bij een erkend leerbedrijf; de mbo-partner begeleidt naar "
        "een startkwalificatie.",
    ),
    ("verhuizing", "anders", "Verhuist naar een andere regio; de nieuwe school is geïnformeerd."),
)
