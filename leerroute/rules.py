"""Rules on routes (DOMAIN.md R-LR-*, R-SOK-3). Messages are Dutch and start with the rule id."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# R-LR-5: the allowed leerweg → mbo niveau combinations [003]. With R-LR-3 (GLR → niveau 2 only)
# this makes every GLR a BB route.
TOEGESTANE_NIVEAUS: dict[str, frozenset[int]] = {
    "BB": frozenset({2}),
    "KB": frozenset({3, 4}),
    "GL": frozenset({4}),
    "TL": frozenset({4}),
}
GLR_NIVEAUS = frozenset({2})  # R-LR-3
DLR_NIVEAUS = frozenset({2, 3, 4})  # R-LR-4


def niveau_fouten(soort: str, leerweg: str, niveau: int) -> list[str]:
    """Every route rule broken by this type / leerweg / niveau combination."""
    errors = []
    if niveau == 1:
        errors.append(_("R-LR-2: een leerroute naar een entree-opleiding (niveau 1) is niet toegestaan."))
    elif soort == "GLR" and niveau not in GLR_NIVEAUS:
        errors.append(_("R-LR-3: een geïntegreerde leerroute leidt alleen tot niveau 2."))
    elif soort == "DLR" and niveau not in DLR_NIVEAUS:
        errors.append(_("R-LR-4: een doorlopende leerroute leidt tot niveau 2, 3 of 4."))
    if niveau != 1 and niveau not in TOEGESTANE_NIVEAUS.get(leerweg, frozenset()):
        errors.append(
            _(
                "R-LR-5: leerweg %(leerweg)s past niet bij mbo-niveau %(niveau)s (toegestaan: BB–2, "
                "KB–3, KB–4, GL–4, TL–4)."
            )
            % {"leerweg": leerweg, "niveau": niveau}
        )
    return errors


def check_leerroute(route) -> None:
    errors: dict[str, list[str]] = {}
    if route.kwalificatie_id and route.soort and route.leerweg:
        fouten = niveau_fouten(route.soort, route.leerweg, route.kwalificatie.niveau)
        if fouten:
            errors["kwalificatie"] = fouten

    if route.overeenkomst_id:
        o = route.overeenkomst
        if o.onderwerp != "leerroute":
            errors.setdefault("overeenkomst", []).append(
                _(
                    "R-SOK-1: een leerroute valt onder een overeenkomst voor een leerroute, niet "
                    "onder een overeenkomst voor een leerwerktraject."
                )
            )
        for veld, vestiging, instelling_id in (
            ("vo_vestiging", route.vo_vestiging, o.vo_instelling_id),
            ("mbo_vestiging", route.mbo_vestiging, o.mbo_instelling_id),
        ):
            if vestiging is not None and vestiging.instelling_id != instelling_id:
                errors.setdefault(veld, []).append(
                    _(
                        "R-LR-1: de vestiging hoort bij een andere instelling dan de partij in de "
                        "overeenkomst."
                    )
                )
        check_leerwerktraject(route, o, errors)
    if errors:
        raise ValidationError(errors)


def check_leerwerktraject(route, o, errors) -> None:
    """R-SOK-3: a leerwerktraject needs its own agreement with the mbo, next to the route's."""
    lwt = route.leerwerktraject_overeenkomst
    if route.omvat_leerwerktraject and lwt is None:
        errors.setdefault("leerwerktraject_overeenkomst", []).append(
            _(
                "R-SOK-3: een leerwerktraject heeft een eigen overeenkomst met de mbo-instelling "
                "nodig, naast die voor de route."
            )
        )
    if lwt is None:
        return
    if lwt.pk == o.pk or lwt.onderwerp != "leerwerktraject":
        errors.setdefault("leerwerktraject_overeenkomst", []).append(
            _("R-SOK-3: kies een aparte overeenkomst met onderwerp 'leerwerktraject'.")
        )
    elif (lwt.vo_instelling_id, lwt.mbo_instelling_id) != (o.vo_instelling_id, o.mbo_instelling_id):
        errors.setdefault("leerwerktraject_overeenkomst", []).append(
            _(
                "R-SOK-3: de overeenkomst voor het leerwerktraject is tussen dezelfde vo-school en "
                "mbo-instelling als de route."
            )
        )
