"""Retention (issue 5, item 6): the personal data of a student whose route ended more than
``LEERROUTE_BEWAARTERMIJN_JAREN`` years ago is anonymised; the rows that monitoring counts stay.

What "ended" means: the student has no open inschrijving, and the latest einddatum of all their
inschrijvingen and the latest uitstroom datum lie more than N years before the peildatum. A student
without any inschrijving (registered, never enrolled) counts from ``aangemaakt_op``.

What anonymising does, set-based in chunks of ids (one transaction per chunk, so a crash keeps the
finished chunks and a re-run continues where it stopped; a second run finds nothing):

- Leerling: BSN and onderwijsnummer with their keyed hashes to NULL, the names emptied (achternaam
  becomes ``PLAATSHOUDER``), geboortedatum truncated to 1 January of the birth year, and
  ``geanonimiseerd_op`` set. The birth year stays so that age at intake and cohort analyses stay
  roughly right; the day and month identify a person together with other data and go.
- Free text that can quote a person: Uitstroom.toelichting, Signaal.toelichting and
  Signaal.afhandeling, and ROD's rejection message (RodStand.afkeurmelding) of their enrolments.
  Open ROD signals of these students are closed: they are no longer delivered (rod/selectors.py
  leaves anonymised students out of both export streams, so the export neither sends nor withdraws
  their records). Signals of the fase check stay as they are (only their text is replaced): that
  check closes them itself when their cause is gone, and would raise a closed one again.
- The audit trail: rows about these students, their uitstroom and their signals get a neutral
  ``object_repr`` and the personal keys in ``oud``/``nieuw`` (names, geboortedatum, masked numbers,
  free text) replaced by ``GEANONIMISEERD``: one UPDATE per chunk with a JSON expression (jsonb_set
  on PostgreSQL, json_replace on SQLite), inside ``audit.audit_onderhoud()`` (the database refuses
  other changes of the trail).
- The anonymisation itself is recorded: one audit row per student (actie update, nieuw
  ``{"geanonimiseerd": true}``), no personal values.

Inschrijvingen, fasewissels and uitstroom rows stay, so monitoring() counts the same as before.
The number of queries per chunk is fixed: it does not grow with the number of students.

Run it with ``registratie.tasks.anonimiseren_task`` (nightly, beat) or ``manage.py anonimiseren``;
both call ``draai()``.
"""

from __future__ import annotations

import datetime
import json
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, Exists, JSONField, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _

from registratie import locks
from registratie.models import (
    SIGNAAL_OPEN,
    Inschrijving,
    Leerling,
    RodStand,
    Signaal,
    SignaalStatus,
    Uitstroom,
)
from samenwerking import audit
from samenwerking.models import AuditActie, AuditRegel, Kanaal

logger = logging.getLogger(__name__)

LOCK_NAAM = "anonimiseren"
PLAATSHOUDER = "Geanonimiseerd"  # Leerling.achternaam is required
GEANONIMISEERD = "(geanonimiseerd)"  # what replaces a personal value in the audit trail
ROD_BRON = "rod"

# Keys of the audit JSON that can hold personal data, in rows about a student, their uitstroom or
# their signals (numbers are masked there already; the last digits go too).
PERSOONLIJKE_SLEUTELS = (
    "voornamen",
    "voorletters",
    "roepnaam",
    "tussenvoegsel",
    "achternaam",
    "geboortedatum",
    "bsn",
    "onderwijsnummer",
    "toelichting",
    "afhandeling",
)


def bewaartermijn_jaren() -> int:
    return int(settings.LEERROUTE_BEWAARTERMIJN_JAREN)


def grensdatum(peildatum: datetime.date, jaren: int | None = None) -> datetime.date:
    """``peildatum`` minus the retention period (29 February falls back to the 28th)."""
    jaren = bewaartermijn_jaren() if jaren is None else jaren
    try:
        return peildatum.replace(year=peildatum.year - jaren)
    except ValueError:
        return peildatum.replace(year=peildatum.year - jaren, day=28)


def te_anonimiseren(peildatum: datetime.date, *, jaren: int | None = None):
    """Students not yet anonymised whose route ended more than the retention period before
    ``peildatum``: no open inschrijving, no inschrijving or uitstroom ending on or after the cut-off
    date, and, without any inschrijving, registered before it."""
    grens = grensdatum(peildatum, jaren)
    grens_tijd = timezone.make_aware(datetime.datetime.combine(grens, datetime.time.min))
    inschrijvingen = Inschrijving.objects.filter(leerling=OuterRef("pk"))
    return (
        Leerling.objects.filter(geanonimiseerd_op__isnull=True)
        .exclude(Exists(inschrijvingen.filter(Q(einddatum__isnull=True) | Q(einddatum__gte=grens))))
        .exclude(Exists(Uitstroom.objects.filter(leerling=OuterRef("pk"), datum__gte=grens)))
        .filter(Exists(inschrijvingen) | Q(aangemaakt_op__lt=grens_tijd))
    )


