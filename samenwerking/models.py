"""Boards, instellingen, agreements, users and their memberships, and the audit trail."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from samenwerking import scope
from samenwerking.identifiers import validate_brin, validate_vestigingscode


class GebruikerManager(UserManager.from_queryset(scope.ScopedQuerySet)):
    pass


class Gebruiker(AbstractUser):
    """A person who logs in. What they may see follows from their Lidmaatschappen."""

    objects = GebruikerManager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """Beheerders see the users with a role at their instelling or for its agreements. They
        change (name, password, active) only a user whose every role lies within their own reach,
        so nobody takes over an account that reaches further than their own."""
        eigen = Lidmaatschap.scope_q(s, action)
        zichtbaar = Q(id__in=Lidmaatschap.objects.filter(eigen).values("gebruiker"))
        if action == scope.VIEW:
            return zichtbaar
        verder = Lidmaatschap.objects.exclude(eigen).values("gebruiker")
        return zichtbaar & ~Q(id__in=verder) & Q(is_superuser=False)

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")


class Bestuur(models.Model):
    """A bevoegd gezag: the board legally responsible for one or more instellingen."""

    naam = models.CharField(_("naam"), max_length=200)
    bevoegd_gezag_nummer = models.CharField(
        _("bevoegd-gezagnummer"),
        max_length=5,
        blank=True,
        help_text=_("Het nummer van DUO, vijf cijfers (optioneel)."),
    )

    objects = scope.ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bestuur (bevoegd gezag)")
        verbose_name_plural = _("besturen (bevoegd gezag)")
        ordering = ["naam"]
        constraints = [
            models.CheckConstraint(
                condition=Q(bevoegd_gezag_nummer="") | Q(bevoegd_gezag_nummer__regex=r"^[0-9]{5}$"),
                name="bestuur_bg_nummer_vijf_cijfers",
                violation_error_message=_("Het bevoegd-gezagnummer bestaat uit vijf cijfers."),
            ),
        ]

    def __str__(self):
        return self.naam

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        if action == scope.VIEW:
            return Q()  # public registry data (DUO), needed to choose a partner school
        return Q(id__in=Instelling.objects.filter(id__in=s.beheer).values("bestuur"))


class InstellingSoort(models.TextChoices):
    VO = "vo", _("vo-school (vmbo)")
    MBO = "mbo", _("mbo-instelling")
    AOC = "aoc", _("AOC (vmbo en mbo)")
    VSG = "vsg", _("verticale scholengemeenschap (vmbo en mbo)")


class Instelling(models.Model):
    bestuur = models.ForeignKey(
        Bestuur, on_delete=models.PROTECT, related_name="instellingen", verbose_name=_("bestuur")
    )
    naam = models.CharField(_("naam"), max_length=200)
    brin = models.CharField(
        _("BRIN"),
        max_length=4,
        unique=True,
        validators=[validate_brin],
        help_text=_("Twee cijfers en twee hoofdletters, bijvoorbeeld 25LG."),
        error_messages={"unique": _("Er is al een instelling met deze BRIN-code.")},
    )
    soort = models.CharField(_("soort"), max_length=3, choices=InstellingSoort.choices)
    plaats = models.CharField(_("plaats"), max_length=100, blank=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """Instellingen are public (DUO's registers): every role sees them, to choose a partner.
        Only their own beheerders change them."""
        return Q() if action == scope.VIEW else Q(id__in=s.beheer)

    class Meta:
        verbose_name = _("instelling")
        verbose_name_plural = _("instellingen")
        ordering = ["naam"]

    def __str__(self):
        return f"{self.naam} ({self.brin})"

    def audit_instellingen(self):
        return self.id, None

    @property
    def biedt_vo(self) -> bool:
        return self.soort in {InstellingSoort.VO, InstellingSoort.AOC, InstellingSoort.VSG}

    @property
    def biedt_mbo(self) -> bool:
        return self.soort in {InstellingSoort.MBO, InstellingSoort.AOC, InstellingSoort.VSG}

    @property
    def biedt_beide(self) -> bool:
        return self.soort in {InstellingSoort.AOC, InstellingSoort.VSG}

    def clean(self):
        if self.brin:
            self.brin = self.brin.strip().upper()


class Vestiging(models.Model):
    instelling = models.ForeignKey(
        Instelling, on_delete=models.PROTECT, related_name="vestigingen", verbose_name=_("instelling")
    )
    code = models.CharField(
        _("vestigingscode"),
        max_length=6,
        unique=True,
        validators=[validate_vestigingscode],
        help_text=_("BRIN van de instelling plus twee cijfers, bijvoorbeeld 25LG01."),
        error_messages={"unique": _("Er is al een vestiging met deze code.")},
    )
    naam = models.CharField(_("naam"), max_length=200)
    plaats = models.CharField(_("plaats"), max_length=100, blank=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return Q() if action == scope.VIEW else Q(instelling__in=s.beheer)

    class Meta:
        verbose_name = _("vestiging")
        verbose_name_plural = _("vestigingen")
        ordering = ["code"]

    def __str__(self):
        return f"{self.naam} ({self.code})"

    def audit_instellingen(self):
        return self.instelling_id, None

    def clean(self):
        if self.code:
            self.code = self.code.strip().upper()
        if self.code and self.instelling_id and not self.code.startswith(self.instelling.brin):
            raise ValidationError(
                {
                    "code": _("De vestigingscode begint met de BRIN-code van de instelling (%(brin)s).")
                    % {"brin": self.instelling.brin}
                }
            )


class OvereenkomstSoort(models.TextChoices):
    SOK = "sok", _("samenwerkingsovereenkomst")
    INTERNE_REGELING = "intern", _("interne regeling (AOC/VSG)")


class OvereenkomstOnderwerp(models.TextChoices):
    LEERROUTE = "leerroute", _("leerroute")
    LEERWERKTRAJECT = "leerwerktraject", _("leerwerktraject")


class OvereenkomstStatus(models.TextChoices):
    CONCEPT = "concept", _("concept")
    ACTIEF = "actief", _("actief")
    BEEINDIGD = "beeindigd", _("beëindigd")


# R-SOK-2: the elements an agreement must record before it can become active, with their labels
# for the message. financiele_afspraken is strongly advised but not required.
VERPLICHTE_ONDERDELEN = (
    "inhoud_leerroute",
    "dagelijkse_leiding",
    "betrokkenheid_bedrijfsleven",
    "overstapoptie",
    "medezeggenschap",
    "advies_medezeggenschap",
)


class Samenwerkingsovereenkomst(models.Model):
    """The agreement between the vo- and mbo-side (R-SOK-1), or an AOC/VSG's interne regeling."""

    naam = models.CharField(_("naam"), max_length=200)
    soort = models.CharField(
        _("soort"), max_length=6, choices=OvereenkomstSoort.choices, default=OvereenkomstSoort.SOK
    )
    onderwerp = models.CharField(
        _("onderwerp"),
        max_length=16,
        choices=OvereenkomstOnderwerp.choices,
        default=OvereenkomstOnderwerp.LEERROUTE,
        help_text=_("R-SOK-3: een leerwerktraject heeft een eigen overeenkomst naast die voor de route."),
    )
    vo_instelling = models.ForeignKey(
        Instelling,
        on_delete=models.PROTECT,
        related_name="overeenkomsten_als_vo",
        verbose_name=_("vo-school"),
    )
    mbo_instelling = models.ForeignKey(
        Instelling,
        on_delete=models.PROTECT,
        related_name="overeenkomsten_als_mbo",
        verbose_name=_("mbo-instelling"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OvereenkomstStatus.choices,
        default=OvereenkomstStatus.CONCEPT,
    )
    ingangsdatum = models.DateField(_("ingangsdatum"))
    einddatum = models.DateField(_("einddatum"), null=True, blank=True)

    inhoud_leerroute = models.TextField(_("inhoud van de leerroute"), blank=True)
    dagelijkse_leiding = models.TextField(_("organisatie van de dagelijkse leiding"), blank=True)
    betrokkenheid_bedrijfsleven = models.TextField(_("betrokkenheid bedrijfsleven"), blank=True)
    overstapoptie = models.TextField(
        _("overstapoptie"),
        blank=True,
        help_text=_("Hoe leerlingen die stoppen of overstappen toch een startkwalificatie halen."),
    )
    medezeggenschap = models.TextField(_("regeling medezeggenschap"), blank=True)
    advies_medezeggenschap = models.TextField(
        _("advies medezeggenschapsorganen"),
        blank=True,
        help_text=_("Het advies van de medezeggenschapsorganen over de voorgenomen samenwerking."),
    )
    financiele_afspraken = models.TextField(
        _("financiële afspraken"), blank=True, help_text=_("Sterk aangeraden (R-SOK-2).")
    )
    dekt_volledige_route = models.BooleanField(
        _("dekt de hele route"),
        default=False,
        help_text=_(
            "R-SOK-4: de samenwerking loopt van vmbo-leerjaar 3 tot en met het mbo-diploma, "
            "niveau 4 inbegrepen."
        ),
    )

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return s.overeenkomst_q(action)

    class Meta:
        verbose_name = _("samenwerkingsovereenkomst")
        verbose_name_plural = _("samenwerkingsovereenkomsten")
        ordering = ["naam"]
        constraints = [
            models.CheckConstraint(
                condition=Q(einddatum__isnull=True) | Q(einddatum__gte=models.F("ingangsdatum")),
                name="overeenkomst_einde_na_ingang",
                violation_error_message=_("De einddatum ligt niet vóór de ingangsdatum."),
            ),
        ]

    def __str__(self):
        return self.naam

    def audit_instellingen(self):
        return self.vo_instelling_id, self.mbo_instelling_id

    def is_actief_op(self, datum: datetime.date) -> bool:
        """R-LR-8: whether this agreement covers a route on that date."""
        return (
            self.status == OvereenkomstStatus.ACTIEF
            and self.ingangsdatum <= datum
            and (self.einddatum is None or datum <= self.einddatum)
        )

    def ontbrekende_onderdelen(self) -> list[str]:
        """R-SOK-2: the labels of the required elements that are still empty."""
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in VERPLICHTE_ONDERDELEN
            if not getattr(self, name).strip()
        ]

    def clean(self):
        from samenwerking import rules

        rules.check_overeenkomst(self)


class Rol(models.TextChoices):
    BEHEERDER = "beheerder", _("beheerder van een instelling")
    COORDINATOR = "coordinator", _("coördinator van een overeenkomst")
    LEZER = "lezer", _("alleen lezen (management, inspectie)")
    APPLICATIEBEHEERDER = "applicatiebeheerder", _("applicatiebeheerder")


class Lidmaatschap(models.Model):
    """A user's role at one instelling, for one agreement, or (applicatiebeheerder) for all."""

    gebruiker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lidmaatschappen",
        verbose_name=_("gebruiker"),
    )
    rol = models.CharField(_("rol"), max_length=20, choices=Rol.choices)
    instelling = models.ForeignKey(
        Instelling,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lidmaatschappen",
        verbose_name=_("instelling"),
    )
    overeenkomst = models.ForeignKey(
        Samenwerkingsovereenkomst,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coordinatoren",
        verbose_name=_("overeenkomst"),
    )

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """Beheerders manage the memberships of their own instelling, and the coordinators of the
        agreements it is a party to."""
        # A join on the (single) agreement, not an OR-ed IN-subquery (samenwerking.scope).
        return Q(instelling__in=s.beheer) | s.overeenkomst_q(scope.CHANGE, "overeenkomst__")

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(rol__in=["beheerder", "lezer"], instelling__isnull=False, overeenkomst__isnull=True)
                    | Q(rol="coordinator", instelling__isnull=True, overeenkomst__isnull=False)
                    | Q(rol="applicatiebeheerder", instelling__isnull=True, overeenkomst__isnull=True)
                ),
                name="lidmaatschap_rol_past_bij_object",
                violation_error_message=_(
                    "Een beheerder of lezer hoort bij een instelling, een coördinator bij een "
                    "overeenkomst, een applicatiebeheerder bij geen van beide."
                ),
            ),
            models.UniqueConstraint(
                fields=["gebruiker", "rol", "instelling"],
                condition=Q(instelling__isnull=False),
                name="lidmaatschap_uniek_per_instelling",
                violation_error_message=_("Deze gebruiker heeft deze rol hier al."),
            ),
            models.UniqueConstraint(
                fields=["gebruiker", "overeenkomst"],
                condition=Q(overeenkomst__isnull=False),
                name="lidmaatschap_uniek_per_overeenkomst",
                violation_error_message=_("Deze gebruiker coördineert deze overeenkomst al."),
            ),
        ]

    def audit_instellingen(self):
        return self.instelling_id, None

    def __str__(self):
        target = self.instelling or self.overeenkomst or _("alle instellingen")
        return f"{self.gebruiker} – {self.get_rol_display()} – {target}"


