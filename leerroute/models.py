"""Routes (DLR/GLR), their programme per leerjaar, mbo qualifications and RIO status."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samenwerking import scope
from samenwerking.identifiers import validate_crebo
from samenwerking.models import Samenwerkingsovereenkomst, Vestiging


class Opleidingskenmerk(models.TextChoices):
    DLR = "DLR", _("doorlopende leerroute (DLR)")
    GLR = "GLR", _("geïntegreerde leerroute (GLR)")


class Leerweg(models.TextChoices):
    BB = "BB", _("basisberoepsgericht (BB)")
    KB = "KB", _("kaderberoepsgericht (KB)")
    GL = "GL", _("gemengd (GL)")
    TL = "TL", _("theoretisch (TL)")


class Kwalificatie(models.Model):
    """An mbo qualification (reference data): crebo, name and niveau."""

    crebo = models.CharField(
        _("crebo"),
        max_length=5,
        unique=True,
        validators=[validate_crebo],
        error_messages={"unique": _("Er is al een kwalificatie met deze crebo-code.")},
    )
    naam = models.CharField(_("naam"), max_length=200)
    niveau = models.PositiveSmallIntegerField(
        _("niveau"), choices=[(1, _("1 (entree)")), (2, "2"), (3, "3"), (4, "4")]
    )
    domein = models.CharField(_("domein"), max_length=200, blank=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """Reference data: everyone with a role reads it; only applicatiebeheer changes it."""
        return Q() if action == scope.VIEW else Q(pk__in=[])

    class Meta:
        verbose_name = _("mbo-kwalificatie")
        verbose_name_plural = _("mbo-kwalificaties")
        ordering = ["crebo"]
        constraints = [
            models.CheckConstraint(
                condition=Q(niveau__gte=1, niveau__lte=4),
                name="kwalificatie_niveau_1_tot_4",
                violation_error_message=_("Het mbo-niveau is 1 tot en met 4."),
            ),
        ]

    def __str__(self):
        return f"{self.crebo} {self.naam} (niveau {self.niveau})"


class RioStatus(models.TextChoices):
    NIET_GEMELD = "niet_gemeld", _("nog niet gemeld")
    AANGEMELD = "aangemeld", _("aangemeld bij DUO")
    GEREGISTREERD = "geregistreerd", _("geregistreerd in RIO")
    AFGEMELD = "afgemeld", _("afgemeld")


class RouteStatus(models.TextChoices):
    """A route is first prepared along the step plan (kwaliteit.Stap), then takes students."""

    IN_VOORBEREIDING = "in_voorbereiding", _("in voorbereiding")
    ACTIEF = "actief", _("actief")


class Leerroute(models.Model):
    """A DLR or GLR between the two parties of one agreement (R-LR-1)."""

    naam = models.CharField(_("naam"), max_length=200)
    soort = models.CharField(_("soort"), max_length=3, choices=Opleidingskenmerk.choices)
    overeenkomst = models.ForeignKey(
        Samenwerkingsovereenkomst,
        on_delete=models.PROTECT,
        related_name="leerroutes",
        verbose_name=_("overeenkomst"),
    )
    leerweg = models.CharField(_("leerweg (vmbo)"), max_length=2, choices=Leerweg.choices)
    kwalificatie = models.ForeignKey(
        Kwalificatie,
        on_delete=models.PROTECT,
        related_name="leerroutes",
        verbose_name=_("mbo-kwalificatie"),
    )
    vo_vestiging = models.ForeignKey(
        Vestiging,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vestiging vo-school"),
    )
    mbo_vestiging = models.ForeignKey(
        Vestiging,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vestiging mbo-instelling"),
    )
    startdatum = models.DateField(_("eerste startdatum"))
    omvat_leerwerktraject = models.BooleanField(_("met leerwerktraject"), default=False)
    leerwerktraject_overeenkomst = models.ForeignKey(
        Samenwerkingsovereenkomst,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leerwerktrajecten",
        verbose_name=_("overeenkomst leerwerktraject"),
        help_text=_("R-SOK-3: een leerwerktraject heeft een eigen overeenkomst met het mbo."),
    )
    rio_status = models.CharField(
        _("RIO-status"), max_length=16, choices=RioStatus.choices, default=RioStatus.NIET_GEMELD
    )
    rio_gemeld_op = models.DateField(_("gemeld in RIO op"), null=True, blank=True)
    rio_kenmerk = models.CharField(_("RIO-kenmerk"), max_length=50, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RouteStatus.choices,
        default=RouteStatus.ACTIEF,
        help_text=_("R-LR-8: een route in voorbereiding neemt nog geen leerlingen aan."),
    )

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return s.overeenkomst_q(action, "overeenkomst__")

    class Meta:
        verbose_name = _("leerroute")
        verbose_name_plural = _("leerroutes")
        ordering = ["naam"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rio_status__in=["niet_gemeld"]) | Q(rio_gemeld_op__isnull=False),
                name="leerroute_rio_melddatum",
                violation_error_message=_(
                    "R-LR-6: een route die bij DUO is gemeld heeft een melddatum in RIO."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.naam} ({self.soort})"

    @property
    def vo_instelling(self):
        return self.overeenkomst.vo_instelling

    @property
    def mbo_instelling(self):
        return self.overeenkomst.mbo_instelling

    def audit_instellingen(self):
        o = self.overeenkomst
        return o.vo_instelling_id, o.mbo_instelling_id

    def clean(self):
        from leerroute import rules

        rules.check_leerroute(self)


class Examinering(models.TextChoices):
    VO = "vo", _("vo-school")
    MBO = "mbo", _("mbo-instelling")


class LeerjaarProgramma(models.Model):
    """R-LR-7: one description of programme and examination (combined PTA/OER) per leerjaar."""

    leerroute = models.ForeignKey(
        Leerroute, on_delete=models.CASCADE, related_name="programma", verbose_name=_("leerroute")
    )
    routejaar = models.PositiveSmallIntegerField(
        _("leerjaar van de route"), help_text=_("1 = vmbo-leerjaar 3.")
    )
    beschrijving = models.TextField(_("beschrijving programma en examinering (PTA/OER)"))

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return s.overeenkomst_q(action, "leerroute__overeenkomst__")

    class Meta:
        verbose_name = _("programma per leerjaar (PTA/OER)")
        verbose_name_plural = _("programma per leerjaar (PTA/OER)")
        ordering = ["leerroute", "routejaar"]
        constraints = [
            models.UniqueConstraint(
                fields=["leerroute", "routejaar"],
                name="programma_een_per_leerjaar",
                violation_error_message=_(
                    "R-LR-7: de route heeft één programmabeschrijving per leerjaar; dit leerjaar "
                    "is al beschreven."
                ),
            ),
            models.CheckConstraint(
                condition=Q(routejaar__gte=1, routejaar__lte=6),
                name="programma_routejaar_1_tot_6",
                violation_error_message=_("Het leerjaar van de route is 1 tot en met 6."),
            ),
        ]

    def __str__(self):
        return f"{self.leerroute} – leerjaar {self.routejaar}"

    def audit_instellingen(self):
        return self.leerroute.audit_instellingen()


class Programmaonderdeel(models.Model):
    """R-LR-7: a part of the programme, who examines it, and whether a mixed team teaches it."""

    programma = models.ForeignKey(
        LeerjaarProgramma,
        on_delete=models.CASCADE,
        related_name="onderdelen",
        verbose_name=_("programma"),
    )
    naam = models.CharField(_("onderdeel"), max_length=200)
    examinering_door = models.CharField(_("geëxamineerd door"), max_length=3, choices=Examinering.choices)
    teambevoegdheid = models.BooleanField(
        _("gemengd team (teambevoegdheid)"),
        default=False,
        help_text=_("Verzorgd door een team met docenten van beide instellingen."),
    )

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return s.overeenkomst_q(action, "programma__leerroute__overeenkomst__")

    class Meta:
        verbose_name = _("programmaonderdeel")
        verbose_name_plural = _("programmaonderdelen")

    def __str__(self):
        return self.naam

    def audit_instellingen(self):
        return self.programma.audit_instellingen()
