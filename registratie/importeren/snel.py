"""The import's fast path for its common row: a new enrolment, of a new student or of one that
stays as stored. Such a row is checked in memory by the rules the save path runs
(samenwerking.services.opslaan and registratie.services): the fields' validators, the model's
clean() (registratie.rules.check_inschrijving), its check constraints, uniqueness against the
file and the database, R-INS-2 across the student's running enrolments, and the refusal hooks.
The rows that pass are written together: a few bulk inserts, their audit rows in bulk, and their
signal hooks queued for the import's one set-based re-check (samenwerking.afhankelijkheden).
A changed row goes through the services one by one (uitvoeren._rij_apart). If the database still
refuses an insert (a constraint this module cannot evaluate in memory), the import starts again
row by row, so every error keeps its row number."""

from __future__ import annotations

import operator

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CheckConstraint, F, Q, UniqueConstraint

from registratie import rules
from registratie.models import Inschrijving, Leerling
from samenwerking import afhankelijkheden, audit

_VERGELIJK = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_PER_INSERT = 1000


class _Onbekend(Exception):
    """A condition this evaluator does not know: the database evaluates it (Q.check)."""


def _kolom(obj, naam: str):
    return getattr(obj, obj._meta.get_field(naam).attname)


def _term(obj, sleutel: str, waarde) -> bool | None:
    veld, _, lookup = sleutel.partition("__")
    lookup = lookup or "exact"
    links = _kolom(obj, veld)
    if lookup == "isnull":
        return (links is None) == bool(waarde)
    if lookup not in _VERGELIJK:
        raise _Onbekend
    if isinstance(waarde, F):
        waarde = _kolom(obj, waarde.name)
    elif hasattr(waarde, "resolve_expression"):
        raise _Onbekend
    if links is None or waarde is None:
        return None  # SQL's unknown: a check constraint passes on it
    return _VERGELIJK[lookup](links, waarde)


def _waar(q: Q, obj) -> bool | None:
    """A constraint's condition for one unsaved row, in SQL's three-valued logic."""
    uitkomsten = [_waar(c, obj) if isinstance(c, Q) else _term(obj, *c) for c in q.children]
    if q.connector == Q.AND:
        r = False if False in uitkomsten else (None if None in uitkomsten else True)
    elif q.connector == Q.OR:
        r = True if True in uitkomsten else (None if None in uitkomsten else False)
    else:
        raise _Onbekend
    return (not r) if (q.negated and r is not None) else r


def _velden(q: Q) -> set[str]:
    return {n for c in q.children for n in (_velden(c) if isinstance(c, Q) else {c[0].split("__")[0]})}


def _controleer(obj, fk: tuple[str, ...]) -> None:
    """Model.full_clean() without a query: the foreign keys are objects the import read itself,
    uniqueness is checked by the caller; the check constraints are evaluated here (those on fields
    that already failed are left out, as full_clean does)."""
    fouten: dict = {}
    try:
        obj.full_clean(exclude=list(fk), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        fouten = exc.update_error_dict(fouten)
    for c in obj._meta.constraints:
        if not isinstance(c, CheckConstraint) or _velden(c.condition) & set(fouten):
            continue
        try:
            uitkomst = _waar(c.condition, obj)
        except _Onbekend:
            try:
                c.validate(type(obj), obj)  # one query, as full_clean() would
            except ValidationError as exc:
                fouten.setdefault(NON_FIELD_ERRORS, []).extend(exc.messages)
            continue
        if uitkomst is False:
            fouten.setdefault(NON_FIELD_ERRORS, []).append(c.get_violation_error_message())
    if fouten:
        raise ValidationError(fouten)


def _een_lopende_per_kant(inschrijving: Inschrijving, lopend: list) -> None:
    """The partial unique constraint on (leerling, leerroute, sector) of running enrolments."""
    if inschrijving.einddatum is not None:
        return
    for andere in lopend:
        if andere.leerroute_id == inschrijving.leerroute_id and andere.sector == inschrijving.sector:
            c = next(
                c
                for c in Inschrijving._meta.constraints
                if isinstance(c, UniqueConstraint) and c.name == "inschrijving_een_lopende_per_kant"
            )
            raise ValidationError(c.get_violation_error_message())


class Bundel:
    """New students and enrolments checked and waiting for one bulk write."""

    def __init__(self, *, door, kanaal: str):
        self.door, self.kanaal = door, kanaal
        self.leerlingen: list[Leerling] = []
        self.inschrijvingen: list[Inschrijving] = []
        self.hashes: set[str] = set()
        self.volgnummers: set[str] = set()

    def wacht_op(self, hashes: set[str], volgnummer: str) -> bool:
        """Whether a row names a student or an enrolment that is still waiting here."""
        return bool(hashes & self.hashes) or volgnummer in self.volgnummers

    def toevoegen(self, leerling: Leerling, inschrijving: Inschrijving) -> None:
        """Check a new enrolment (and its student, if new) by every rule, or raise the
        ValidationError the save path would raise; when it passes, it waits for schrijven()."""
        nieuw = leerling.pk is None and not getattr(leerling, "_in_bundel", False)
        if nieuw:
            _controleer(leerling, ("instelling",))
            afhankelijkheden.weigeren(leerling, None)
        inschrijving.leerling = leerling
        _controleer(inschrijving, ("leerling", "leerroute", "instelling", "vestiging", "kwalificatie"))
        lopend = leerling._lopend_import
        _een_lopende_per_kant(inschrijving, lopend)
        rules.check_vo_kant_aanwezig([*lopend, inschrijving])
        afhankelijkheden.weigeren(inschrijving, None)
        if nieuw:
            leerling._in_bundel = True
            self.leerlingen.append(leerling)
            self.hashes |= {h for h in (leerling.bsn_hash, leerling.onderwijsnummer_hash) if h}
        lopend.append(inschrijving)
        self.inschrijvingen.append(inschrijving)
        self.volgnummers.add(inschrijving.inschrijvingsvolgnummer)

    def schrijven(self) -> None:
        """Insert what waits, with an audit row per row (as opslaan() writes it) and the signal
        hooks queued for the enclosing gebundeld() block."""
        if not self.inschrijvingen:
            return
        Leerling.objects.bulk_create(self.leerlingen, batch_size=_PER_INSERT)
        # The vo side first, as leerling_inschrijven() saves them.
        self.inschrijvingen.sort(key=lambda i: i.sector != "vo")
        Inschrijving.objects.bulk_create(self.inschrijvingen, batch_size=_PER_INSERT)
        for rijen in (self.leerlingen, self.inschrijvingen):
            audit.record_created_bulk(rijen, door=self.door, kanaal=self.kanaal)
            for obj in rijen:
                obj._in_bundel = False
                afhankelijkheden.signaleren(obj, None, door=self.door, kanaal=self.kanaal)
        self.leerlingen, self.inschrijvingen = [], []
        self.hashes, self.volgnummers = set(), set()
