"""One rule for every refused ROD message: it opens a Signaal for the instelling's beheerders.

A message can be refused in three places: DUO's feedback rejects an enrolment on a count date
(registratie.rod.terugkoppeling), DUO refuses it when it is handed over, or our own check (the
XSD, the elfproef) refuses it before it is sent (both in the sending job, registratie.rod.
verzenden). Each ends afgekeurd with the reason, and each opens (or updates) one signal per cause
here (bron ``rod``, regel ``ROD``), so a rejection never disappears in the queue unseen. The
signal also names the route's agreement and the partner school, so they see it too (read-only).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from registratie.models import SIGNAAL_OPEN, Inschrijving, Signaal, SignaalStatus
from registratie.rod import selectors
from samenwerking import audit
from samenwerking.models import AuditActie, Instelling, Kanaal

BRON = "rod"
REGEL = "ROD"
OPEN = SIGNAAL_OPEN


def openen(
    instelling: Instelling,
    *,
    sleutel: str,
    inschrijving_id: int | None,
    leerling_id: int | None,
    partijen: dict,
    toelichting: str,
    door,
    kanaal: str,
) -> Signaal:
    """The open signal of this cause (``sleutel``), created or brought up to date, audited.
    ``partijen``: selectors.partijen() of the enrolments concerned."""
    signaal = Signaal.objects.filter(sleutel=sleutel, status__in=OPEN).first()
    if signaal is None:
        overeenkomst_id, partner_id = partijen.get(inschrijving_id, (None, None))
        signaal = Signaal.objects.create(
            regel=REGEL,
            sleutel=sleutel,
            bron=BRON,
            instelling=instelling,
            overeenkomst_id=overeenkomst_id,
            partner_instelling_id=partner_id,
            inschrijving_id=inschrijving_id,
            leerling_id=leerling_id,
            toelichting=toelichting,
        )
        audit.record(
            signaal, actie=AuditActie.AANGEMAAKT, door=door, kanaal=kanaal, nieuw=audit.snapshot(signaal)
        )
    elif signaal.toelichting != toelichting:
        oud = {"toelichting": signaal.toelichting}
        signaal.toelichting = toelichting
        signaal.save(update_fields=["toelichting"])
        nieuw = {"toelichting": toelichting}
        audit.record(signaal, actie=AuditActie.GEWIJZIGD, door=door, kanaal=kanaal, oud=oud, nieuw=nieuw)
    return signaal


def sluiten(signalen, afhandeling: str, *, door=None, kanaal: str = Kanaal.JOB) -> int:
    """Solve the open signals among ``signalen`` (a queryset), audited; returns how many."""
    n = 0
    for signaal in signalen.filter(status__in=OPEN):
        oud = audit.snapshot(signaal)
        signaal.status = SignaalStatus.OPGELOST
        signaal.gesloten_op = timezone.now()
        signaal.afhandeling = afhandeling
        signaal.save(update_fields=["status", "gesloten_op", "afhandeling"])
        audit.record(
            signaal,
            actie=AuditActie.GEWIJZIGD,
            door=door,
            kanaal=kanaal,
            oud=oud,
            nieuw=audit.snapshot(signaal),
        )
        n += 1
    return n


def niet_verzonden_sleutel(brin: str, sleutel: str) -> str:
    return f"rod-niet-verzonden:{brin}:{sleutel}"


def open_weigeringen(instelling: Instelling) -> dict[str, int]:
    """The instelling's open signals of messages the job could not send, by cause (usually none):
    read once per run, so a message that goes out after all solves its signal without a query."""
    return dict(
        Signaal.objects.filter(
            instelling=instelling,
            bron=BRON,
            sleutel__startswith=niet_verzonden_sleutel(instelling.brin, ""),
            status__in=OPEN,
        ).values_list("sleutel", "pk")
    )


def alsnog_verzonden(open_signalen: dict[str, int], instelling: Instelling, berichten: list) -> int:
    """Messages that went out after an earlier refusal: that refusal's signal is solved (and
    taken out of ``open_signalen``)."""
    sleutels = {niet_verzonden_sleutel(instelling.brin, b.sleutel) for b in berichten}
    ids = [open_signalen.pop(s) for s in sleutels & open_signalen.keys()]
    if not ids:
        return 0
    return sluiten(
        Signaal.objects.filter(pk__in=ids),
        _("Het bericht is alsnog verzonden (%(d)s).") % {"d": timezone.localdate().strftime("%d-%m-%Y")},
    )


def niet_verzonden(
    instelling: Instelling, berichten: list, reden: str, *, door=None, kanaal: str = Kanaal.JOB
) -> list[Signaal]:
    """Messages the sending job could not send, afgekeurd with ``reden`` (our own check or DUO's
    refusal on receipt): one signal per enrolment. Rare, so a few queries per call are fine; a
    message whose enrolment is gone (a deletion) still gets its signal, by key."""
    ids = [b.inschrijving_id for b in berichten if b.inschrijving_id]
    leerlingen = dict(Inschrijving.objects.filter(pk__in=ids).values_list("pk", "leerling_id")) if ids else {}
    partijen = selectors.partijen(ids) if ids else {}
    signalen = []
    for b in berichten:
        toelichting = _(
            "Het ROD-bericht (%(soort)s) van inschrijving %(sleutel)s is afgekeurd: %(reden)s. Herstel "
            "de gegevens: de wijziging gaat als nieuw bericht naar DUO. Kloppen de gegevens toch, zet de "
            "inschrijving dan opnieuw in de wachtrij op het ROD-scherm."
        ) % {"soort": b.get_soort_display(), "sleutel": b.sleutel, "reden": reden}
        signalen.append(
            openen(
                instelling,
                sleutel=niet_verzonden_sleutel(instelling.brin, b.sleutel),
                inschrijving_id=b.inschrijving_id if b.inschrijving_id in leerlingen else None,
                leerling_id=leerlingen.get(b.inschrijving_id),
                partijen=partijen,
                toelichting=toelichting,
                door=door,
                kanaal=kanaal,
            )
        )
    return signalen
