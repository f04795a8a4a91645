"""Bulk decisions on signals: start a run (one row, the ids chosen), and run it as a background
task. Each signal goes through the same service as a single decision (registratie.services:
same rules, same audit rows, one transaction per signal and so all or nothing per student); a
signal that breaks a rule is counted with its message and the run goes on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie import achtergrond, locks, services
from registratie.jobs.models import JobStatus
from registratie.models import Signaal
from registratie.review.models import LOPEND, BulkActie, BulkSoort
from samenwerking.models import Kanaal

VOORTGANG_PER = 25  # rows between two progress updates (one UPDATE each)
MAX_FOUTEN = 50  # messages kept for the summary; the count covers all


class AlBezig(ValidationError):
    """The user already has a run going; ``bulk`` is that run."""

    def __init__(self, bulk: BulkActie):
        super().__init__(_("Er loopt al een bulkbeslissing van u; wacht tot die klaar is."))
        self.bulk = bulk


def starten(
    *,
    door,
    soort: str,
    signalen,
    reden: str = "",
    aan_kant: str = "",
    aan_persoon=None,
    omschrijving: str = "",
) -> BulkActie:
    """Record a run over ``signalen`` (a queryset the caller scoped to what ``door`` may handle)
    and enqueue it once the transaction commits. A second start while one runs raises AlBezig."""
    reden = (reden or "").strip()
    if soort not in BulkSoort.values:
        raise ValidationError({"soort": _("Kies toepassen, afwijzen of overdragen.")})
    if soort == BulkSoort.AFWIJZEN and not reden:
        raise ValidationError({"reden": _("Geef de reden waarom de signalen worden afgewezen.")})
    if soort == BulkSoort.OVERDRAGEN and aan_persoon is None and aan_kant not in ("vo", "mbo"):
        raise ValidationError({"aan_persoon": _("Kies de collega aan wie u de signalen overdraagt.")})
    if soort == BulkSoort.TOEPASSEN:
        # Only a proposed transition can be applied; the other signals of the filter stay open.
        signalen = signalen.filter(voorgestelde_datum__isnull=False)
    ids = list(signalen.order_by("id").values_list("id", flat=True))
    if not ids:
        raise ValidationError(_("Er zijn geen signalen gekozen die u kunt afhandelen."))
    lopend = BulkActie.objects.filter(aangevraagd_door=door, status__in=LOPEND).first()
    if lopend is not None and not afgebroken_sluiten(lopend):
        raise AlBezig(lopend)
    try:
        with transaction.atomic():
            bulk = BulkActie.objects.create(
                soort=soort,
                aangevraagd_door=door,
                reden=reden,
                aan_kant="" if aan_persoon is not None else aan_kant,
                aan_persoon=aan_persoon,
                signaal_ids=ids,
                totaal=len(ids),
                filter_omschrijving=omschrijving[:500],
            )
    except IntegrityError:
        # Two clicks at the same moment: the partial unique index lets one through.
        raise AlBezig(BulkActie.objects.get(aangevraagd_door=door, status__in=LOPEND)) from None
    from registratie.tasks import bulk_actie_task

    transaction.on_commit(lambda: bulk_actie_task.delay(bulk.pk))
    return bulk


def _een(bulk: BulkActie, signaal: Signaal) -> None:
    """One signal through the single-signal service (atomic there)."""
    door = bulk.aangevraagd_door
    if bulk.soort == BulkSoort.TOEPASSEN:
        services.signaal_toepassen(signaal=signaal, door=door, kanaal=Kanaal.UI)
    elif bulk.soort == BulkSoort.AFWIJZEN:
        services.signaal_afwijzen(signaal=signaal, reden=bulk.reden, door=door, kanaal=Kanaal.UI)
    elif bulk.aan_persoon is not None:
        # A signal of an agreement where the colleague is no beheerder fails with its message.
        services.signaal_overdragen(
            signaal=signaal, aan_persoon=bulk.aan_persoon, toelichting=bulk.reden, door=door, kanaal=Kanaal.UI
        )
    else:
        o = signaal.overeenkomst
        aan = None if o is None else (o.vo_instelling if bulk.aan_kant == "vo" else o.mbo_instelling)
        services.signaal_overdragen(
            signaal=signaal, aan=aan, toelichting=bulk.reden, door=door, kanaal=Kanaal.UI
        )


def _bewaar(bulk: BulkActie, **velden) -> None:
    for k, v in velden.items():
        setattr(bulk, k, v)
    BulkActie.objects.filter(pk=bulk.pk).update(**velden)


def afgebroken_sluiten(bulk: BulkActie) -> bool:
    """Close a run whose worker died (registratie.achtergrond): the signals it had handled stay
    handled, the rest stay open."""
    melding = _("De signalen die al verwerkt waren, zijn afgehandeld; de rest staat nog open.")
    fouten = [*bulk.fouten, {"melding": f"{achtergrond.AFGEBROKEN} {melding}"}]
    return achtergrond.afgebroken_sluiten(bulk, fouten=fouten, geeindigd_op=timezone.now())


def annuleren(bulk: BulkActie, *, door) -> bool:
    """Cancel a run that has not begun (registratie.achtergrond): no signal is handled."""
    fouten = [{"melding": achtergrond.GEANNULEERD % {"door": door}}]
    return achtergrond.annuleren(bulk, JobStatus.GEPLAND, fouten=fouten, geeindigd_op=timezone.now())


def uitvoeren(bulk_id: int) -> BulkActie:
    """Run a recorded bulk decision (idempotent: a finished run is left alone; a run delivered
    again after its worker died goes on, and skips the signals already closed, which the service
    refuses with a message). A delivery that meets a live worker on the same run leaves it alone."""
    bulk = BulkActie.objects.get(pk=bulk_id)
    try:
        with achtergrond.uitvoeren(bulk):
            bulk = BulkActie.objects.select_related("aangevraagd_door", "aan_persoon").get(pk=bulk_id)
            if bulk.loopt:
                _afhandelen(bulk)
    except locks.AlBezig:
        pass
    return bulk


def _afhandelen(bulk: BulkActie) -> None:
    from registratie.review.selectors import afhandelbaar

    _bewaar(bulk, status=JobStatus.BEZIG)
    toegestaan = afhandelbaar(bulk.aangevraagd_door, Signaal.objects.all())
    gelukt = mislukt = verwerkt = 0
    fouten: list[dict] = []
    try:
        for begin in range(0, len(bulk.signaal_ids), VOORTGANG_PER):
            deel = bulk.signaal_ids[begin : begin + VOORTGANG_PER]
            # Scope checked again at run time: a right withdrawn meanwhile is respected.
            signalen = {
                s.pk: s
                for s in toegestaan.filter(pk__in=deel).select_related(
                    "overeenkomst__vo_instelling", "overeenkomst__mbo_instelling"
                )
            }
            for pk in deel:
                signaal = signalen.get(pk)
                try:
                    if signaal is None:
                        raise ValidationError(_("U kunt dit signaal niet (meer) afhandelen."))
                    _een(bulk, signaal)
                except ValidationError as exc:
                    mislukt += 1
                    if len(fouten) < MAX_FOUTEN:
                        fouten.append({"signaal": pk, "melding": " ".join(exc.messages)})
                else:
                    gelukt += 1
                verwerkt += 1
            _bewaar(bulk, verwerkt=verwerkt, gelukt=gelukt, mislukt=mislukt, fouten=fouten)
    except Exception as exc:
        _bewaar(
            bulk,
            status=JobStatus.MISLUKT,
            geeindigd_op=timezone.now(),
            fouten=[*fouten, {"melding": str(exc)[:500]}],
        )
        raise
    _bewaar(bulk, status=JobStatus.KLAAR, geeindigd_op=timezone.now())