def draai(peildatum: datetime.date | None = None, *, voortgang=None) -> dict:
    """What the task and the command run: anonymise under a lock, so two runs never overlap.

    Raises ``locks.AlBezig`` when another run holds the lock.
    """
    peildatum = peildatum or timezone.localdate()
    with locks.enkele_run(LOCK_NAAM):
        aantal = anonimiseren(peildatum=peildatum, voortgang=voortgang)
        bestanden = rod_bestanden_opruimen(peildatum=peildatum)
    return {
        "peildatum": peildatum.isoformat(),
        "bewaartermijn_jaren": bewaartermijn_jaren(),
        "grensdatum": grensdatum(peildatum).isoformat(),
        "geanonimiseerd": aantal,
        "rod_bestanden_verwijderd": bestanden,
    }


def rod_bestanden_opruimen(*, peildatum: datetime.date, jaren: int | None = None) -> int:
    """Delete ROD delivery and feedback files older than the retention period: they hold names and
    BSNs in full. The rows stay (volgnummer, sha256, counts), so the delivery history still adds up."""
    from registratie.rod.models import RodLevering, RodTerugkoppeling

    grens = timezone.make_aware(datetime.datetime.combine(grensdatum(peildatum, jaren), datetime.time.min))
    verwijderd = 0
    for model, datum_veld in ((RodLevering, "aangemaakt_op"), (RodTerugkoppeling, "ingelezen_op")):
        oud = model.objects.filter(**{f"{datum_veld}__lt": grens}).exclude(bestand="")
        # A handful of files per instelling per night: the storage deletes them one by one,
        # the rows are cleared in one update.
        namen = list(oud.values_list("bestand", flat=True))
        for naam in namen:
            model._meta.get_field("bestand").storage.delete(naam)
        verwijderd += oud.update(bestand="")
    return verwijderd


