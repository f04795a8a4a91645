"""Count dates (teldata) and their locks (issue 15, item 6).

The count dates: vo 1 October; mbo 1 October and 1 February (ROD.md). Each has a deadline: the
data must be in before it (vo: 15 October), and a date after which it is closed (funding fixed).
All three are settings (``LEERROUTE_ROD_TELDATA``, month-day, every year). A count date is:

- **open** until its deadline: changes go as they are;
- **beperkt** after the deadline: a change to a delivered enrolment that alters what was registered
  on that date (enrolled or not, the student, the key, the route and its kind, the leerjaar, the
  fase) asks for a correction reason; a new vestiging, leerweg, crebo or leervorm starts a new
  period on the day of the change and leaves earlier dates alone (unless a reason is given: then
  the message rewrites the history as a correction); the change is marked as a correction in the message
  (``<correctie>``) and in the audit trail;
- **gesloten** after the closing date: such a change is refused; a correction goes via DUO.

An enrolment ROD never got is not registered on any date: it is never locked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie.fase import schooljaar
from samenwerking import afhankelijkheden

OPEN, BEPERKT, GESLOTEN = "open", "beperkt", "gesloten"
STANDAARD = {
    "vo": [{"teldatum": "10-01", "uiterlijk": "10-15", "gesloten": "12-01"}],
    "mbo": [
        {"teldatum": "10-01", "uiterlijk": "10-15", "gesloten": "12-01"},
        {"teldatum": "02-01", "uiterlijk": "02-15", "gesloten": "04-01"},
    ],
}

_reden: ContextVar[str] = ContextVar("rod_correctiereden", default="")
# The field that carries the reason, on every path (screen, admin, API, import column): the error
# that asks for it names it, so each path shows the error beside its own field.
VELD = "correctiereden"


@contextlib.contextmanager
def correctie(reden: str):
    """Changes inside this block carry ``reden`` as their correction reason (the API, a command)."""
    token = _reden.set((reden or "").strip())
    try:
        yield
    finally:
        _reden.reset(token)


@contextlib.contextmanager
def correctie_uit(gegevens: dict):
    """``correctie()`` with the reason taken from a form's or serializer's data (``VELD``); yields
    the data without it, for the service that takes the rest."""
    rest = dict(gegevens)
    with correctie(rest.pop(VELD, "")):
        yield rest


def correctiereden(instance) -> str:
    """The correction reason given for a change of ``instance``: set on the instance by a form
    (``_rod_correctie``) or around the change with ``correctie()``."""
    return (getattr(instance, "_rod_correctie", "") or _reden.get() or "").strip()


# ------------------------------------------------------------------------------------------ dates


@dataclasses.dataclass(frozen=True)
class Teldatum:
    sector: str
    datum: datetime.date
    uiterlijk: datetime.date
    gesloten: datetime.date

    def status(self, vandaag: datetime.date | None = None) -> str:
        vandaag = vandaag or timezone.localdate()
        if vandaag <= self.uiterlijk:
            return OPEN
        return BEPERKT if vandaag < self.gesloten else GESLOTEN

    def __str__(self) -> str:
        return f"{self.sector} {self.datum:%d-%m-%Y}"


def _md(tekst: str) -> tuple[int, int]:
    maand, dag = tekst.split("-")
    return int(maand), int(dag)


def _volgende(vanaf: datetime.date, md: tuple[int, int]) -> datetime.date:
    """The first date with month-day ``md`` on or after ``vanaf``."""
    d = datetime.date(vanaf.year, *md)
    return d if d >= vanaf else datetime.date(vanaf.year + 1, *md)


def teldata(sector: str, jaren: range) -> list[Teldatum]:
    """The count dates of ``sector`` in the calendar years ``jaren``."""
    instelling = getattr(settings, "LEERROUTE_ROD_TELDATA", None) or STANDAARD
    uit = []
    for jaar in jaren:
        for t in instelling.get(sector, []):
            datum = datetime.date(jaar, *_md(t["teldatum"]))
            uiterlijk = _volgende(datum, _md(t["uiterlijk"]))
            uit.append(Teldatum(sector, datum, uiterlijk, _volgende(uiterlijk, _md(t["gesloten"]))))
    return sorted(uit, key=lambda t: t.datum)


def overzicht(vandaag: datetime.date | None = None) -> list[tuple[Teldatum, str]]:
    """The count dates of this school year and the last one, with their status (the screen)."""
    vandaag = vandaag or timezone.localdate()
    jaar = schooljaar(vandaag)
    uit = [t for sector in ("vo", "mbo") for t in teldata(sector, range(jaar - 1, jaar + 2))]
    eerste, laatste = datetime.date(jaar - 1, 8, 1), datetime.date(jaar + 1, 7, 31)
    return [
        (t, t.status(vandaag))
        for t in sorted(uit, key=lambda t: (t.datum, t.sector))
        if eerste <= t.datum <= laatste
    ]


def vergrendeld(sector: str, vandaag: datetime.date | None = None) -> list[Teldatum]:
    """Count dates of ``sector`` past their deadline (beperkt or gesloten), recent years."""
    vandaag = vandaag or timezone.localdate()
    return [
        t for t in teldata(sector, range(vandaag.year - 6, vandaag.year + 1)) if t.status(vandaag) != OPEN
    ]


# ------------------------------------------------------------------------------------------ the lock


def _datum(waarde) -> datetime.date | None:
    if waarde is None or isinstance(waarde, datetime.date):
        return waarde
    return datetime.date.fromisoformat(str(waarde)) if waarde else None


def _fase_op(fase: str, wissels: list, t: datetime.date) -> str:
    """The fase on ``t``: the fase before the first change after ``t``, else the current one."""
    for ingang, van, _naar in wissels:
        if ingang > t:
            return van
    return fase


def toestand_op(d: dict, wissels: list, t: datetime.date):
    """What ROD registered of an enrolment (snapshot ``d``) on count date ``t``: None if it did
    not run then, else the fields a message carries for that date."""
    start, eind = _datum(d.get("startdatum")), _datum(d.get("einddatum"))
    if start is None or start > t or (eind is not None and eind < t) or d.get("reden_einde") == "correctie":
        return None
    leerjaar = d.get("leerjaar")
    if leerjaar is not None:
        leerjaar = int(leerjaar) + schooljaar(t) - schooljaar(start)
    # A new vestiging, leerweg, crebo or leervorm starts a new period on the day of the change
    # (bericht.perioden): what ROD has for an earlier date stays, so those are no correction.
    velden = ("leerling", "instelling", "inschrijvingsvolgnummer", "opleidingskenmerk", "leerroute")
    return (*(d.get(v) for v in velden), leerjaar, _fase_op(d.get("fase"), wissels, t))


def _wissels(inschrijving_id) -> list:
    from registratie.models import Fasewissel

    return list(
        Fasewissel.objects.filter(inschrijving_id=inschrijving_id)
        .order_by("ingangsdatum", "id")
        .values_list("ingangsdatum", "van_fase", "naar_fase")
    )


def geraakte_teldata(sector: str, oud: dict | None, nieuw: dict, wissels: list) -> list[Teldatum]:
    """The locked count dates on which the change from ``oud`` to ``nieuw`` alters what ROD has."""
    if oud is None:
        return []
    return [
        t
        for t in vergrendeld(sector)
        if toestand_op(oud, wissels, t.datum) != toestand_op(nieuw, wissels, t.datum)
    ]


def weigeren_of_markeren(instance, geraakt: list[Teldatum]) -> None:
    """Refuse a change on a closed count date; ask for a reason on a restricted one. What it hits
    is remembered on the instance for the audit trail and the message (wachtrij)."""
    if not geraakt:
        return
    gesloten = [t for t in geraakt if t.status() == GESLOTEN]
    if gesloten:
        raise ValidationError(
            _(
                "ROD-teldatum %(t)s is gesloten: deze wijziging verandert wat toen bij DUO geregistreerd "
                "stond. Een correctie loopt nu via DUO."
            )
            % {"t": ", ".join(f"{t.datum:%d-%m-%Y}" for t in gesloten)}
        )
    reden = correctiereden(instance)
    if not reden:
        raise ValidationError(
            {
                VELD: _(
                    "ROD-teldatum %(t)s: de uiterste leverdatum is voorbij en deze wijziging verandert wat "
                    "op die teldatum bij DUO geregistreerd stond. Geef een correctiereden op."
                )
                % {"t": ", ".join(f"{t.datum:%d-%m-%Y}" for t in geraakt)}
            }
        )
    # Kept on the instance: the queue's hook may run later, at the end of a bundled step (an
    # import, both sides of a route), when the block that gave the reason has ended.
    instance._rod_teldata, instance._rod_correctie = geraakt, reden


@afhankelijkheden.bij_weigeren("registratie.inschrijving")
def _inschrijving(instance, gewijzigd, oud) -> None:
    from registratie.rod import wachtrij

    if oud is None or not (gewijzigd - wachtrij.NIET_GELEVERD) or not wachtrij.is_geleverd(instance.pk):
        return
    from samenwerking import audit

    nieuw = audit.snapshot(instance, masked=False)
    weigeren_of_markeren(instance, geraakte_teldata(instance.sector, oud, nieuw, _wissels(instance.pk)))


@afhankelijkheden.bij_weigeren("registratie.fasewissel")
def _fasewissel(instance, gewijzigd, oud) -> None:
    """A fase change backdated to before a locked count date changes the fase ROD has on it."""
    from registratie.rod import wachtrij

    ins = instance.inschrijving
    if not wachtrij.is_geleverd(ins.pk):
        return
    geraakt = [
        t
        for t in vergrendeld(ins.sector)
        if instance.ingangsdatum <= t.datum
        and ins.startdatum <= t.datum
        and (ins.einddatum is None or ins.einddatum >= t.datum)
        and _fase_op(ins.fase, _wissels(ins.pk), t.datum) != instance.naar_fase
    ]
    weigeren_of_markeren(instance, geraakt)
