"""Reads for the ROD delivery: the two sorted streams an export merges, and the scoped lists the
screens show."""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, Exists, F, FilteredRelation, Func, OuterRef, Q, TextField, Value, When
from django.db.models.fields import BooleanField
from django.db.models.functions import MD5, Cast, Coalesce, Collate

from registratie.models import (
    SIGNAAL_OPEN,
    Inschrijving,
    RedenEinde,
    RodLevering,
    RodMutatie,
    RodStand,
    RodTerugkoppelingStatus,
)
from samenwerking import scope
from samenwerking.models import Instelling

CORRECTIE = RedenEinde.CORRECTIE


def _op_sleutel(veld: str):
    """Order by the key in code-point order, the order Python compares strings in, so the two
    streams can be merged (PostgreSQL's default collation may sort otherwise; SQLite's BINARY
    already does this)."""
    return Collate(veld, "C") if connection.vendor == "postgresql" else F(veld)


# The record fields an export reads per inschrijving, with the names the format uses.
_INSCHRIJVING_VELDEN = {
    "sleutel": F("inschrijvingsvolgnummer"),
    "bsn": F("leerling__bsn"),
    "onderwijsnummer": F("leerling__onderwijsnummer"),
    "achternaam": F("leerling__achternaam"),
    "tussenvoegsel": F("leerling__tussenvoegsel"),
    "voorletters": F("leerling__voorletters"),
    "geboortedatum": F("leerling__geboortedatum"),
    "vestiging_code": F("vestiging__code"),
    "vo_vestiging_code": F("leerroute__vo_vestiging__code"),
    "mbo_vestiging_code": F("leerroute__mbo_vestiging__code"),
    "vo_brin": F("leerroute__overeenkomst__vo_instelling__brin"),
    "mbo_brin": F("leerroute__overeenkomst__mbo_instelling__brin"),
    "crebo": F("kwalificatie__crebo"),
    "niveau": F("kwalificatie__niveau"),
}
_EIGEN_VELDEN = (
    "id",
    "leerling_id",
    "sector",
    "opleidingskenmerk",
    "fase",
    "startdatum",
    "geplande_einddatum",
    "einddatum",
    "reden_einde",
    "leerjaar",
    "leerweg",
    "vmbo_diploma_datum",
    "leervorm",
)


def bron_hash(zout: str, pad: str = ""):
    """md5 of every field a record is made of, and ``zout`` (what the run adds: the school year
    of the peildatum, the instelling's only vestiging). Equal to a key's stored ``bron_hash``:
    the record is what it was when that key was last looked at. ``pad`` leads from another
    model to the inschrijving ("inschrijving__" from a RodStand)."""
    tekst = TextField()
    delen = [Value(zout, output_field=tekst)]
    for veld in (*_EIGEN_VELDEN, *(f.name for f in _INSCHRIJVING_VELDEN.values())):
        waarde = Cast(F(f"{pad}{veld}"), tekst)
        delen += [Value("|", output_field=tekst), Coalesce(waarde, Value("", output_field=tekst))]
    return MD5(_Keten(*delen, output_field=tekst))


class _Keten(Func):
    """``(a || b || …)``, flat: Concat nests a pair per argument, too deep for SQLite's parser at
    this many fields (every part is a COALESCE already, so no NULL reaches ``||``)."""

    template = "(%(expressions)s)"
    arg_joiner = " || "


def _afgehandeld(pad: str = "") -> Q:
    """A key that needs no look unless its data changed: nothing held, open, rejected or
    withdrawn (positive lookups only: they stay plain conditions on a LEFT JOIN)."""
    return Q(
        **{
            f"{pad}vastgehouden": False,
            f"{pad}signaal__isnull": True,
            f"{pad}terugkoppeling__in": [t for t in RodTerugkoppelingStatus.values if t != "afgekeurd"],
            f"{pad}mutatie__in": ["", *(m for m in RodMutatie.values if m != RodMutatie.INGETROKKEN)],
        }
    )


def _overslaan(voorwaarde: Q) -> Case:
    return Case(When(voorwaarde, then=Value(True)), default=Value(False), output_field=BooleanField())


def inschrijvingen_rijen(instelling: Instelling | None = None, *, zout: str | None = None):
    """Every inschrijving of ``instelling`` (default: of all) with what its record needs, sorted
    by key. Anonymised students (registratie/bewaartermijn.py) are left out, here and in
    standen_stroom: their keys are neither delivered again nor withdrawn.

    With ``zout``, only what may need a delivery: a key whose data (``bron_hash``) is unchanged
    since it was last looked at, with nothing open, is left out, so a run costs what changed."""
    qs = Inschrijving.objects.filter(leerling__geanonimiseerd_op__isnull=True)
    if instelling is not None:
        qs = qs.filter(instelling=instelling)
    if zout is not None:
        # The key's own state row, joined (at most one: unique per instelling and key).
        eigen_stand = FilteredRelation(
            "rod_standen",
            condition=Q(
                rod_standen__instelling=F("instelling"), rod_standen__sleutel=F("inschrijvingsvolgnummer")
            ),
        )
        onveranderd = _afgehandeld("stand__") & Q(stand__bron_hash=F("bron")) & ~Q(reden_einde=CORRECTIE)
        qs = (
            qs.annotate(bron=bron_hash(zout), stand=eigen_stand)
            .annotate(overslaan=_overslaan(onveranderd))
            .filter(overslaan=False)
        )
    return (
        qs.annotate(**_INSCHRIJVING_VELDEN)
        .order_by(_op_sleutel("inschrijvingsvolgnummer"))
        .values_list(
            *_EIGEN_VELDEN, *_INSCHRIJVING_VELDEN, *(["bron"] if zout is not None else []), named=True
        )
    )


