"""What comes back from DUO in format v2: the feedback per enrolment and count date
(RodTerugkoppelingRegel, with DUO's signals as RodTerugkoppelingMelding) and the reconciliation
of DUO's snapshot with our data (RodAfstemming, with one RodVerschil per difference).

Imported at the end of registratie/models.py, so they belong to the registratie app. Every row
is the instelling's own: only its beheerders see it (the feedback names enrolments).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registratie.rod.modelbasis import EigenBeheer, VanDuo, door_veld
from samenwerking.models import Instelling

__all__ = [
    "MeldingErnst",
    "RodAfstemming",
    "RodTerugkoppelingMelding",
    "RodTerugkoppelingRegel",
    "RodVerschil",
    "TerugkoppelingStatus",
    "VerschilSoort",
]


class TerugkoppelingStatus(models.TextChoices):
    VOORLOPIG = "V", _("voorlopig")
    DEFINITIEF = "D", _("definitief")


class MeldingErnst(models.TextChoices):
    AFKEUR = "afkeur", _("afkeur")
    WAARSCHUWING = "waarschuwing", _("waarschuwing")


class RodTerugkoppelingRegel(VanDuo):
    """DUO's judgement of one enrolment on one count date (the latest one read)."""

    instelling = models.ForeignKey(
        Instelling,
        on_delete=models.PROTECT,
        related_name="rod_terugkoppeling_regels",
        verbose_name=_("instelling"),
    )
    sleutel = models.CharField(_("inschrijvingsvolgnummer"), max_length=20)
    inschrijving = models.ForeignKey(
        "registratie.Inschrijving",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rod_terugkoppeling_regels",
        verbose_name=_("inschrijving"),
    )
    bericht = models.ForeignKey(
        "registratie.RodBericht",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="terugkoppeling_regels",
        verbose_name=_("beoordeeld bericht"),
    )
    teldatum = models.DateField(_("teldatum"))
    status = models.CharField(_("status"), max_length=1, choices=TerugkoppelingStatus.choices)
    indicatie_bekostigbaar = models.BooleanField(_("indicatie bekostigbaar (school)"), null=True)
    bekostigd = models.BooleanField(_("bekostigingsstatus (DUO)"), null=True)
    leerroute = models.CharField(_("leerroute"), max_length=20, blank=True)
    leerroutefase = models.CharField(_("leerroutefase"), max_length=3, blank=True)
    ingelezen_op = models.DateTimeField(_("ingelezen op"), auto_now=True)

    class Meta:
        verbose_name = _("ROD-terugkoppeling per inschrijving en teldatum")
        verbose_name_plural = _("ROD-terugkoppeling per inschrijving en teldatum")
        ordering = ["instelling", "-teldatum", "sleutel"]
        constraints = [
            models.UniqueConstraint(
                fields=["instelling", "sleutel", "teldatum"], name="rodterugkoppelingregel_een_per_teldatum"
            ),
        ]

    def __str__(self):
        return f"{self.sleutel} op {self.teldatum:%d-%m-%Y}: {self.get_status_display()}"

    @property
    def bekostiging_wijkt_af(self) -> bool:
        return self.bekostigd is not None and self.bekostigd != self.indicatie_bekostigbaar