class Kanaal(models.TextChoices):
    UI = "ui", _("scherm")
    ADMIN = "admin", _("beheeromgeving")
    API = "api", _("API")
    IMPORT = "import", _("import")
    JOB = "job", _("taak")


class AuditActie(models.TextChoices):
    AANGEMAAKT = "create", _("aangemaakt")
    GEWIJZIGD = "update", _("gewijzigd")
    VERWIJDERD = "delete", _("verwijderd")
    BSN_BEKEKEN = "view_bsn", _("BSN bekeken")


class AuditRegel(models.Model):
    """Who changed what, when, through which channel. Written by services, never edited."""

    tijdstip = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)
    gebruiker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gebruiker"),
    )
    kanaal = models.CharField(_("kanaal"), max_length=10, choices=Kanaal.choices)
    actie = models.CharField(_("actie"), max_length=10, choices=AuditActie.choices)
    model = models.CharField(_("model"), max_length=100)
    object_id = models.CharField(_("object-id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    oud = models.JSONField(_("oude waarden"), null=True, blank=True)
    nieuw = models.JSONField(_("nieuwe waarden"), null=True, blank=True)
    # The instellingen whose beheerders may read this row (an agreement has two).
    instelling = models.ForeignKey(
        Instelling,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instelling"),
    )
    partner_instelling = models.ForeignKey(
        Instelling,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partnerinstelling"),
    )
    # The name of the API key a write came through (channel API), so a beheerder sees which
    # school system changed what; blank for every other channel.
    api_sleutel = models.CharField(_("API-sleutel"), max_length=100, blank=True, default="")

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """Beheerders read their own instelling's trail; nobody changes it."""
        if action != scope.VIEW:
            return Q(pk__in=[])
        return Q(instelling__in=s.beheer) | Q(partner_instelling__in=s.beheer)

    class Meta:
        verbose_name = _("auditregel")
        verbose_name_plural = _("audittrail")
        ordering = ["-tijdstip", "-id"]
        indexes = [models.Index(fields=["model", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.tijdstip:%Y-%m-%d %H:%M} {self.get_actie_display()} {self.object_repr}"


class ApiScope(models.TextChoices):
    LEZEN = "lezen", _("lezen")
    LEZEN_SCHRIJVEN = "lezen-schrijven", _("lezen en schrijven")


class ApiSleutel(models.Model):
    """An API key of one instelling, made by one of its beheerders for a school system. Only a
    hash of the key is stored (the key is shown once, when made). A request with the key sees
    what a lezer (scope lezen) or a beheerder (lezen-schrijven) of that one instelling sees, as
    long as the beheerder who made it still is one; writes are audited under the key's name."""

    instelling = models.ForeignKey(
        Instelling, on_delete=models.CASCADE, related_name="api_sleutels", verbose_name=_("instelling")
    )
    naam = models.CharField(_("naam"), max_length=100, help_text=_("Bijvoorbeeld het leerlingvolgsysteem."))
    bevoegdheid = models.CharField(_("bevoegdheid"), max_length=16, choices=ApiScope.choices)
    prefix = models.CharField(_("begin van de sleutel"), max_length=8)
    sleutel_hash = models.CharField(max_length=64, unique=True)
    aangemaakt_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("aangemaakt door"),
    )
    aangemaakt_op = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    ingetrokken_op = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    laatst_gebruikt_op = models.DateTimeField(_("laatst gebruikt op"), null=True, blank=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """Only the instelling's own beheerders see and revoke its keys."""
        return Q(instelling__in=s.beheer)

    class Meta:
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")
        ordering = ["instelling", "naam", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["instelling", "naam"],
                condition=Q(ingetrokken_op__isnull=True),
                name="api_sleutel_naam_uniek_per_instelling",
                violation_error_message=_("Deze instelling heeft al een geldige API-sleutel met deze naam."),
            )
        ]

    def __str__(self):
        return f"{self.naam} ({self.instelling})"

    def audit_instellingen(self):
        return self.instelling_id, None
