"""The step plan of a route in preparation (seed 004), its documents, and the yearly evaluation
(R-MON-2) with its frozen monitoring figures."""

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leerroute.models import Leerroute
from samenwerking import scope


def route_q(s: scope.Scope, action: str, pad: str) -> Q:
    """Who reads or edits the step plan and the evaluations of a route; ``pad`` leads to the
    route's agreement. Viewing is as for the route itself; editing is for the beheerders of both
    schools and, unlike the route's own fields, also for the agreement's coordinator."""
    q = s.overeenkomst_q(action, pad)
    if action != scope.VIEW:
        q |= Q(**{f"{pad}id__in": s.overeenkomsten})
    return q


class StapCode(models.TextChoices):
    """The regional step plan for starting a route (seed 004), in its order."""

    DOEL_DOELGROEP = "doel_doelgroep", _("Bepaal doel en doelgroep")
    VISIE_DOELSTELLINGEN = "visie_doelstellingen", _("Formuleer visie en doelstellingen")
    PARTNERS = "partners", _("Betrek partners")
    PROJECTORGANISATIE = "projectorganisatie", _("Richt de projectorganisatie in")
    ONDERWIJSPROGRAMMA = "onderwijsprogramma", _("Ontwerp het onderwijsprogramma")
    EXAMENREGELING = "examenregeling", _("Ontwikkel een passende examenregeling")
    MONITOR_EVALUATIE = "monitor_evaluatie", _("Richt een monitor- en evaluatiecyclus in")
    FINANCIELE_AFSPRAKEN = "financiele_afspraken", _("Maak financiële afspraken")
    FORMALISEER_AFSPRAKEN = "formaliseer_afspraken", _("Formaliseer afspraken")
    UITVOERING_CONCREET = "uitvoering_concreet", _("Maak de uitvoering concreet")


STAP_UITLEG = {
    StapCode.DOEL_DOELGROEP: _(
        "Bepaal waarom u de samenwerking met het mbo wilt versterken en wat dit moet opleveren."
    ),
    StapCode.VISIE_DOELSTELLINGEN: _(
        "Formuleer met de mbo-partner een heldere visie op basis van gedeelde verwachtingen. De "
        "doelstellingen hier zijn de doelen van de jaarlijkse evaluatie."
    ),
    StapCode.PARTNERS: _(
        "Vind de mbo-instelling(en) waarmee u wilt samenwerken en maak de eerste afspraken."
    ),
    StapCode.PROJECTORGANISATIE: _(
        "Richt een samenwerkingsstructuur in waarin vmbo- en mbo-partners allebei vertegenwoordigd zijn."
    ),
    StapCode.ONDERWIJSPROGRAMMA: _(
        "Laat de curricula aansluiten in één programma per leerjaar, de gecombineerde PTA/OER (R-LR-7)."
    ),
    StapCode.EXAMENREGELING: _(
        "Een regeling die past bij het gezamenlijke programma en voldoet aan de examenverplichtingen: "
        "wie examineert welk onderdeel (R-LR-7)."
    ),
    StapCode.MONITOR_EVALUATIE: _(
        "Een cyclus om voortgang en resultaten te meten: instroom, doorstroom, uitval, overstap, "
        "diploma's (R-MON-2)."
    ),
    StapCode.FINANCIELE_AFSPRAKEN: _("Bespreek hoe de uitvoering van de route wordt bekostigd (R-SOK-2)."),
    StapCode.FORMALISEER_AFSPRAKEN: _(
        "Leg alle samenwerkingsafspraken officieel vast voordat de route start: gereed zodra de "
        "overeenkomst actief is (R-SOK-2, R-LR-8)."
    ),
    StapCode.UITVOERING_CONCREET: _(
        "Praktische afspraken zodat de route echt kan starten: melding in RIO (R-LR-6) en de eerste "
        "instroomdatum."
    ),
}


class StapStatus(models.TextChoices):
    OPEN = "open", _("nog te doen")
    BEZIG = "bezig", _("bezig")
    GEREED = "gereed", _("gereed")


