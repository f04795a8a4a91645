"""The import itself: every row by the same rules as the screens and the API.

One transaction for the whole file: a dry run reports every row (what would be created or
changed, every error with row, column and rule id) and rolls everything back; a real run commits
only when no row has an error (all or nothing). A row that equals what is stored is left alone,
so importing the same file twice changes nothing. The students, enrolments, routes and
qualifications a file names are read up front in a few set-based queries, not one per row.
A new enrolment is checked in memory and written in bulk with the others (importeren.snel); a
changed row goes through the services in its own savepoint. The rules that read other rows
(registratie.afhankelijkheden) are re-checked once, set-based, for the whole file at its end.
The report names rows by number, never by BSN."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from config.api import _rule_of
from leerroute.models import Kwalificatie, Leerroute
from registratie import services
from registratie.importeren.bestand import bronkolom, lees
from registratie.importeren.snel import Bundel
from registratie.models import ImportKoppeling, Inschrijving, Leerling
from samenwerking import afhankelijkheden, scope
from samenwerking.models import Kanaal
from samenwerking.services import opslaan
from samenwerking.versleuteling import zoekhash

LEERLING_VELDEN = ("voorletters", "voornamen", "tussenvoegsel", "achternaam", "geboortedatum")
# Model field -> our column, to name the column of a rule's error.
VELD_KOLOM = {"leerroute": "leerroute", "kwalificatie": "crebo", "sector": "kant", "leerling": "bsn"}


@dataclass
class Fout:
    rij: int  # 2 = the first data row (row 1 holds the headers), as in a spreadsheet
    kolom: str | None
    regel: str | None
    melding: str


@dataclass
class Rapport:
    dry_run: bool
    rijen: int = 0
    aangemaakt: int = 0
    gewijzigd: int = 0
    ongewijzigd: int = 0
    fouten: list[Fout] = field(default_factory=list)
    acties: list[tuple[int, str]] = field(default_factory=list)  # (row, what happens)

    @property
    def doorgevoerd(self) -> bool:
        return not self.dry_run and not self.fouten

    def als_dict(self) -> dict:
        """The report as the API answers it and the upload screen stores it (JSON)."""
        return {
            **{
                k: getattr(self, k)
                for k in ("dry_run", "doorgevoerd", "rijen", "aangemaakt", "gewijzigd", "ongewijzigd")
            },
            "fouten": [vars(f) for f in self.fouten],
            "acties": [[str(rij), actie] for rij, actie in self.acties],
        }


def _datum(tekst: str, kolom: str) -> datetime.date | None:
    if not tekst:
        return None
    for formaat in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(tekst, formaat).date()
        except ValueError:
            continue
    raise ValidationError({kolom: _("Geen geldige datum (JJJJ-MM-DD of DD-MM-JJJJ): %(w)s") % {"w": tekst}})


def _geheel(tekst: str, kolom: str) -> int | None:
    if not tekst:
        return None
    try:
        return int(tekst)
    except ValueError:
        raise ValidationError({kolom: _("Geen geheel getal: %(w)s") % {"w": tekst}}) from None


class _Context:
    """What the rows refer to, read once for the whole file."""

    def __init__(self, rijen: list[dict], instelling, door):
        self.instelling, self.door = instelling, door
        self.aangeraakt: list = []  # the cached rows the current row changed in memory
        routes = Leerroute.objects.filter(
            Q(overeenkomst__vo_instelling=instelling) | Q(overeenkomst__mbo_instelling=instelling)
        ).select_related("overeenkomst__vo_instelling", "overeenkomst__mbo_instelling", "kwalificatie")
        self.routes = {str(r.pk): r for r in routes} | {r.naam.lower(): r for r in routes}
        crebos = {r.get("crebo") for r in rijen if r.get("crebo")}
        self.kwalificaties = {k.crebo: k for k in Kwalificatie.objects.filter(crebo__in=crebos)}
        hashes = {zoekhash(r.get(k)) for r in rijen for k in ("bsn", "onderwijsnummer") if r.get(k)}
        self.leerlingen = {}
        for leerling in Leerling.objects.filter(Q(bsn_hash__in=hashes) | Q(onderwijsnummer_hash__in=hashes)):
            for h in (leerling.bsn_hash, leerling.onderwijsnummer_hash):
                if h:
                    self.leerlingen[h] = leerling
        nummers = {r["inschrijvingsvolgnummer"] for r in rijen if r.get("inschrijvingsvolgnummer")}
        self.inschrijvingen = {
            i.inschrijvingsvolgnummer: i
            for i in Inschrijving.objects.filter(
                instelling=instelling, inschrijvingsvolgnummer__in=nummers
            ).select_related("leerroute", "kwalificatie")
        }
        # Each known student's running enrolments, for R-INS-2 and the one-per-side constraint.
        per_leerling = {leerling.pk: leerling for leerling in self.leerlingen.values()}
        for leerling in per_leerling.values():
            leerling._lopend_import = []
        for i in Inschrijving.objects.filter(leerling__in=list(per_leerling), einddatum__isnull=True):
            per_leerling[i.leerling_id]._lopend_import.append(i)

    def onthoud(self, leerling: Leerling, inschrijving: Inschrijving) -> None:
        """A later row of the file finds this student and enrolment."""
        for h in (leerling.bsn_hash, leerling.onderwijsnummer_hash):
            if h:
                self.leerlingen[h] = leerling
        self.inschrijvingen[inschrijving.inschrijvingsvolgnummer] = inschrijving


def _hashes(rij: dict) -> set[str]:
    return {zoekhash(rij.get(k)) for k in ("bsn", "onderwijsnummer") if rij.get(k)}


def _herstel(ctx: _Context) -> None:
    """After a failed row (its savepoint rolled back): the cached rows it changed in memory go
    back to what is stored, so the next row compares with the database, not with the bad row."""
    for obj in ctx.aangeraakt:
        obj.refresh_from_db()
    ctx.aangeraakt.clear()


def _zet(obj, waarden: dict) -> bool:
    """Set the values; True when something differs from what is stored."""
    gewijzigd = False
    for veld, waarde in waarden.items():
        if getattr(obj, veld) != waarde:
            setattr(obj, veld, waarde)
            gewijzigd = True
    return gewijzigd


def _leerling(rij: dict, ctx: _Context) -> tuple[Leerling, bool]:
    bsn, onr = rij.get("bsn") or None, rij.get("onderwijsnummer") or None
    bestaand = ctx.leerlingen.get(zoekhash(bsn)) or ctx.leerlingen.get(zoekhash(onr))
    waarden = {v: rij.get(v, "") for v in LEERLING_VELDEN if v != "geboortedatum"}
    waarden["geboortedatum"] = _datum(rij.get("geboortedatum", ""), "geboortedatum")
    if bestaand is None:
        leerling = Leerling(instelling=ctx.instelling, bsn=bsn, onderwijsnummer=onr, **waarden)
        leerling._lopend_import = []
        return leerling, True
    # The partner school's student is linked, not changed: only the school that entered them edits.
    if bestaand.instelling_id == ctx.instelling.pk:
        ctx.aangeraakt.append(bestaand)
        return bestaand, _zet(bestaand, waarden)
    return bestaand, False


def _inschrijving(rij: dict, ctx: _Context, leerling: Leerling) -> tuple[Inschrijving, bool]:
    kant = rij.get("kant") or ("mbo" if ctx.instelling.soort == "mbo" else "vo")
    route = ctx.routes.get((rij.get("leerroute") or "").lower())
    if route is None:
        raise ValidationError(
            {
                "leerroute": _("Onbekende leerroute van deze instelling: %(w)s")
                % {"w": rij.get("leerroute", "")}
            }
        )
    crebo = rij.get("crebo") or ""
    if crebo and crebo not in ctx.kwalificaties:
        raise ValidationError({"kwalificatie": _("Onbekend crebo: %(w)s") % {"w": crebo}})
    waarden = {
        "leerroute": route,
        "sector": kant,
        "opleidingskenmerk": route.soort,
        "fase": rij.get("fase") or "vo",
        "startdatum": _datum(rij.get("startdatum", ""), "startdatum"),
        "geplande_einddatum": _datum(rij.get("geplande_einddatum", ""), "geplande_einddatum"),
        "leerjaar": _geheel(rij.get("leerjaar", ""), "leerjaar"),
        "leerweg": rij.get("leerweg", ""),
        "kwalificatie": ctx.kwalificaties.get(crebo),
        "leervorm": rij.get("leervorm", ""),
    }
    bestaand = ctx.inschrijvingen.get(rij["inschrijvingsvolgnummer"])
    if bestaand is None:
        nieuw = Inschrijving(
            instelling=ctx.instelling, inschrijvingsvolgnummer=rij["inschrijvingsvolgnummer"], **waarden
        )
        nieuw.leerling = leerling if leerling.pk else None
        return nieuw, True
    ctx.aangeraakt.append(bestaand)
    return bestaand, _zet(bestaand, waarden)


def _rij(rij: dict, ctx: _Context, bundel: Bundel | None) -> str:
    """Import one row; returns what happened. A new enrolment joins the bundle (written in bulk),
    anything else is saved now, in its own savepoint."""
    if bundel is not None and bundel.wacht_op(_hashes(rij), rij["inschrijvingsvolgnummer"]):
        bundel.schrijven()  # the row builds on one still waiting: store those first
    leerling, leerling_anders = _leerling(rij, ctx)
    inschrijving, inschrijving_anders = _inschrijving(rij, ctx, leerling)
    if bundel is not None and inschrijving.pk is None and (leerling.pk is None or not leerling_anders):
        bundel.toevoegen(leerling, inschrijving)
        ctx.onthoud(leerling, inschrijving)
        return "aangemaakt"
    if inschrijving.pk is not None and not (leerling_anders or inschrijving_anders):
        return "ongewijzigd"
    if bundel is not None:
        bundel.schrijven()  # what this row saves may read the rows before it
    with transaction.atomic():
        actie = _rij_apart(rij, ctx, leerling, leerling_anders, inschrijving, inschrijving_anders)
    leerling._lopend_import = services.lopende_inschrijvingen(leerling)
    return actie


def _rij_apart(rij, ctx, leerling, leerling_anders, inschrijving, inschrijving_anders) -> str:
    """One row through the services (inside its savepoint)."""
    door, kanaal = ctx.door, Kanaal.IMPORT
    if leerling.pk is None:
        services.leerling_inschrijven(
            leerling=leerling, inschrijvingen=[inschrijving], door=door, kanaal=kanaal
        )
        ctx.onthoud(leerling, inschrijving)
        return "aangemaakt"
    if leerling_anders:
        opslaan(leerling, door=door, kanaal=kanaal)
    nieuw = inschrijving.pk is None
    if inschrijving_anders:
        inschrijving.leerling = leerling
        # The row's reason for a change after a ROD count date's deadline (teldata asks for it).
        inschrijving._rod_correctie = rij.get("correctiereden", "")
        services.inschrijving_opslaan(inschrijving=inschrijving, door=door, kanaal=kanaal)
        ctx.onthoud(leerling, inschrijving)
    return "aangemaakt" if nieuw else "gewijzigd"


def _fouten(exc: ValidationError, nummer: int, koppeling: dict) -> list[Fout]:
    per_veld = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    fouten = []
    for veld, meldingen in per_veld.items():
        kolom = None if veld in (None, "__all__") else bronkolom(VELD_KOLOM.get(veld, veld), koppeling)
        fouten.extend(Fout(nummer, kolom, _rule_of(m), m) for m in meldingen)
    return fouten


def importeer(inhoud: bytes, naam: str, *, instelling, door, dry_run: bool, voortgang=None) -> Rapport:
    """Import a file for ``instelling`` (the user must be its beheerder). ``voortgang(n, totaal)``
    is told after each row (the background task's progress bar)."""
    s = scope.scope_for(door)
    if door is not None and not (s.alles or instelling.pk in s.beheer):  # None: manage.py (the system)
        raise ValidationError(_("Alleen een beheerder van de instelling importeert voor haar."))
    koppeling_rij = ImportKoppeling.objects.filter(instelling=instelling).first()
    koppeling = koppeling_rij.kolommen if koppeling_rij else {}
    rijen = lees(inhoud, naam, koppeling)
    try:
        return _uitvoeren(rijen, koppeling, instelling, door, dry_run, voortgang, bundelen=True)
    except IntegrityError:
        # The database refused a bulk insert on a rule the fast path cannot see: start again row by
        # row, so the error comes back with its row number.
        return _uitvoeren(rijen, koppeling, instelling, door, dry_run, voortgang, bundelen=False)


def _uitvoeren(rijen, koppeling, instelling, door, dry_run, voortgang, *, bundelen: bool) -> Rapport:
    rapport = Rapport(dry_run=dry_run, rijen=len(rijen))
    with transaction.atomic():
        # One re-check of the rules that read other rows, for the whole file, at its end.
        with afhankelijkheden.gebundeld():
            ctx = _Context(rijen, instelling, door)
            bundel = Bundel(door=door, kanaal=Kanaal.IMPORT) if bundelen else None
            for nummer, rij in enumerate(rijen, start=2):
                try:
                    actie = _rij(rij, ctx, bundel)
                except ValidationError as exc:
                    rapport.fouten.extend(_fouten(exc, nummer, koppeling))
                    _herstel(ctx)
                else:
                    ctx.aangeraakt.clear()
                    setattr(rapport, actie, getattr(rapport, actie) + 1)
                    if actie != "ongewijzigd":
                        rapport.acties.append((nummer, actie))
                if voortgang is not None:
                    voortgang(nummer - 1, len(rijen))
            if bundel is not None:
                bundel.schrijven()
        if dry_run or rapport.fouten:
            transaction.set_rollback(True)
    return rapport
