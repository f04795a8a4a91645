"""ROD format 1: import ROD's response to a delivery file (accepted records, rejections become
open signals for the instelling's beheerders). All or nothing."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from registratie.models import (
    SIGNAAL_OPEN,
    RodLevering,
    RodLeveringStatus,
    RodMutatie,
    RodStand,
    RodTerugkoppeling,
    RodTerugkoppelingStatus,
    Signaal,
)
from registratie.rod import format, format_lezen, selectors
from registratie.rod.v1_bouwen import (
    BATCH,
    BRON,
    signaal_sleutel_afgekeurd,
)
from samenwerking import audit
from samenwerking.models import AuditActie, Kanaal

# ------------------------------------------------------------------------------------------ response


@dataclasses.dataclass
class TerugkoppelingResultaat:
    terugkoppeling: RodTerugkoppeling
    geaccepteerd: int = 0
    afgekeurd: int = 0
    overgeslagen: int = 0

    def regel(self) -> str:
        lev = self.terugkoppeling.levering
        return _(
            "Terugkoppeling op levering %(nr)s van %(brin)s: %(a)s geaccepteerd, %(r)s afgekeurd "
            "(signaal), %(o)s overgeslagen."
        ) % {
            "nr": lev.volgnummer,
            "brin": lev.instelling.brin,
            "a": self.geaccepteerd,
            "r": self.afgekeurd,
            "o": self.overgeslagen,
        }


def terugkoppeling_inlezen(
    *,
    bestand,
    naam: str = "terugkoppeling.xml",
    door=None,
    kanaal: str = Kanaal.IMPORT,
    levering: RodLevering | None = None,
) -> TerugkoppelingResultaat:
    """Read ROD's response to one delivery (``bestand``: a binary file or a path).

    Accepted records are marked accepted; a rejected one gets an open signal with the code and
    the message for the instelling's beheerders and waits: it goes out again with the first
    delivery after its data changed, or after the signal was closed (data confirmed correct).
    All or nothing: a file that does not follow the XSD, or belongs to another delivery
    (``levering``, when given, e.g. the upload screen's), changes nothing.
    """
    storage = RodTerugkoppeling._meta.get_field("bestand").storage
    opgeslagen: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rod-tk-") as tmp:
        pad = Path(tmp) / "terugkoppeling.xml"
        sha = hashlib.sha256()
        with open(pad, "wb") as out:
            bron = open(bestand, "rb") if isinstance(bestand, str | Path) else contextlib.nullcontext(bestand)  # noqa: SIM115
            with bron as fh:
                for blok in iter(lambda: fh.read(1024 * 1024), b""):
                    sha.update(blok)
                    out.write(blok)
        try:
            with transaction.atomic():
                resultaat = _terugkoppeling_verwerken(
                    pad, sha.hexdigest(), naam, door, kanaal, levering, opgeslagen
                )
        except format.FormaatFout as exc:
            for name in opgeslagen:
                with contextlib.suppress(Exception):
                    storage.delete(name)
            raise ValidationError(str(exc)) from None
        except BaseException:
            for name in opgeslagen:
                with contextlib.suppress(Exception):
                    storage.delete(name)
            raise
    return resultaat


def _terugkoppeling_verwerken(
    pad, sha256, naam, door, kanaal, verwacht, opgeslagen
) -> TerugkoppelingResultaat:
    kop, beoordelingen = format_lezen.terugkoppeling_lezen(str(pad))
    levering = (
        RodLevering.objects.select_for_update()
        .select_related("instelling")
        .filter(instelling__brin=kop.brin, volgnummer=kop.volgnummer)
        .first()
    )
    if levering is None:
        raise ValidationError(
            _("Er is geen levering %(nr)s van %(brin)s.") % {"nr": kop.volgnummer, "brin": kop.brin}
        )
    if verwacht is not None and levering.pk != verwacht.pk:
        raise ValidationError(
            _("Deze terugkoppeling hoort bij levering %(nr)s van %(brin)s, niet bij deze levering.")
            % {"nr": kop.volgnummer, "brin": kop.brin}
        )
    if kop.sha256 and kop.sha256 != levering.sha256:
        raise ValidationError(
            _("De sha256 in de terugkoppeling hoort niet bij het bestand van levering %(nr)s.")
            % {"nr": levering.volgnummer}
        )
    if RodTerugkoppeling.objects.filter(levering=levering, sha256=sha256).exists():
        raise ValidationError(_("Deze terugkoppeling is al ingelezen."))

    tk = RodTerugkoppeling(
        levering=levering,
        sha256=sha256,
        ingelezen_door=door if getattr(door, "is_authenticated", False) else None,
        kanaal=kanaal,
    )
    resultaat = TerugkoppelingResultaat(terugkoppeling=tk)
    stapel: list[format_lezen.Beoordeling] = []
    for b in beoordelingen:
        stapel.append(b)
        if len(stapel) >= BATCH:
            _beoordelingen_verwerken(levering, stapel, resultaat, door=door, kanaal=kanaal)
            stapel = []
    _beoordelingen_verwerken(levering, stapel, resultaat, door=door, kanaal=kanaal)

    levering_oud = _levering_velden(levering)
    levering.aantal_geaccepteerd += resultaat.geaccepteerd
    levering.aantal_afgekeurd += resultaat.afgekeurd
    if resultaat.geaccepteerd or resultaat.afgekeurd:
        levering.status = (
            RodLeveringStatus.DEELS_AFGEKEURD if levering.aantal_afgekeurd else RodLeveringStatus.GEACCEPTEERD
        )
    levering.save(update_fields=["aantal_geaccepteerd", "aantal_afgekeurd", "status"])
    if _levering_velden(levering) != levering_oud:
        audit.record(
            levering,
            actie=AuditActie.GEWIJZIGD,
            door=door,
            kanaal=kanaal,
            oud=levering_oud,
            nieuw=_levering_velden(levering),
        )

    tk.aantal_geaccepteerd = resultaat.geaccepteerd
    tk.aantal_afgekeurd = resultaat.afgekeurd
    tk.aantal_overgeslagen = resultaat.overgeslagen
    with open(pad, "rb") as fh:
        tk.bestand.save(Path(naam).name or "terugkoppeling.xml", File(fh), save=False)
    opgeslagen.append(tk.bestand.name)
    tk.save()
    audit.record(
        tk,
        actie=AuditActie.AANGEMAAKT,
        door=door,
        kanaal=kanaal,
        nieuw={
            "levering": levering.volgnummer,
            "sha256": sha256,
            "geaccepteerd": tk.aantal_geaccepteerd,
            "afgekeurd": tk.aantal_afgekeurd,
            "overgeslagen": tk.aantal_overgeslagen,
        },
    )
    return resultaat


def _levering_velden(levering: RodLevering) -> dict:
    return {
        "aantal_geaccepteerd": levering.aantal_geaccepteerd,
        "aantal_afgekeurd": levering.aantal_afgekeurd,
        "status": levering.status,
    }


def _beoordelingen_verwerken(
    levering: RodLevering, stapel: list, resultaat: TerugkoppelingResultaat, *, door, kanaal: str
) -> None:
    if not stapel:
        return
    instelling = levering.instelling
    # Only what this delivery carried as the key's latest record: a later delivery's answer decides
    # for a key that went out again since.
    standen = RodStand.objects.filter(instelling=instelling, levering=levering)
    geaccepteerd = {b.sleutel for b in stapel if b.status == format.GEACCEPTEERD}
    if geaccepteerd:
        n = standen.filter(sleutel__in=geaccepteerd).update(
            terugkoppeling=RodTerugkoppelingStatus.GEACCEPTEERD, afkeurcode="", afkeurmelding=""
        )
        resultaat.geaccepteerd += n
        resultaat.overgeslagen += len(geaccepteerd) - n
    for b in stapel:
        if b.status != format.AFGEKEURD:
            continue
        stand = standen.filter(sleutel=b.sleutel).select_related("inschrijving").first()
        if stand is None:
            resultaat.overgeslagen += 1
            continue
        _afkeuren(levering, stand, b, door=door, kanaal=kanaal)
        resultaat.afgekeurd += 1


def _afkeuren(
    levering: RodLevering, stand: RodStand, b: format_lezen.Beoordeling, *, door, kanaal: str
) -> None:
    instelling = levering.instelling
    sleutel = signaal_sleutel_afgekeurd(instelling.brin, stand.sleutel)
    element = _(", element %(e)s") % {"e": b.element} if b.element else ""
    toelichting = _(
        "ROD keurde de %(kant)s-inschrijving %(sleutel)s af in levering %(nr)s (code %(code)s%(element)s): "
        "%(melding)s. Herstel de gegevens; de inschrijving gaat opnieuw mee met de eerste levering "
        "daarna. Kloppen de gegevens toch (bijvoorbeeld hersteld bij DUO), sluit dan dit signaal: "
        "dan gaat het record ongewijzigd opnieuw mee."
    ) % {
        "kant": stand.sector,
        "sleutel": stand.sleutel,
        "nr": levering.volgnummer,
        "code": b.code,
        "element": element,
        "melding": b.melding,
    }
    signaal = Signaal.objects.filter(bron=BRON, sleutel=sleutel, status__in=SIGNAAL_OPEN).first()
    leerling_id = stand.inschrijving.leerling_id if stand.inschrijving else None
    if signaal is None:
        overeenkomst_id, partner_id = selectors.partijen([stand.inschrijving_id]).get(
            stand.inschrijving_id, (None, None)
        )
        signaal = Signaal.objects.create(
            regel="ROD",
            sleutel=sleutel,
            bron=BRON,
            instelling=instelling,
            overeenkomst_id=overeenkomst_id,
            partner_instelling_id=partner_id,
            inschrijving_id=stand.inschrijving_id,
            leerling_id=leerling_id,
            toelichting=toelichting,
        )
        audit.record(
            signaal,
            actie=AuditActie.AANGEMAAKT,
            door=door,
            kanaal=kanaal,
            nieuw=audit.snapshot(signaal),
        )
    elif signaal.toelichting != toelichting:
        oud = {"toelichting": signaal.toelichting}
        signaal.toelichting = toelichting
        signaal.save(update_fields=["toelichting"])
        audit.record(
            signaal,
            actie=AuditActie.GEWIJZIGD,
            door=door,
            kanaal=kanaal,
            oud=oud,
            nieuw={"toelichting": toelichting},
        )
    # What ROD now has of this key: a rejected new record is unknown to ROD, a rejected end
    # leaves the enrolment running there, a rejected withdrawal leaves it known.
    if stand.mutatie == RodMutatie.NIEUW:
        stand.bij_rod = False
    elif stand.mutatie == RodMutatie.BEEINDIGD:
        stand.einddatum_geleverd = False
    elif stand.mutatie == RodMutatie.INGETROKKEN:
        stand.bij_rod = True
    stand.terugkoppeling = RodTerugkoppelingStatus.AFGEKEURD
    stand.afkeurcode = b.code[:20]
    stand.afkeurmelding = b.melding
    stand.signaal = signaal
    stand.save()