class Stap(models.Model):
    """One step of a route's step plan: owner, status, due date and notes."""

    leerroute = models.ForeignKey(
        Leerroute, on_delete=models.CASCADE, related_name="stappen", verbose_name=_("leerroute")
    )
    code = models.CharField(_("stap"), max_length=24, choices=StapCode.choices)
    volgorde = models.PositiveSmallIntegerField(_("volgorde"))
    eigenaar = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eigenaar"),
        help_text=_("Een medewerker van de vo-school of de mbo-instelling, of de coördinator."),
    )
    status = models.CharField(_("status"), max_length=8, choices=StapStatus.choices, default=StapStatus.OPEN)
    streefdatum = models.DateField(_("streefdatum"), null=True, blank=True)
    notities = models.TextField(_("notities"), blank=True)
    gewijzigd_op = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return route_q(s, action, "leerroute__overeenkomst__")

    class Meta:
        verbose_name = _("stap van het stappenplan")
        verbose_name_plural = _("stappen van het stappenplan")
        ordering = ["leerroute", "volgorde"]
        constraints = [
            models.UniqueConstraint(
                fields=["leerroute", "code"],
                name="stap_een_per_route",
                violation_error_message=_("Deze stap staat al in het stappenplan van de route."),
            ),
        ]

    def __str__(self):
        return f"{self.leerroute.naam}: {self.get_code_display()}"

    @property
    def uitleg(self) -> str:
        return STAP_UITLEG.get(self.code, "")

    def audit_instellingen(self):
        return self.leerroute.audit_instellingen()

    def clean(self):
        from kwaliteit import rules

        rules.check_stap(self)


def _document_pad(instance, filename: str) -> str:
    return f"stappenplan/{instance.stap.leerroute_id}/{instance.stap.code}/{filename}"


TOEGESTANE_EXTENSIES = [
    "pdf",
    "docx",
    "doc",
    "odt",
    "xlsx",
    "xls",
    "ods",
    "pptx",
    "txt",
    "png",
    "jpg",
    "jpeg",
]


class StapDocument(models.Model):
    """A document attached to a step, stored through Django's storage, with who added it."""

    stap = models.ForeignKey(
        Stap, on_delete=models.CASCADE, related_name="documenten", verbose_name=_("stap")
    )
    bestand = models.FileField(
        _("bestand"),
        upload_to=_document_pad,
        max_length=255,
        validators=[FileExtensionValidator(TOEGESTANE_EXTENSIES)],
    )
    naam = models.CharField(_("naam"), max_length=200)
    toegevoegd_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("toegevoegd door"),
    )
    toegevoegd_op = models.DateTimeField(_("toegevoegd op"), auto_now_add=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return route_q(s, action, "stap__leerroute__overeenkomst__")

    class Meta:
        verbose_name = _("document bij een stap")
        verbose_name_plural = _("documenten bij stappen")
        ordering = ["stap", "toegevoegd_op", "id"]

    def __str__(self):
        return self.naam

    def audit_instellingen(self):
        return self.stap.audit_instellingen()


class Evaluatie(models.Model):
    """R-MON-2: the yearly evaluation of a route, with the school year's monitoring figures frozen
    as they were on ``peildatum`` (per cohort, from registratie.selectors.monitoring)."""

    leerroute = models.ForeignKey(
        Leerroute, on_delete=models.CASCADE, related_name="evaluaties", verbose_name=_("leerroute")
    )
    schooljaar = models.PositiveSmallIntegerField(
        _("schooljaar"), help_text=_("Het eerste kalenderjaar: 2025 is schooljaar 2025-2026.")
    )
    peildatum = models.DateField(_("peildatum van de cijfers"))
    cijfers = models.JSONField(_("monitoringcijfers (bevroren)"), default=list, blank=True)
    doelen = models.TextField(_("doelen"), blank=True)
    behaald = models.TextField(_("wat is bereikt"), blank=True)
    besluiten = models.TextField(_("besluiten"), blank=True)
    deelnemers = models.TextField(
        _("deelnemers"), blank=True, help_text=_("Wie namen deel (rollen of namen).")
    )
    vastgesteld_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    vastgesteld_op = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return route_q(s, action, "leerroute__overeenkomst__")

    class Meta:
        verbose_name = _("jaarlijkse evaluatie")
        verbose_name_plural = _("jaarlijkse evaluaties")
        ordering = ["leerroute", "schooljaar"]
        constraints = [
            models.UniqueConstraint(
                fields=["leerroute", "schooljaar"],
                name="evaluatie_een_per_schooljaar",
                violation_error_message=_(
                    "R-MON-2: de route heeft één evaluatie per schooljaar; dit schooljaar is al geëvalueerd."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.leerroute.naam}: evaluatie {self.schooljaar}-{self.schooljaar + 1}"

    @property
    def schooljaar_label(self) -> str:
        return f"{self.schooljaar}-{self.schooljaar + 1}"

    def audit_instellingen(self):
        return self.leerroute.audit_instellingen()