def inschrijvingen_stroom(instelling: Instelling, *, zout: str | None = None, chunk_size: int = 2000):
    """inschrijvingen_rijen of ``instelling`` (with ``zout``: those that may need a delivery),
    streamed (a server-side cursor on PostgreSQL: call inside a transaction)."""
    return inschrijvingen_rijen(instelling, zout=zout).iterator(chunk_size=chunk_size)


STAND_VELDEN = (
    "inschrijving_id",
    "sector",
    "hash",
    "bron_hash",
    "mutatie",
    "levering_id",
    "bij_rod",
    "einddatum_geleverd",
    "terugkoppeling",
    "afkeurcode",
    "afkeurmelding",
    "vastgehouden",
    "signaal_id",
)


# A state whose enrolment belongs to an anonymised student is out of the delivery for good.
_niet_geanonimiseerd = Q(inschrijving__isnull=True) | Q(
    inschrijving__leerling__geanonimiseerd_op__isnull=True
)


def standen_stroom(instelling: Instelling, *, zout: str | None = None, chunk_size: int = 2000):
    """The delivery state of every key of ``instelling`` (with ``zout``: that may need a look;
    the keys inschrijvingen_stroom leaves out are left out here too), sorted like it, with
    whether its signal is still open."""
    qs = RodStand.objects.filter(instelling=instelling).filter(_niet_geanonimiseerd)
    if zout is not None:
        qs = qs.annotate(overslaan=_overslaan(_onveranderd(zout))).filter(overslaan=False)
    return (
        qs.annotate(
            signaal_open=Case(
                When(signaal__status__in=SIGNAAL_OPEN, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by(_op_sleutel("sleutel"))
        .values_list("sleutel", *STAND_VELDEN, "signaal_open", named=True)
        .iterator(chunk_size=chunk_size)
    )


def _onveranderd(zout: str) -> Q:
    """RodStand rows that need no look: nothing open, and their enrolment (joined, the same key)
    unchanged; or no enrolment, none with the key, and ROD never had it."""
    ins = "inschrijving__"
    gelijk = (
        _afgehandeld()
        & Q(inschrijving__instelling=F("instelling"), inschrijving__inschrijvingsvolgnummer=F("sleutel"))
        & Q(inschrijving__leerling__geanonimiseerd_op__isnull=True)
        & ~Q(inschrijving__reden_einde=CORRECTIE)
        & Q(bron_hash=bron_hash(zout, ins))
    )
    met_sleutel = Inschrijving.objects.filter(
        instelling=OuterRef("instelling"), inschrijvingsvolgnummer=OuterRef("sleutel")
    )
    weg = _afgehandeld() & Q(bij_rod=False, inschrijving__isnull=True) & ~Exists(met_sleutel)
    return gelijk | weg


def te_leveren_instellingen(brin: str | None = None):
    """Instellingen with something for ROD: inschrijvingen, or keys ROD has or that are held."""
    qs = Instelling.objects.filter(
        Exists(Inschrijving.objects.filter(instelling=OuterRef("pk")))
        | Exists(
            RodStand.objects.filter(instelling=OuterRef("pk")).filter(Q(bij_rod=True) | Q(vastgehouden=True))
        )
    )
    if brin:
        qs = Instelling.objects.filter(brin=brin.strip().upper())
    return qs.order_by("brin")


# --- screens ---------------------------------------------------------------------------------------


def leveringen_voor(user, *, instelling_id: int | None = None):
    qs = RodLevering.objects.for_user(user, scope.VIEW).select_related("instelling")
    if instelling_id:
        qs = qs.filter(instelling_id=instelling_id)
    return qs.order_by("instelling__brin", "-volgnummer")


def vastgehouden_voor(user):
    """Records of this user's instellingen that are not delivered: held back, or rejected and
    waiting for a fix."""
    return (
        RodStand.objects.for_user(user, scope.VIEW)
        .filter(Q(vastgehouden=True) | Q(terugkoppeling="afgekeurd"))
        .filter(_niet_geanonimiseerd)
        .select_related("instelling", "signaal", "inschrijving")
        .order_by("instelling__brin", "sleutel")
    )


def partijen(inschrijving_ids) -> dict[int, tuple[int, int]]:
    """Per enrolment: its route's agreement and the partner instelling (the other party).

    A ROD signal belongs to the instelling whose delivery it concerns; with these two columns the
    partner school and the agreement's coordinator see it too (read-only: Signaal.scope_q stays a
    filter on plain columns, registratie.selectors.mag_signaal_afhandelen says who closes it)."""
    ids = sorted({i for i in inschrijving_ids if i})
    result = {}
    for start in range(0, len(ids), 500):  # SQLite allows 999 parameters
        for pk, sector, o, vo, mbo in Inschrijving.objects.filter(
            pk__in=ids[start : start + 500]
        ).values_list(
            "pk",
            "sector",
            "leerroute__overeenkomst_id",
            "leerroute__overeenkomst__vo_instelling_id",
            "leerroute__overeenkomst__mbo_instelling_id",
        ):
            result[pk] = (o, mbo if sector == "vo" else vo)
    return result
