"""ROD deliveries (RodLevering), the per-enrolment delivery state that makes them incremental
(RodStand), and imported responses (RodTerugkoppeling); the message queue of format v2
(RodBericht, with one RodBerichtStatus row per status change; BerichtStatus are the values).

Imported at the end of registratie/models.py, so they belong to the registratie app.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registratie.rod.modelbasis import EigenBeheer, VanDuo, door_veld
from samenwerking.models import Instelling, Kanaal

__all__ = [
    "BerichtStatus",
    "RodBericht",
    "RodBerichtSoort",
    "RodBerichtStatus",
    "RodLevering",
    "RodLeveringSoort",
    "RodLeveringStatus",
    "RodMutatie",
    "RodStand",
    "RodTerugkoppeling",
    "RodTerugkoppelingStatus",
]


class RodLeveringSoort(models.TextChoices):
    VOLLEDIG = "volledig", _("volledig (eerste levering)")
    MUTATIES = "mutaties", _("mutaties")


class RodLeveringStatus(models.TextChoices):
    AANGEMAAKT = "aangemaakt", _("klaar voor verzending")
    GEACCEPTEERD = "geaccepteerd", _("geaccepteerd door ROD")
    DEELS_AFGEKEURD = "deels_afgekeurd", _("deels afgekeurd door ROD")


class RodMutatie(models.TextChoices):
    NIEUW = "nieuw", _("nieuw")
    GEWIJZIGD = "gewijzigd", _("gewijzigd")
    BEEINDIGD = "beeindigd", _("beëindigd")
    INGETROKKEN = "ingetrokken", _("ingetrokken")


class RodTerugkoppelingStatus(models.TextChoices):
    GEEN = "", _("nog niet geleverd")
    VERWACHT = "verwacht", _("wacht op terugkoppeling")
    GEACCEPTEERD = "geaccepteerd", _("geaccepteerd")
    AFGEKEURD = "afgekeurd", _("afgekeurd")


def _levering_pad(instance, filename: str) -> str:
    return f"rod/{instance.instelling.brin}/{filename}"


def _terugkoppeling_pad(instance, filename: str) -> str:
    levering = instance.levering
    return f"rod/{levering.instelling.brin}/terugkoppeling/{levering.volgnummer:06d}-{filename}"


class RodLevering(EigenBeheer):
    """One delivery file of one instelling to ROD. Only written (with its file and the state of
    every record in it) when the file has been validated and stored: a run that fails leaves
    no row, so its mutations go out with the next run."""

    instelling = models.ForeignKey(
        Instelling, on_delete=models.PROTECT, related_name="rod_leveringen", verbose_name=_("instelling")
    )
    volgnummer = models.PositiveIntegerField(_("volgnummer"))
    peildatum = models.DateField(_("peildatum"))
    soort = models.CharField(_("soort"), max_length=10, choices=RodLeveringSoort.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RodLeveringStatus.choices, default=RodLeveringStatus.AANGEMAAKT
    )
    sha256 = models.CharField(_("sha256"), max_length=64)
    aantal_records = models.PositiveIntegerField(_("records"), default=0)
    aantal_vastgehouden = models.PositiveIntegerField(
        _("vastgehouden"), default=0, help_text=_("Records die niet mee konden; elk heeft een signaal.")
    )
    aantal_geaccepteerd = models.PositiveIntegerField(_("geaccepteerd"), default=0)
    aantal_afgekeurd = models.PositiveIntegerField(_("afgekeurd"), default=0)
    bestand = models.FileField(_("bestand"), upload_to=_levering_pad, max_length=255)
    aangemaakt_op = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    aangemaakt_door = door_veld(_("aangemaakt door"))
    kanaal = models.CharField(_("kanaal"), max_length=10, choices=Kanaal.choices, default=Kanaal.JOB)
    formaatversie = models.CharField(
        _("formaatversie"),
        max_length=2,
        default="1",
        help_text=_("1: het eigen batchformaat; 2: een batch van berichten (bestandstransport)."),
    )

    class Meta:
        verbose_name = _("ROD-levering")
        verbose_name_plural = _("ROD-leveringen")
        ordering = ["instelling", "-volgnummer"]
        constraints = [
            models.UniqueConstraint(
                fields=["instelling", "volgnummer"],
                name="rodlevering_volgnummer_uniek",
                violation_error_message=_("Deze instelling heeft al een ROD-levering met dit volgnummer."),
            ),
            models.UniqueConstraint(  # format 2 may send several batches a day ("nu leveren")
                fields=["instelling", "peildatum"],
                condition=Q(formaatversie="1"),
                name="rodlevering_een_per_peildatum",
                violation_error_message=_("Deze instelling heeft al een ROD-levering voor deze peildatum."),
            ),
            models.CheckConstraint(
                condition=Q(volgnummer__gte=1),
                name="rodlevering_volgnummer_vanaf_1",
                violation_error_message=_("Het volgnummer van een levering begint bij 1."),
            ),
        ]

    def __str__(self):
        return f"ROD-levering {self.instelling.brin} #{self.volgnummer} ({self.peildatum:%d-%m-%Y})"

    @property
    def bestandsnaam(self) -> str:
        return self.bestand.name.rsplit("/", 1)[-1] if self.bestand else ""


class RodStand(EigenBeheer):
    """What ROD has (or will have) of one record of one instelling, keyed like the file:
    (instelling, inschrijvingsvolgnummer). The next delivery is the difference between the
    inschrijvingen and these rows: new keys, changed hashes, ended enrolments, withdrawn keys.

    Also a record that is held back (``vastgehouden``, with the open ``signaal`` that says why)
    or rejected by ROD (``terugkoppeling`` afgekeurd) has a row, so "every inschrijving is
    delivered or held with a signal" can be checked from this table.
    """

    instelling = models.ForeignKey(
        Instelling, on_delete=models.PROTECT, related_name="rod_standen", verbose_name=_("instelling")
    )
    sleutel = models.CharField(_("inschrijvingsvolgnummer"), max_length=20)
    inschrijving = models.ForeignKey(
        "registratie.Inschrijving",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rod_standen",
        verbose_name=_("inschrijving"),
    )
    sector = models.CharField(_("kant"), max_length=3)
    hash = models.CharField(
        _("hash van het geleverde record"),
        max_length=64,
        blank=True,
        help_text=_("sha256 over de gegevens zoals laatst geleverd; leeg als nog niets is geleverd."),
    )
    bron_hash = models.CharField(
        _("hash van de brongegevens"),
        max_length=32,
        blank=True,
        default="",
        help_text=_(
            "md5 over de velden waar het record uit bestaat, bij de laatste beoordeling: gelijk en "
            "niets open, dan slaat de volgende levering deze sleutel over."
        ),
    )
    mutatie = models.CharField(_("laatste mutatie"), max_length=12, choices=RodMutatie.choices, blank=True)
    levering = models.ForeignKey(
        RodLevering,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="standen",
        verbose_name=_("laatste levering"),
    )
    bij_rod = models.BooleanField(
        _("bekend bij ROD"),
        default=False,
        help_text=_("ROD heeft deze sleutel (geleverd en niet afgekeurd als nieuw, niet ingetrokken)."),
    )
    einddatum_geleverd = models.BooleanField(_("einddatum geleverd"), default=False)
    terugkoppeling = models.CharField(
        _("terugkoppeling"), max_length=12, choices=RodTerugkoppelingStatus.choices, blank=True
    )
    afkeurcode = models.CharField(_("afkeurcode"), max_length=20, blank=True)
    afkeurmelding = models.TextField(_("afkeurmelding"), blank=True)
    vastgehouden = models.BooleanField(
        _("vastgehouden"), default=False, help_text=_("Kan niet worden geleverd; zie het signaal.")
    )
    signaal = models.ForeignKey(
        "registratie.Signaal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signaal"),
    )
    gewijzigd_op = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("ROD-stand van een inschrijving")
        verbose_name_plural = _("ROD-standen van inschrijvingen")
        ordering = ["instelling", "sleutel"]
        constraints = [
            models.UniqueConstraint(fields=["instelling", "sleutel"], name="rodstand_een_per_sleutel"),
        ]
        # The ROD page lists what is held or rejected: a few rows among every key.
        indexes = [
            models.Index(
                fields=["instelling", "sleutel"],
                condition=Q(vastgehouden=True) | Q(terugkoppeling="afgekeurd"),
                name="rodstand_open_idx",
            )
        ]

    def __str__(self):
        return f"{self.sleutel}: {self.get_mutatie_display() or '-'} ({self.get_terugkoppeling_display()})"


class RodTerugkoppeling(VanDuo):
    """One imported response to a delivery: the stored file and what it said."""

    levering = models.ForeignKey(
        RodLevering, on_delete=models.PROTECT, related_name="terugkoppelingen", verbose_name=_("levering")
    )
    bestand = models.FileField(_("bestand"), upload_to=_terugkoppeling_pad, max_length=255)
    sha256 = models.CharField(_("sha256"), max_length=64)
    aantal_geaccepteerd = models.PositiveIntegerField(_("geaccepteerd"), default=0)
    aantal_afgekeurd = models.PositiveIntegerField(_("afgekeurd"), default=0)
    aantal_overgeslagen = models.PositiveIntegerField(
        _("overgeslagen"),
        default=0,
        help_text=_("Records die niet (meer) bij deze levering horen: onbekend of later opnieuw geleverd."),
    )
    ingelezen_op = models.DateTimeField(_("ingelezen op"), auto_now_add=True)
    ingelezen_door = door_veld(_("ingelezen door"))

    instelling_pad = "levering__instelling"

    class Meta:
        verbose_name = _("ROD-terugkoppeling")
        verbose_name_plural = _("ROD-terugkoppelingen")
        ordering = ["-ingelezen_op", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["levering", "sha256"],
                name="rodterugkoppeling_eenmaal_per_bestand",
                violation_error_message=_("Deze terugkoppeling is al ingelezen."),
            ),
        ]

    def __str__(self):
        return f"Terugkoppeling op {self.levering}"


# --------------------------------------------------------------------------- format v2: the queue


class RodBerichtSoort(models.TextChoices):
    INSCHRIJVING = "inschrijving", _("inschrijving")
    VERWIJDERING = "verwijdering", _("verwijdering")


class BerichtStatus(models.TextChoices):
    IN_WACHTRIJ = "in_wachtrij", _("in wachtrij")
    VERZONDEN = "verzonden", _("verzonden")
    ONTVANGEN = "ontvangen", _("ontvangen door DUO")
    GEACCEPTEERD = "geaccepteerd", _("geaccepteerd")
    AFGEKEURD = "afgekeurd", _("afgekeurd")
    INGETROKKEN = "ingetrokken", _("ingetrokken")


class RodBericht(EigenBeheer):
    """One message to ROD (format v2): queued in the same transaction as the change that needs it
    (registratie.rod.wachtrij), built and sent by the sending job. Its status only changes through
    wachtrij.status_zetten, which writes a RodBerichtStatus row for every change."""

    document_id = models.UUIDField(_("document-id"), unique=True, default=uuid.uuid4, editable=False)
    # No index of their own: rodbericht_lijst_idx and rodbericht_inschrijving_idx lead with these
    # columns, and every index costs a write per message at a first full delivery (half a million).
    instelling = models.ForeignKey(
        Instelling,
        on_delete=models.PROTECT,
        related_name="rod_berichten",
        verbose_name=_("instelling"),
        db_index=False,
    )
    inschrijving = models.ForeignKey(
        "registratie.Inschrijving",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rod_berichten",
        verbose_name=_("inschrijving"),
        db_index=False,
    )
    sleutel = models.CharField(_("inschrijvingsvolgnummer"), max_length=20)
    sector = models.CharField(_("kant"), max_length=3, blank=True)
    soort = models.CharField(_("soort"), max_length=12, choices=RodBerichtSoort.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=BerichtStatus.choices, default=BerichtStatus.IN_WACHTRIJ
    )
    inhoud = models.TextField(
        _("inhoud (versleuteld)"),
        blank=True,
        help_text=_(
            "Het XML zoals verzonden, versleuteld (bevat het BSN); leeg als het in een batchbestand staat."
        ),
    )
    pogingen = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    volgende_poging = models.DateTimeField(_("volgende poging"), null=True, blank=True)
    correctie = models.TextField(
        _("correctie"), blank=True, help_text=_("Reden van een correctie na de teldatum.")
    )
    toelichting = models.TextField(
        _("toelichting"), blank=True, help_text=_("Bij de laatste statuswijziging.")
    )
    levering = models.ForeignKey(
        RodLevering,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="berichten",
        verbose_name=_("batchbestand"),
    )
    # A message sent in a file batch is stored once, in the (encrypted) batch file: its place there.
    positie = models.BigIntegerField(_("positie in het batchbestand"), null=True, blank=True)
    lengte = models.PositiveIntegerField(_("lengte in het batchbestand"), null=True, blank=True)
    aangemaakt = models.DateTimeField(_("aangemaakt"), auto_now_add=True)
    gewijzigd = models.DateTimeField(_("gewijzigd"), auto_now=True)

    class Meta:
        verbose_name = _("ROD-bericht")
        verbose_name_plural = _("ROD-berichten")
        ordering = ["-id"]
        constraints = [
            # At most one queued message per enrolment: queueing again changes nothing (the
            # message is built from the current state when it is sent).
            models.UniqueConstraint(
                fields=["inschrijving"],
                condition=Q(status="in_wachtrij", soort="inschrijving"),
                name="rodbericht_een_in_wachtrij",
            ),
        ]
        indexes = [
            # The sending job: what is queued per instelling, oldest first.
            models.Index(
                fields=["instelling", "id"], condition=Q(status="in_wachtrij"), name="rodbericht_wachtrij_idx"
            ),
            # The screen: per instelling and status, newest first.
            models.Index(fields=["instelling", "status", "-id"], name="rodbericht_lijst_idx"),
            models.Index(fields=["inschrijving", "-id"], name="rodbericht_inschrijving_idx"),
            # The screen for the applicatiebeheerder (every instelling): a status, a key or the
            # deletions, newest first, without reading the whole table (half a million messages
            # a year at national scale).
            models.Index(fields=["status", "-id"], name="rodbericht_status_idx"),
            models.Index(fields=["sleutel", "-id"], name="rodbericht_sleutel_idx"),
            models.Index(
                fields=["-id"], condition=Q(soort="verwijdering"), name="rodbericht_verwijdering_idx"
            ),
        ]

    def __str__(self):
        soort, status = self.get_soort_display(), self.get_status_display()
        return f"ROD-bericht {self.document_id} ({soort} {self.sleutel}, {status})"


class RodBerichtStatus(EigenBeheer):
    """One status change of a RodBericht, with its time (the message's history)."""

    bericht = models.ForeignKey(
        RodBericht, on_delete=models.CASCADE, related_name="statussen", verbose_name=_("bericht")
    )
    status = models.CharField(_("status"), max_length=12, choices=BerichtStatus.choices)
    tijd = models.DateTimeField(_("tijd"))
    toelichting = models.TextField(_("toelichting"), blank=True)

    instelling_pad = "bericht__instelling"

    class Meta:
        verbose_name = _("statuswijziging van een ROD-bericht")
        verbose_name_plural = _("statuswijzigingen van ROD-berichten")
        ordering = ["bericht", "tijd", "id"]

    def __str__(self):
        return f"{self.bericht_id}: {self.status} ({self.tijd:%Y-%m-%d %H:%M})"
