"""What a message is built from (bericht.Bron), read as plain value rows instead of model
instances: the sending job reads the enrolment with each queued message, the reconciliation
reads the enrolments of a block of DUO's records. One query for the rows, one for their fase
changes; the same Bron as bericht.bron_van builds from a model instance."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F

from registratie.models import Fasewissel
from registratie.rod import (
    bericht,
    wachtrij,  # noqa: F401 - registers the in_ids lookup used here
)


def velden(pad: str = "") -> dict[str, F]:
    """The annotations a row needs, for a query on Inschrijving (``pad`` empty) or on a model
    that points to one (``pad`` "inschrijving__")."""
    return {
        "i_brin": F(f"{pad}instelling__brin"),
        "i_sleutel": F(f"{pad}inschrijvingsvolgnummer"),
        "i_bsn": F(f"{pad}leerling__bsn"),
        "i_onderwijsnummer": F(f"{pad}leerling__onderwijsnummer"),
        "i_geanonimiseerd": F(f"{pad}leerling__geanonimiseerd_op"),
        "i_vestiging": F(f"{pad}vestiging__code"),
        "i_vo_vestiging": F(f"{pad}leerroute__vo_vestiging__code"),
        "i_mbo_vestiging": F(f"{pad}leerroute__mbo_vestiging__code"),
        "i_crebo": F(f"{pad}kwalificatie__crebo"),
        "i_niveau": F(f"{pad}kwalificatie__niveau"),
        **{
            f"i_{veld}": F(f"{pad}{veld}")
            for veld in (
                "sector",
                "opleidingskenmerk",
                "fase",
                "startdatum",
                "geplande_einddatum",
                "einddatum",
                "reden_einde",
                "leerjaar",
                "leerweg",
                "leervorm",
            )
        },
    }


def wissels(ids: list[int]) -> dict[int, list]:
    """Per enrolment its fase changes [(ingangsdatum, van_fase, naar_fase)], in order."""
    per = defaultdict(list)
    if ids:
        for ins_id, ingang, van, naar in (
            Fasewissel.objects.filter(inschrijving_id__in_ids=ids)
            .order_by("ingangsdatum", "id")
            .values_list("inschrijving_id", "ingangsdatum", "van_fase", "naar_fase")
        ):
            per[ins_id].append((ingang, van, naar))
    return per


def bron(r: dict, wissels: list) -> bericht.Bron:
    """The Bron of one row (its values by the names of ``velden``)."""
    vo = r["i_sector"] == "vo"
    return bericht.Bron(
        brin=r["i_brin"],
        sleutel=r["i_sleutel"],
        sector=r["i_sector"],
        bsn=r["i_bsn"],
        onderwijsnummer=r["i_onderwijsnummer"],
        opleidingskenmerk=r["i_opleidingskenmerk"],
        fase=r["i_fase"],
        startdatum=r["i_startdatum"],
        geplande_einddatum=r["i_geplande_einddatum"],
        einddatum=r["i_einddatum"],
        reden_einde=r["i_reden_einde"],
        vestiging=r["i_vestiging"] or (r["i_vo_vestiging"] if vo else r["i_mbo_vestiging"]),
        leerjaar=r["i_leerjaar"],
        leerweg=r["i_leerweg"] or None,
        crebo=r["i_crebo"],
        niveau=r["i_niveau"],
        leervorm=r["i_leervorm"] or None,
        wissels=wissels,
    )