def anonimiseren(
    *,
    peildatum: datetime.date,
    door=None,
    kanaal: str = Kanaal.JOB,
    batch: int = 5000,
    jaren: int | None = None,
    voortgang=None,
) -> int:
    """Anonymise every student te_anonimiseren() finds, ``batch`` ids per transaction; returns
    how many. ``voortgang(tekst)`` hears after each committed chunk how far it got."""
    # SQLite allows 999 parameters per statement; the audit UPDATE names each id up to four times.
    max_params = connection.features.max_query_params
    grootte = max(1, min(batch, (max_params - 100) // 4) if max_params else batch)
    totaal, laatste = 0, 0
    while True:
        with transaction.atomic():
            rijen = list(
                te_anonimiseren(peildatum, jaren=jaren)
                .filter(pk__gt=laatste)
                .order_by("pk")
                .values_list("pk", "instelling_id")[:grootte]
            )
            if not rijen:
                break
            _chunk(rijen, door=door, kanaal=kanaal)
        laatste = rijen[-1][0]
        totaal += len(rijen)
        logger.info("anonimiseren: %s leerlingen geanonimiseerd (t/m id %s)", totaal, laatste)
        if voortgang is not None:
            voortgang(_("%(n)s leerlingen geanonimiseerd") % {"n": totaal})
    return totaal


def _chunk(rijen: list[tuple[int, int]], *, door, kanaal: str) -> None:
    ids = [pk for pk, _instelling in rijen]
    nu = timezone.now()
    Leerling.objects.filter(pk__in=ids, geanonimiseerd_op__isnull=True).update(
        bsn=None,
        bsn_hash=None,
        onderwijsnummer=None,
        onderwijsnummer_hash=None,
        voornamen="",
        voorletters="",
        roepnaam="",
        tussenvoegsel="",
        achternaam=PLAATSHOUDER,
        geboortedatum=TruncYear("geboortedatum"),
        geanonimiseerd_op=nu,
    )
    tekst = _("Geanonimiseerd na de bewaartermijn.")
    Uitstroom.objects.filter(leerling_id__in=ids).exclude(toelichting="").update(toelichting="")

    signalen = Signaal.objects.filter(Q(leerling_id__in=ids) | Q(inschrijving__leerling_id__in=ids))
    rod_open = list(
        signalen.filter(bron=ROD_BRON, status__in=SIGNAAL_OPEN).values_list(
            "pk", "regel", "instelling_id", "partner_instelling_id"
        )
    )
    signalen.update(
        toelichting=tekst,
        afhandeling=Case(When(afhandeling="", then=Value("")), default=Value(tekst)),
    )
    if rod_open:
        afhandeling = _(
            "Gesloten: de leerling is geanonimiseerd na de bewaartermijn en gaat niet meer naar ROD."
        )
        Signaal.objects.filter(pk__in=[r[0] for r in rod_open]).update(
            status=SignaalStatus.OPGELOST, gesloten_op=nu, afhandeling=afhandeling, afgehandeld_door=None
        )
        gesloten = [
            Signaal(pk=pk, regel=regel, toelichting=tekst, instelling_id=i, partner_instelling_id=p)
            for pk, regel, i, p in rod_open
        ]
        audit.record_bulk(
            gesloten,
            actie=AuditActie.GEWIJZIGD,
            door=door,
            kanaal=kanaal,
            nieuw={"status": SignaalStatus.OPGELOST, "gesloten_op": nu.isoformat()},
        )
    RodStand.objects.filter(inschrijving__leerling_id__in=ids).exclude(afkeurmelding="").update(
        afkeurmelding=""
    )

    _audit_schrobben(ids, signalen)
    # Then the anonymisation itself, without personal values; after the scrub, which need not
    # rewrite these rows. record_bulk() takes str() of the instance as object_repr: these transient
    # instances carry only the pk, the instelling (who may read the row) and the neutral text.
    repr_tekst = _("Geanonimiseerde leerling")
    audit.record_bulk(
        (Leerling(pk=pk, instelling_id=instelling, achternaam=repr_tekst) for pk, instelling in rijen),
        actie=AuditActie.GEWIJZIGD,
        door=door,
        kanaal=kanaal,
        nieuw={"geanonimiseerd": True},
    )


def _als_tekst(qs):
    return qs.annotate(_id=Cast("pk", CharField(max_length=64))).values("_id")


def _audit_schrobben(ids: list[int], signalen) -> int:
    """One UPDATE of the audit rows about these students, their uitstroom and their signals."""
    leerling, uitstroom, signaal = Leerling._meta.label, Uitstroom._meta.label, Signaal._meta.label
    rijen = AuditRegel.objects.filter(
        Q(model=leerling, object_id__in=[str(pk) for pk in ids])
        | Q(model=uitstroom, object_id__in=_als_tekst(Uitstroom.objects.filter(leerling_id__in=ids)))
        | Q(model=signaal, object_id__in=_als_tekst(signalen))
    )
    with audit.audit_onderhoud():
        return rijen.update(
            object_repr=Case(
                When(model=leerling, then=Value(_("Geanonimiseerde leerling"))),
                When(model=uitstroom, then=Value(_("Uitstroom van een geanonimiseerde leerling"))),
                default=Value(_("Signaal over een geanonimiseerde leerling")),
            ),
            oud=_json_schrobben("oud"),
            nieuw=_json_schrobben("nieuw"),
        )


def _json_schrobben(kolom: str) -> RawSQL:
    """The column's JSON object with every key of PERSOONLIJKE_SLEUTELS that it has set to
    GEANONIMISEERD (keys it lacks are not added; NULL stays NULL)."""
    qn = connection.ops.quote_name(kolom)
    if connection.vendor == "postgresql":
        expr = qn
        for sleutel in PERSOONLIJKE_SLEUTELS:
            expr = f"jsonb_set({expr}, '{{{sleutel}}}', %s::jsonb, false)"
        sql = f"CASE WHEN jsonb_typeof({qn}) = 'object' THEN {expr} ELSE {qn} END"
        params = [json.dumps(GEANONIMISEERD)] * len(PERSOONLIJKE_SLEUTELS)
    else:  # SQLite: JSON stored as text; json_replace changes only the paths that exist (and
        # writes the text minified, so rows without any of the keys are left alone)
        paden = [f"'$.\"{sleutel}\"'" for sleutel in PERSOONLIJKE_SLEUTELS]
        heeft = " OR ".join(f"json_type({qn}, {pad}) IS NOT NULL" for pad in paden)
        vervang = ", ".join(f"{pad}, %s" for pad in paden)
        sql = (
            f"CASE WHEN json_type({qn}) = 'object' AND ({heeft}) "
            f"THEN json_replace({qn}, {vervang}) ELSE {qn} END"
        )
        params = [GEANONIMISEERD] * len(PERSOONLIJKE_SLEUTELS)
    return RawSQL(sql, params, output_field=JSONField())
