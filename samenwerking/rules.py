"""Rules on agreements (DOMAIN.md R-SOK-*, R-LR-1). Messages are Dutch and start with the rule id."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def check_overeenkomst(o) -> None:
    """Raise one ValidationError with every broken rule of this agreement, keyed by field."""
    errors: dict[str, list[str]] = {}
    if not (o.vo_instelling_id and o.mbo_instelling_id):
        return  # the missing field reports itself
    vo, mbo = o.vo_instelling, o.mbo_instelling

    if not vo.biedt_vo:
        errors.setdefault("vo_instelling", []).append(
            _("R-SOK-1: de vo-partij moet vmbo aanbieden (een vo-school, AOC of VSG).")
        )
    if not mbo.biedt_mbo:
        errors.setdefault("mbo_instelling", []).append(
            _("R-SOK-1: de mbo-partij moet mbo aanbieden (een mbo-instelling, AOC of VSG).")
        )
    if vo.pk == mbo.pk and not vo.biedt_beide:
        errors.setdefault("mbo_instelling", []).append(
            _("R-LR-1: dezelfde instelling aan beide kanten kan alleen bij een AOC of VSG.")
        )

    een_bestuur = vo.bestuur_id == mbo.bestuur_id
    if een_bestuur and o.soort != "intern":
        errors.setdefault("soort", []).append(
            _(
                "R-SOK-1: één bestuur voert beide delen uit; leg een interne regeling vast in "
                "plaats van een samenwerkingsovereenkomst."
            )
        )
    if not een_bestuur and o.soort == "intern":
        errors.setdefault("soort", []).append(
            _(
                "R-SOK-1: een interne regeling is alleen voor een AOC of VSG met één bestuur; "
                "tussen twee besturen is een samenwerkingsovereenkomst verplicht."
            )
        )

    if o.status == "actief":
        missing = o.ontbrekende_onderdelen()
        if missing:
            errors.setdefault("status", []).append(
                _(
                    "R-SOK-2: de overeenkomst kan niet actief worden zolang deze onderdelen "
                    "ontbreken: %(onderdelen)s."
                )
                % {"onderdelen": ", ".join(missing)}
            )
        if not o.dekt_volledige_route:
            errors.setdefault("dekt_volledige_route", []).append(
                _(
                    "R-SOK-4: de samenwerking moet de hele route dekken, van vmbo-leerjaar 3 tot "
                    "en met het mbo-diploma (ook niveau 4)."
                )
            )
    if errors:
        raise ValidationError(errors)
