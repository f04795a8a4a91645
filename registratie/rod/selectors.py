"""Reads for the ROD delivery: the two sorted streams an export merges, and the scoped lists the
screens show."""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.fields import BooleanField
from django.db.models.functions import Collate

from registratie.models import Inschrijving, RodLevering, RodStand, SignaalStatus
from samenwerking import scope
from samenwerking.models import Instelling

SIGNAAL_OPEN = (SignaalStatus.OPEN, SignaalStatus.OVERGEDRAGEN)


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


def inschrijvingen_rijen(instelling: Instelling | None = None):
    """Every inschrijving of ``instelling`` (default: of all) with what its record needs, sorted
    by key. Anonymised students (registratie/bewaartermijn.py) are left out, here and in
    standen_stroom: their keys are neither delivered again nor withdrawn."""
    qs = Inschrijving.objects.filter(leerling__geanonimiseerd_op__isnull=True)
    if instelling is not None:
        qs = qs.filter(instelling=instelling)
    return (
        qs.annotate(**_INSCHRIJVING_VELDEN)
        .order_by(_op_sleutel("inschrijvingsvolgnummer"))
        .values_list(*_EIGEN_VELDEN, *_INSCHRIJVING_VELDEN, named=True)
    )


def inschrijvingen_stroom(instelling: Instelling, *, chunk_size: int = 2000):
    """inschrijvingen_rijen of ``instelling``, streamed (a server-side cursor on PostgreSQL: call
    inside a transaction)."""
    return inschrijvingen_rijen(instelling).iterator(chunk_size=chunk_size)


STAND_VELDEN = (
    "inschrijving_id",
    "sector",
    "hash",
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


def standen_stroom(instelling: Instelling, *, chunk_size: int = 2000):
    """The delivery state of every key of ``instelling``, sorted like inschrijvingen_stroom, with
    whether its signal is still open."""
    return (
        RodStand.objects.filter(instelling=instelling)
        .filter(_niet_geanonimiseerd)
        .annotate(
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