class RodTerugkoppelingMelding(EigenBeheer):
    """One of DUO's signals on a feedback line. A rejection has an open Signaal for the
    instelling's beheerders; a warning may be accepted with a remark."""

    regel = models.ForeignKey(
        RodTerugkoppelingRegel, on_delete=models.CASCADE, related_name="meldingen", verbose_name=_("regel")
    )
    code = models.CharField(_("code"), max_length=3)
    ernst = models.CharField(_("ernst"), max_length=12, choices=MeldingErnst.choices)
    tekst = models.TextField(_("tekst"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    signaal = models.ForeignKey(
        "registratie.Signaal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signaal"),
    )
    geaccepteerd_op = models.DateTimeField(_("geaccepteerd op"), null=True, blank=True)
    geaccepteerd_door = door_veld(_("geaccepteerd door"))
    opmerking = models.TextField(_("opmerking"), blank=True)

    instelling_pad = "regel__instelling"

    class Meta:
        verbose_name = _("melding in de ROD-terugkoppeling")
        verbose_name_plural = _("meldingen in de ROD-terugkoppeling")
        ordering = ["regel", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(geaccepteerd_op__isnull=True) | (Q(ernst="waarschuwing") & ~Q(opmerking="")),
                name="rodmelding_alleen_waarschuwing_met_opmerking_accepteren",
                violation_error_message=_(
                    "Alleen een waarschuwing kan worden geaccepteerd, met een opmerking."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.get_ernst_display()}): {self.tekst[:80]}"


class VerschilSoort(models.TextChoices):
    ONTBREEKT_BIJ_DUO = "ontbreekt_bij_duo", _("ontbreekt bij DUO")
    ONTBREEKT_BIJ_ONS = "ontbreekt_bij_ons", _("ontbreekt in Leerroute")
    VELD = "veld", _("veld verschilt")


class RodAfstemming(VanDuo):
    """One comparison of DUO's snapshot with our data."""

    instelling = models.ForeignKey(
        Instelling, on_delete=models.PROTECT, related_name="rod_afstemmingen", verbose_name=_("instelling")
    )
    momentopname_van = models.DateTimeField(_("stand van DUO op"))
    sha256 = models.CharField(_("sha256 van de momentopname"), max_length=64)
    aantal_duo = models.PositiveIntegerField(_("inschrijvingen bij DUO"), default=0)
    aantal_ons = models.PositiveIntegerField(_("inschrijvingen in Leerroute"), default=0)
    aantal_verschillen = models.PositiveIntegerField(_("verschillen"), default=0)
    aangemaakt_op = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    aangemaakt_door = door_veld(_("aangemaakt door"))

    class Meta:
        verbose_name = _("ROD-afstemming")
        verbose_name_plural = _("ROD-afstemmingen")
        ordering = ["-aangemaakt_op", "-id"]

    def __str__(self):
        return (
            f"Afstemming {self.instelling.brin} ({self.momentopname_van:%d-%m-%Y}): {self.aantal_verschillen}"
        )


class RodVerschil(EigenBeheer):
    """One difference between DUO's snapshot and our data. Values are shown as stored: a
    personal number is stored masked."""

    afstemming = models.ForeignKey(
        RodAfstemming, on_delete=models.CASCADE, related_name="verschillen", verbose_name=_("afstemming")
    )
    sleutel = models.CharField(_("inschrijvingsvolgnummer"), max_length=20)
    inschrijving = models.ForeignKey(
        "registratie.Inschrijving",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inschrijving"),
    )
    soort = models.CharField(_("soort"), max_length=20, choices=VerschilSoort.choices)
    veld = models.CharField(_("veld"), max_length=60, blank=True)
    ons = models.CharField(_("in Leerroute"), max_length=200, blank=True)
    duo = models.CharField(_("bij DUO"), max_length=200, blank=True)
    duo_record = models.TextField(
        _("record bij DUO (versleuteld)"),
        blank=True,
        help_text=_(
            "Alleen bij 'ontbreekt in Leerroute': DUO's record, waaruit het verwijderbericht "
            "komt (bevat het BSN)."
        ),
    )
    opnieuw_in_wachtrij_op = models.DateTimeField(_("opnieuw in de wachtrij op"), null=True, blank=True)

    instelling_pad = "afstemming__instelling"

    class Meta:
        verbose_name = _("verschil met DUO")
        verbose_name_plural = _("verschillen met DUO")
        ordering = ["afstemming", "sleutel", "veld", "id"]

    def __str__(self):
        return f"{self.sleutel}: {self.get_soort_display()} {self.veld}".strip()
