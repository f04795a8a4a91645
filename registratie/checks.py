"""The fase check: every due fase change and every rule breach becomes a Signaal for a coordinator.

Set-based: each rule is one query that finds the offending rows, with the route-year arithmetic
of ``registratie.fase`` as database expressions; then one bulk insert adds the new signals and one
update closes the signals whose cause has gone (with the date). The number of queries does not
grow with the number of students.

A signal is identified by its ``sleutel`` (source, rule and the rows concerned): a re-run finds the
open signal instead of adding a second one, and a signal a coordinator dismissed stays dismissed.
Only signals of this source (``BRON``) are closed here; ROD delivery has its own.

Run it with ``registratie.tasks.check_phases_task`` (nightly, beat) or ``manage.py check_phases``;
both call ``draai()``.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext

from registratie import checks_afhankelijk, checks_opslag, fase, locks, monitoring
from registratie.models import (
    SIGNAAL_OPEN,
    Fasewissel,
    Inschrijving,
    RedenEinde,
    Signaal,
)

BRON = "fasecontrole"
LOCK_NAAM = "check_phases"
OPEN = SIGNAAL_OPEN
REGEL_OVERGANG = "R-INS-1"  # a proposed transition: from route year 3 the mbo-fase (on 1 August)
_STROOM = 2000  # rows per fetch of a rule's streamed query


@dataclass
class Bevinding:
    """One finding of one rule: becomes (or matches) one signal."""

    regel: str
    sleutel: str
    toelichting: str
    overeenkomst_id: int
    leerling_id: int | None = None
    inschrijving_id: int | None = None
    instelling_id: int | None = None
    partner_instelling_id: int | None = None
    voorgestelde_datum: datetime.date | None = None
    leerroute_id: int | None = None

    def als_signaal(self) -> Signaal:
        return Signaal(
            regel=self.regel,
            sleutel=self.sleutel,
            bron=BRON,
            leerling_id=self.leerling_id,
            inschrijving_id=self.inschrijving_id,
            overeenkomst_id=self.overeenkomst_id,
            instelling_id=self.instelling_id,
            partner_instelling_id=self.partner_instelling_id,
            toelichting=self.toelichting,
            voorgestelde_datum=self.voorgestelde_datum,
            leerroute_id=self.leerroute_id,
        )


@dataclass
class Resultaat:
    """What a run found and did. The counts are always kept; the findings and signals themselves
    only with ``details`` (the command and the tests), so the nightly job's memory does not grow
    with the number of findings."""

    peildatum: datetime.date
    details: bool = True
    bevindingen: list[Bevinding] = field(default_factory=list)
    nieuw: set[str] = field(default_factory=set)  # sleutels of the signals added by this run
    afgewezen: set[str] = field(default_factory=set)  # found again, but dismissed earlier
    gesloten: list[Signaal] = field(default_factory=list)  # closed by this run: cause is gone
    per_regel: Counter = field(default_factory=Counter)
    aantal_overgangen: int = 0
    aantal_nieuw: int = 0
    aantal_gesloten: int = 0

    def status_van(self, b: Bevinding) -> str:
        if b.sleutel in self.nieuw:
            return "nieuw"
        return "afgewezen" if b.sleutel in self.afgewezen else "open"

    def samenvatting(self) -> dict:
        return {
            "peildatum": self.peildatum.isoformat(),
            "bevindingen": sum(self.per_regel.values()),
            "nieuw": self.aantal_nieuw,
            "gesloten": self.aantal_gesloten,
            "overgangen": self.aantal_overgangen,
            "per_regel": dict(sorted(self.per_regel.items())),
        }


def draai(peildatum: datetime.date | None = None, *, details: bool = False) -> Resultaat:
    """What the task and the command run: the check, under a lock so two runs never overlap.
    The nightly task keeps only the counts; the command asks for ``details`` to print them.

    Raises ``locks.AlBezig`` when another run holds the lock.
    """
    with locks.enkele_run(LOCK_NAAM):
        return check_phases(peildatum=peildatum, details=details)


@transaction.atomic
def check_phases(*, peildatum: datetime.date | None = None, details: bool = True) -> Resultaat:
    """Find, add new signals, close the fixed ones: all or nothing.

    Streamed: the findings go one by one to registratie.checks_opslag, which stores them set-based
    (PostgreSQL) or per batch and closes the signals whose cause has gone."""
    peildatum = peildatum or timezone.localdate()
    resultaat = Resultaat(peildatum=peildatum, details=details)
    checks_opslag.planner_instellen()
    checks_opslag.opslaan(alle_bevindingen(peildatum), resultaat)
    # The monitoring page reads the figures this nightly run stores (registratie.monitoring).
    monitoring.verversen(peildatum)
    return resultaat


def controleer(peildatum: datetime.date, gevonden: set[str] | None = None) -> Iterator[Bevinding]:
    """Every finding on ``peildatum``, one query per rule, streamed; reads only. A key found
    twice counts once; ``gevonden`` collects the keys."""
    gevonden = set() if gevonden is None else gevonden
    for b in alle_bevindingen(peildatum):
        if b.sleutel not in gevonden:
            gevonden.add(b.sleutel)
            yield b


def alle_bevindingen(peildatum: datetime.date) -> Iterator[Bevinding]:
    """Every finding of every rule, in rule order; a key can come twice (the first one counts)."""
    from registratie import checks_paren  # imports this module's helpers, so not at the top

    _taal_van_run["taal"] = get_language()
    try:
        for regel in (
            overgangen,
            zonder_mbo_inschrijving,
            fasewissel_niet_op_1_augustus,
            dlr_vo_einde_zonder_diploma,
            checks_paren.registraties_oneens,
            checks_paren.overeenkomst_niet_actief,
            checks_paren.start_voor_leerjaar_3,
            *checks_afhankelijk.REGELS,  # rules that read other rows (docs/regels-afhankelijkheden.md)
        ):
            yield from regel(peildatum)
    finally:
        _taal_van_run.clear()


# --- helpers ---------------------------------------------------------------------------------------


# Texts and dates repeat for every finding of a rule: translate and format each once per language
# (they were most of a run's time at a million enrolments). controleer() notes the language once
# per run; asking for it per text costs as much as the translation.
_taal_van_run: dict[str, str | None] = {}


def _taal() -> str | None:
    return _taal_van_run.get("taal") or get_language()


@functools.lru_cache(maxsize=4096)
def _vertaald(taal: str | None, tekst: str) -> str:
    return gettext(tekst)


def _(tekst: str) -> str:
    return _vertaald(_taal(), tekst)


@functools.lru_cache(maxsize=4096)
def _datum_in(taal: str | None, d: datetime.date) -> str:
    return date_format(d, "j F Y")


def _datum(d: datetime.date) -> str:
    return _datum_in(_taal(), d)


def _sleutel(regel: str, *delen) -> str:
    return ":".join([BRON, regel, *(str(d) for d in delen)])


def _lopend_op(datum: datetime.date, pad: str = "") -> Q:
    """Enrolments running on ``datum`` (the end date is the last day)."""
    return Q(**{f"{pad}startdatum__lte": datum}) & (
        Q(**{f"{pad}einddatum__isnull": True}) | Q(**{f"{pad}einddatum__gte": datum})
    )


def _niet_beeindigd_voor(datum: datetime.date) -> Q:
    return Q(einddatum__isnull=True) | Q(einddatum__gte=datum)


def _geldig():
    """Enrolments that count: not ended as a correction of a wrong registration."""
    return Inschrijving.objects.exclude(reden_einde=RedenEinde.CORRECTIE)


def _route_velden(pad: str = "") -> dict:
    """The route, its agreement and both parties, as aliases for values()."""
    r = f"{pad}leerroute__"
    return {
        "route_id": F(f"{r}id"),
        "route_naam": F(f"{r}naam"),
        "route_soort": F(f"{r}soort"),
        "overeenkomst_id": F(f"{r}overeenkomst_id"),
        "vo_id": F(f"{r}overeenkomst__vo_instelling_id"),
        "vo_naam": F(f"{r}overeenkomst__vo_instelling__naam"),
        "mbo_id": F(f"{r}overeenkomst__mbo_instelling_id"),
        "mbo_naam": F(f"{r}overeenkomst__mbo_instelling__naam"),
    }


def _routestartjaar_van_vo():
    """Per row: the routestartjaar from the student's (first) vo-inschrijving in the same route."""
    return Subquery(
        _geldig()
        .filter(sector="vo", leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute"))
        .order_by("startdatum", "id")
        .annotate(j=fase.routestartjaar_expr())
        .values("j")[:1]
    )


def _partij(r: dict, sector: str) -> tuple[int, int]:
    """(instelling, partner) for the side ``sector`` of the row's route."""
    return (r["vo_id"], r["mbo_id"]) if sector == "vo" else (r["mbo_id"], r["vo_id"])


# --- the rules -------------------------------------------------------------------------------------


def overgangen(peildatum: datetime.date) -> Iterator[Bevinding]:
    """Students who move to the mbo-fase on the coming 1 August (or should have already): one
    proposed transition per student and route, with the date (R-INS-1, R-INS-4)."""
    komende = fase.komende_schooljaarstart(peildatum)
    mbo_lopend = (
        _geldig()
        .filter(sector="mbo", leerling=OuterRef("leerling"), leerroute=OuterRef("leerroute"))
        .filter(_niet_beeindigd_voor(komende))
    )
    rijen = (
        _geldig()
        .filter(fase="vo")
        .filter(_niet_beeindigd_voor(komende))
        .annotate(rsj=_routestartjaar_van_vo(), heeft_mbo=Exists(mbo_lopend))
        .filter(rsj__lte=komende.year - fase.VO_FASE_JAREN)
        .order_by("leerling_id", "leerroute_id", "sector", "id")
        .values("id", "leerling_id", "sector", "rsj", "heeft_mbo", **_route_velden())
    )
    for (leerling_id, route_id), rijen_van_student in groupby(
        rijen.iterator(chunk_size=_STROOM), key=lambda r: (r["leerling_id"], r["route_id"])
    ):
        groep = list(rijen_van_student)
        r = next((g for g in groep if g["sector"] == "vo"), groep[0])
        start = fase.schooljaar_start(r["rsj"] + fase.VO_FASE_JAREN)
        kanten = sorted({g["sector"] for g in groep})
        tekst = _(
            "Volgens de vo-inschrijving begon routejaar 1 (vmbo-leerjaar 3) in schooljaar "
            "%(cohort)s, dus begint routejaar 3, de mbo-fase, op %(start)s (R-INS-1). "
        ) % {"cohort": fase.schooljaar_label(r["rsj"]), "start": _datum(start)}
        if start < komende:
            tekst += _("De overgang is te laat: %(kanten)s staat nog in de vo-fase. ") % {
                "kanten": _(" en ").join(f"de {k}-inschrijving" for k in kanten)
            }
        tekst += _(
            "Voorstel: zet de vo-inschrijving bij %(vo)s en de mbo-inschrijving bij %(mbo)s per "
            "%(start)s in de mbo-fase (fasewissel per 1 augustus, R-INS-4). "
        ) % {"vo": r["vo_naam"], "mbo": r["mbo_naam"], "start": _datum(start)}
        if not r["heeft_mbo"]:
            tekst += _(
                "Let op: er is nog geen mbo-inschrijving; %(mbo)s schrijft de leerling uiterlijk "
                "bij de start van de mbo-fase in (R-INS-3). "
            ) % {"mbo": r["mbo_naam"]}
        tekst += _(
            "Klopt het routejaar niet (bijvoorbeeld na doubleren), corrigeer dan het vmbo-leerjaar "
            "van de vo-inschrijving of wijs het voorstel af met een reden."
        )
        yield (
            Bevinding(
                regel=REGEL_OVERGANG,
                sleutel=_sleutel("overgang", leerling_id, route_id, start.isoformat()),
                toelichting=tekst,
                overeenkomst_id=r["overeenkomst_id"],
                leerroute_id=r["route_id"],
                leerling_id=leerling_id,
                inschrijving_id=r["id"],
                instelling_id=r["vo_id"],
                partner_instelling_id=r["mbo_id"],
                voorgestelde_datum=start,
            )
        )


def zonder_mbo_inschrijving(peildatum: datetime.date) -> Iterator[Bevinding]:
    """R-INS-3: a student in the mbo-fase (route year 3 or later) without an mbo-inschrijving."""
    mbo = _geldig().filter(
        sector="mbo",
        leerling=OuterRef("leerling"),
        leerroute=OuterRef("leerroute"),
        startdatum__lte=peildatum,
    )
    rijen = (
        _geldig()
        .filter(sector="vo")
        .filter(_niet_beeindigd_voor(peildatum) | Q(reden_einde=RedenEinde.GLR_MBO_FASE))
        .annotate(rsj=fase.routestartjaar_expr())
        .filter(rsj__lte=fase.schooljaar(peildatum) - fase.VO_FASE_JAREN)
        .filter(~Exists(mbo))
        .order_by("id")
        .values("id", "leerling_id", "rsj", **_route_velden())
    )
    for r in rijen.iterator(chunk_size=_STROOM):
        start = fase.schooljaar_start(r["rsj"] + fase.VO_FASE_JAREN)
        yield (
            Bevinding(
                regel="R-INS-3",
                sleutel=_sleutel("R-INS-3", r["id"]),
                toelichting=_(
                    "De leerling zit sinds %(start)s in de mbo-fase (routejaar %(jaar)s) van route "
                    "'%(route)s', maar heeft op %(peildatum)s geen mbo-inschrijving. De mbo-instelling "
                    "schrijft de leerling uiterlijk bij de start van de mbo-fase in (R-INS-3). "
                    "Oplossing: %(mbo)s legt de mbo-inschrijving vast met hetzelfde opleidingskenmerk "
                    "(%(soort)s) en de fase; is de leerling gestopt of overgestapt, leg dan de "
                    "uitstroom vast (overstapoptie)."
                )
                % {
                    "start": _datum(start),
                    "jaar": fase.schooljaar(peildatum) - r["rsj"] + 1,
                    "route": r["route_naam"],
                    "peildatum": _datum(peildatum),
                    "mbo": r["mbo_naam"],
                    "soort": r["route_soort"],
                },
                overeenkomst_id=r["overeenkomst_id"],
                leerroute_id=r["route_id"],
                leerling_id=r["leerling_id"],
                inschrijving_id=r["id"],
                instelling_id=r["mbo_id"],
                partner_instelling_id=r["vo_id"],
            )
        )


def fasewissel_niet_op_1_augustus(peildatum: datetime.date) -> Iterator[Bevinding]:
    """R-INS-4: a recorded fase change dated on any day but 1 August."""
    rijen = (
        Fasewissel.objects.exclude(
            ingangsdatum__month=fase.SCHOOLJAAR_MAAND, ingangsdatum__day=fase.SCHOOLJAAR_DAG
        )
        .exclude(inschrijving__reden_einde=RedenEinde.CORRECTIE)
        .order_by("id")
        .values(
            "id",
            "ingangsdatum",
            "van_fase",
            "naar_fase",
            inschrijving_nr=F("inschrijving_id"),
            leerling_id=F("inschrijving__leerling_id"),
            sector=F("inschrijving__sector"),
            **_route_velden("inschrijving__"),
        )
    )
    for r in rijen.iterator(chunk_size=_STROOM):
        instelling, partner = _partij(r, r["sector"])
        schooljaar_begin = fase.schooljaar_start(fase.schooljaar(r["ingangsdatum"]))
        yield (
            Bevinding(
                regel="R-INS-4",
                sleutel=_sleutel("R-INS-4", r["id"]),
                toelichting=_(
                    "De fasewissel van de %(kant)s-inschrijving van de %(van)s-fase naar de "
                    "%(naar)s-fase gaat in op %(datum)s. Een fasewissel kan alleen per 1 augustus, "
                    "het begin van het schooljaar (R-INS-4). Oplossing: corrigeer de ingangsdatum "
                    "naar %(begin)s of %(volgend)s, of trek de fasewissel in."
                )
                % {
                    "kant": r["sector"],
                    "van": r["van_fase"],
                    "naar": r["naar_fase"],
                    "datum": _datum(r["ingangsdatum"]),
                    "begin": _datum(schooljaar_begin),
                    "volgend": _datum(fase.schooljaar_start(schooljaar_begin.year + 1)),
                },
                overeenkomst_id=r["overeenkomst_id"],
                leerroute_id=r["route_id"],
                leerling_id=r["leerling_id"],
                inschrijving_id=r["inschrijving_nr"],
                instelling_id=instelling,
                partner_instelling_id=partner,
            )
        )


def dlr_vo_einde_zonder_diploma(peildatum: datetime.date) -> Iterator[Bevinding]:
    """R-INS-5: a DLR vo-inschrijving that ended without a vmbo diploma and before all vo
    activities were completed (stopping or switching, the overstapoptie, is not a breach)."""
    rijen = (
        Inschrijving.objects.filter(sector="vo", opleidingskenmerk="DLR", einddatum__isnull=False)
        .exclude(reden_einde__in=[RedenEinde.OVERSTAP, RedenEinde.CORRECTIE])
        .filter(Q(vmbo_diploma_datum__isnull=True) | Q(vmbo_diploma_datum__gt=F("einddatum")))
        .filter(
            Q(vo_activiteiten_afgerond_op__isnull=True) | Q(vo_activiteiten_afgerond_op__gt=F("einddatum"))
        )
        .order_by("id")
        .values("id", "leerling_id", "einddatum", "reden_einde", **_route_velden())
    )
    return (
        Bevinding(
            regel="R-INS-5",
            sleutel=_sleutel("R-INS-5", r["id"]),
            toelichting=_(
                "De vo-inschrijving bij %(vo)s in de doorlopende leerroute '%(route)s' eindigt op "
                "%(eind)s, maar de leerling heeft dan geen vmbo-diploma en de vo-activiteiten zijn "
                "niet afgerond. Bij een DLR blijft de leerling zonder vmbo-diploma ingeschreven bij "
                "de vo-school tot alle vo-activiteiten zijn afgerond (R-INS-5). Oplossing: vul de "
                "datum van het vmbo-diploma of van het afronden van de vo-activiteiten in, of "
                "heropen de vo-inschrijving; is de leerling gestopt of overgestapt, leg dan de "
                "uitstroom vast (overstapoptie)."
            )
            % {"vo": r["vo_naam"], "route": r["route_naam"], "eind": _datum(r["einddatum"])},
            overeenkomst_id=r["overeenkomst_id"],
            leerroute_id=r["route_id"],
            leerling_id=r["leerling_id"],
            inschrijving_id=r["id"],
            instelling_id=r["vo_id"],
            partner_instelling_id=r["mbo_id"],
        )
        for r in rijen.iterator(chunk_size=_STROOM)
    )
