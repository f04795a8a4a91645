"""mbo qualifications (crebo) as reference data: one loader for the shipped file, the command and
the data migration.

The file is UTF-8 CSV with a semicolon as separator and this header (extra columns are ignored,
so DUO's full list can be loaded once its columns carry these names)::

    crebo;naam;niveau;domein
    25491;Verzorgende IG;3;Zorg en welzijn

- ``crebo``: five digits;
- ``naam``: the qualification's name;
- ``niveau``: 1 (entree) to 4;
- ``domein``: the opleidingsdomein (optional).

The shipped ``leerroute/data/kwalificaties.csv`` holds a small selection taken from the crebo list
of the herziene kwalificatiestructuur (Regeling vaststelling kwalificatiedossiers 2015, bijlage 1,
with the opleidingsdomein names of the Regeling vaststelling kwalificatiedossiers en
opleidingsdomeinen 2012). Qualifications change every year: load DUO's current list for
production.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samenwerking.identifiers import validate_crebo

STANDAARD_BESTAND = Path(__file__).resolve().parent / "data" / "kwalificaties.csv"
KOLOMMEN = ("crebo", "naam", "niveau", "domein")
VERPLICHTE_KOLOMMEN = ("crebo", "naam", "niveau")
NAAM_MAX, DOMEIN_MAX = 200, 200


def lees_regels(rows: Iterable[str]) -> list[dict]:
    """Parse and check every line; raise one ValidationError naming each bad line and field."""
    reader = csv.DictReader(rows, delimiter=";")
    kolommen = [(k or "").strip().lstrip("\ufeff").lower() for k in (reader.fieldnames or [])]
    ontbrekend = [k for k in VERPLICHTE_KOLOMMEN if k not in kolommen]
    if ontbrekend:
        raise ValidationError(
            _("Regel 1: de kopregel mist de kolom(men) %(kolommen)s; verwacht: %(kop)s.")
            % {"kolommen": ", ".join(ontbrekend), "kop": ";".join(KOLOMMEN)}
        )
    reader.fieldnames = kolommen

    fouten: list[str] = []
    regels: dict[str, dict] = {}
    eerste_regel: dict[str, int] = {}
    for row in reader:
        nr = reader.line_num
        waarden = {k: (row.get(k) or "").strip() for k in KOLOMMEN}
        if not any(waarden.values()):
            continue  # an empty line
        regel_fouten = _regel_fouten(nr, waarden)
        crebo = waarden["crebo"]
        if not regel_fouten and crebo in regels:
            regel_fouten.append(
                _("Regel %(nr)s, veld 'crebo': %(crebo)s staat al op regel %(eerder)s.")
                % {"nr": nr, "crebo": crebo, "eerder": eerste_regel[crebo]}
            )
        if regel_fouten:
            fouten.extend(regel_fouten)
            continue
        eerste_regel[crebo] = nr
        regels[crebo] = {
            "crebo": crebo,
            "naam": waarden["naam"],
            "niveau": int(waarden["niveau"]),
            "domein": waarden["domein"],
        }
    if fouten:
        raise ValidationError(fouten)
    return list(regels.values())


def _regel_fouten(nr: int, w: dict[str, str]) -> list[str]:
    fouten = []
    try:
        validate_crebo(w["crebo"])
    except ValidationError:
        fouten.append(
            _("Regel %(nr)s, veld 'crebo': '%(waarde)s' is geen crebo-code van precies vijf cijfers.")
            % {"nr": nr, "waarde": w["crebo"]}
        )
    if not w["naam"]:
        fouten.append(_("Regel %(nr)s, veld 'naam': de naam ontbreekt.") % {"nr": nr})
    elif len(w["naam"]) > NAAM_MAX:
        fouten.append(
            _("Regel %(nr)s, veld 'naam': langer dan %(max)s tekens.") % {"nr": nr, "max": NAAM_MAX}
        )
    if w["niveau"] not in {"1", "2", "3", "4"}:
        fouten.append(
            _("Regel %(nr)s, veld 'niveau': '%(waarde)s' is geen mbo-niveau (1 tot en met 4).")
            % {"nr": nr, "waarde": w["niveau"]}
        )
    if len(w["domein"]) > DOMEIN_MAX:
        fouten.append(
            _("Regel %(nr)s, veld 'domein': langer dan %(max)s tekens.") % {"nr": nr, "max": DOMEIN_MAX}
        )
    return fouten


def laad_kwalificaties(rows_iterable: Iterable[str], *, model=None) -> tuple[int, int]:
    """Load qualifications from CSV lines (header included); return (created, updated).

    Every line is checked first: one bad line refuses the whole file and nothing is saved.
    Rows whose values did not change are left alone. The upsert is one set-based statement
    (INSERT … ON CONFLICT (crebo) DO UPDATE). ``model`` lets the data migration pass its
    historical model; everywhere else it is ``leerroute.models.Kwalificatie``.
    """
    historisch = model is not None  # the data migration's model: no other app to re-check yet
    if model is None:
        from leerroute.models import Kwalificatie as model

    regels = lees_regels(rows_iterable)
    with transaction.atomic():
        bestaand = {
            crebo: (naam, niveau, domein)
            for crebo, naam, niveau, domein in model.objects.values_list("crebo", "naam", "niveau", "domein")
        }
        nieuw = [r for r in regels if r["crebo"] not in bestaand]
        gewijzigd = [
            r
            for r in regels
            if r["crebo"] in bestaand and bestaand[r["crebo"]] != (r["naam"], r["niveau"], r["domein"])
        ]
        if nieuw or gewijzigd:
            model.objects.bulk_create(
                [model(**r) for r in nieuw + gewijzigd],
                batch_size=500,
                update_conflicts=True,
                unique_fields=["crebo"],
                update_fields=["naam", "niveau", "domein"],
            )
        if historisch is False:
            _hercontroleren([r["crebo"] for r in gewijzigd if bestaand[r["crebo"]][1] != r["niveau"]], model)
    return len(nieuw), len(gewijzigd)


def _hercontroleren(crebos: list[str], model) -> None:
    """A niveau changed in the register: accepted (the register is right), and every student of a
    route whose combination now breaks R-LR-2..5 gets a signal in the same transaction, as when
    the niveau is changed in the admin (registratie.afhankelijkheden; the dependents live there)."""
    if not crebos:
        return
    from registratie.afhankelijkheden import kwalificaties_gewijzigd
    from samenwerking.models import Kanaal

    for start in range(0, len(crebos), 500):  # SQLite allows 999 parameters
        ids = list(model.objects.filter(crebo__in=crebos[start : start + 500]).values_list("pk", flat=True))
        kwalificaties_gewijzigd(ids, door=None, kanaal=Kanaal.IMPORT)


def laad_standaardbestand(*, model=None) -> tuple[int, int]:
    """Load the shipped selection (used by the data migration and the demo seed)."""
    with STANDAARD_BESTAND.open(encoding="utf-8-sig", newline="") as f:
        return laad_kwalificaties(f, model=model)
