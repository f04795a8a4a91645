"""Students, their vo- and mbo-inschrijvingen, fase changes, uitstroom and signals."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from leerroute.models import Kwalificatie, Leerroute, Leerweg, Opleidingskenmerk
from registratie import fase
from samenwerking import scope
from samenwerking.identifiers import mask, validate_bsn, validate_onderwijsnummer
from samenwerking.models import Instelling, Vestiging
from samenwerking.versleuteling import VersleuteldNummerField, ZoekhashField, zoekhash


class LeerlingQuerySet(scope.ScopedQuerySet):
    def met_nummer(self, nummer: str):
        """The student with this BSN or onderwijsnummer (exact match through the keyed hash)."""
        h = zoekhash((nummer or "").strip())
        return self.filter(Q(bsn_hash=h) | Q(onderwijsnummer_hash=h)) if h else self.none()


class Leerling(models.Model):
    """A student, identified by exactly one persoonsgebonden nummer: BSN or onderwijsnummer."""

    instelling = models.ForeignKey(
        Instelling,
        on_delete=models.PROTECT,
        related_name="leerlingen",
        verbose_name=_("geregistreerd door"),
        help_text=_("De instelling die de leerling heeft ingevoerd."),
    )
    # Both numbers are stored encrypted (samenwerking.versleuteling); the *_hash columns find a
    # student by exact number and keep the numbers unique. NULL, not "": no number, no hash.
    bsn = VersleuteldNummerField(
        _("BSN"),
        null=True,
        blank=True,
        validators=[validate_bsn],
    )
    bsn_hash = ZoekhashField(bron="bsn")
    onderwijsnummer = VersleuteldNummerField(
        _("onderwijsnummer"),
        null=True,
        blank=True,
        validators=[validate_onderwijsnummer],
        help_text=_("Alleen voor een leerling zonder BSN."),
    )
    onderwijsnummer_hash = ZoekhashField(bron="onderwijsnummer")
    voornamen = models.CharField(_("voornamen"), max_length=200, blank=True)
    voorletters = models.CharField(_("voorletters"), max_length=20, blank=True)
    roepnaam = models.CharField(_("roepnaam"), max_length=100, blank=True)
    tussenvoegsel = models.CharField(_("tussenvoegsel"), max_length=20, blank=True)
    achternaam = models.CharField(_("achternaam"), max_length=200)
    geboortedatum = models.DateField(_("geboortedatum"))
    aangemaakt_op = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    geanonimiseerd_op = models.DateTimeField(
        _("geanonimiseerd op"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Na de bewaartermijn zijn naam, nummer en geboortedag verwijderd; de tellingen blijven."),
    )

    objects = LeerlingQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """Own students, and the students of routes this user's instelling takes part in.

        ``instelling IN (...) OR EXISTS (enrolment in scope)``: PostgreSQL probes the student's
        enrolments by index per row, so a list walks its ordering index and stops at the page;
        never ``OR id IN (subquery)``, which it re-reads per row once it outgrows work_mem."""
        in_scope = Inschrijving.objects.filter(Inschrijving.scope_q(s, action), leerling=OuterRef("pk"))
        return Q(instelling__in=s.instellingen_voor(action)) | Q(Exists(in_scope))

    class Meta:
        verbose_name = _("leerling")
        verbose_name_plural = _("leerlingen")
        ordering = ["achternaam", "voornamen", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(bsn__isnull=False) & Q(onderwijsnummer__isnull=True))
                | (Q(bsn__isnull=True) & Q(onderwijsnummer__isnull=False))
                | (
                    Q(bsn__isnull=True) & Q(onderwijsnummer__isnull=True) & Q(geanonimiseerd_op__isnull=False)
                ),
                name="leerling_precies_een_nummer",
                violation_error_message=_(
                    "Een leerling heeft precies één persoonsgebonden nummer: een BSN, of een "
                    "onderwijsnummer als er geen BSN is."
                ),
            ),
            models.UniqueConstraint(
                fields=["bsn_hash"],
                condition=Q(bsn_hash__isnull=False),
                name="leerling_bsn_uniek",
                violation_error_message=_("Er is al een leerling met dit BSN."),
            ),
            models.UniqueConstraint(
                fields=["onderwijsnummer_hash"],
                condition=Q(onderwijsnummer_hash__isnull=False),
                name="leerling_onderwijsnummer_uniek",
                violation_error_message=_("Er is al een leerling met dit onderwijsnummer."),
            ),
        ]
        # Serves the lists' ordering (Meta.ordering): a page walks this index and stops.
        indexes = [models.Index(fields=["achternaam", "voornamen", "id"], name="leerling_naam_idx")]

    def __str__(self):
        naam = " ".join(
            p for p in (self.roepnaam or self.voorletters, self.tussenvoegsel, self.achternaam) if p
        )
        return f"{naam} ({self.geboortedatum:%d-%m-%Y})" if self.geboortedatum else naam

    def audit_instellingen(self):
        return self.instelling_id, None

    @property
    def nummer(self) -> str | None:
        """The persoonsgebonden nummer of either kind, in full: show it only through
        registratie.views.leerling_nummer_tonen, which records who looked."""
        return self.bsn or self.onderwijsnummer

    @property
    def nummer_soort(self) -> str:
        return _("BSN") if self.bsn else _("onderwijsnummer")

    @property
    def nummer_gemaskeerd(self) -> str | None:
        """What lists and screens show by default: only the last three digits."""
        return mask(self.nummer)

    def clean(self):
        # Empty form fields arrive as "": store NULL so the uniqueness and 'exactly one'
        # constraints mean what they say.
        self.bsn = (self.bsn or "").strip() or None
        self.onderwijsnummer = (self.onderwijsnummer or "").strip() or None
        # The unique constraints are on the hashes: compute them before validate_constraints().
        self.bsn_hash, self.onderwijsnummer_hash = zoekhash(self.bsn), zoekhash(self.onderwijsnummer)


class Sector(models.TextChoices):
    VO = "vo", _("vo")
    MBO = "mbo", _("mbo")


class Fase(models.TextChoices):
    VO = "vo", _("vo-fase")
    MBO = "mbo", _("mbo-fase")


class Leervorm(models.TextChoices):
    BOL = "BOL", _("beroepsopleidende leerweg (BOL)")
    BBL = "BBL", _("beroepsbegeleidende leerweg (BBL)")


class RedenEinde(models.TextChoices):
    DIPLOMA = "diploma", _("diploma behaald")
    VO_AFGEROND = "vo_afgerond", _("alle vo-activiteiten afgerond")
    GLR_MBO_FASE = "glr_mbo_fase", _("GLR: vo-deel eindigt bij start mbo-fase")
    OVERSTAP = "overstap", _("gestopt of overgestapt (overstapoptie)")
    CORRECTIE = "correctie", _("correctie van een foute inschrijving")


class Inschrijving(models.Model):
    """One enrolment of a route student at the vo- or the mbo-side (R-INS-2, R-INS-3)."""

    leerling = models.ForeignKey(
        Leerling,
        on_delete=models.PROTECT,
        related_name="inschrijvingen",
        verbose_name=_("leerling"),
    )
    leerroute = models.ForeignKey(
        Leerroute,
        on_delete=models.PROTECT,
        related_name="inschrijvingen",
        verbose_name=_("leerroute"),
    )
    sector = models.CharField(_("kant"), max_length=3, choices=Sector.choices)
    instelling = models.ForeignKey(
        Instelling,
        on_delete=models.PROTECT,
        related_name="inschrijvingen",
        verbose_name=_("instelling"),
    )
    vestiging = models.ForeignKey(
        Vestiging,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inschrijvingen",
        verbose_name=_("vestiging"),
    )
    inschrijvingsvolgnummer = models.CharField(
        _("inschrijvingsvolgnummer"),
        max_length=20,
        help_text=_("Het eigen nummer van de instelling voor deze inschrijving (sleutel voor ROD)."),
    )
    opleidingskenmerk = models.CharField(
        _("opleidingskenmerk"), max_length=3, choices=Opleidingskenmerk.choices
    )
    fase = models.CharField(_("fase"), max_length=3, choices=Fase.choices)
    startdatum = models.DateField(_("startdatum"))
    geplande_einddatum = models.DateField(_("geplande einddatum"), null=True, blank=True)
    einddatum = models.DateField(_("einddatum"), null=True, blank=True)
    reden_einde = models.CharField(_("reden einde"), max_length=16, choices=RedenEinde.choices, blank=True)
    # vo side
    leerjaar = models.PositiveSmallIntegerField(
        _("vmbo-leerjaar bij start"),
        null=True,
        blank=True,
        help_text=_("vo: het vmbo-leerjaar op de startdatum; leerjaar 3 is routejaar 1."),
    )
    leerweg = models.CharField(_("leerweg"), max_length=2, choices=Leerweg.choices, blank=True)
    vmbo_diploma_datum = models.DateField(_("vmbo-diploma behaald op"), null=True, blank=True)
    vo_activiteiten_afgerond_op = models.DateField(
        _("vo-activiteiten afgerond op"),
        null=True,
        blank=True,
        help_text=_(
            "R-INS-5: de vo-inschrijving van een DLR-leerling zonder vmbo-diploma eindigt "
            "pas als alle vo-activiteiten zijn afgerond."
        ),
    )
    # mbo side
    kwalificatie = models.ForeignKey(
        Kwalificatie,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mbo-kwalificatie (crebo)"),
    )
    leervorm = models.CharField(_("leervorm"), max_length=3, choices=Leervorm.choices, blank=True)

    gewijzigd_op = models.DateTimeField(_("gewijzigd op"), auto_now=True, db_index=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        """Own enrolments; viewing also covers the partner's side of shared route students."""
        return Inschrijving.scope_via(s, action)

    @staticmethod
    def scope_via(s: scope.Scope, action: str, pad: str = "") -> Q:
        """The enrolment scope from a row that leads to the enrolment along ``pad``: the user's
        own instellingen, and (viewing) the routes in scope.

        The routes are a small key set (tens, never students) that PostgreSQL hashes once per
        query. Inside the student's EXISTS (Leerling.scope_q) this shape also keeps the EXISTS a
        per-row index probe: a list walks its ordering index and stops at the page, instead of
        first hashing every enrolment in scope."""
        own = Q(**{f"{pad}instelling__in": s.instellingen_voor(action)})
        if action != scope.VIEW:
            return own
        routes = Leerroute.objects.filter(Leerroute.scope_q(s, action)).order_by().values("pk")
        return own | Q(**{f"{pad}leerroute__in": routes})

    class Meta:
        verbose_name = _("inschrijving")
        verbose_name_plural = _("inschrijvingen")
        ordering = ["leerling", "sector", "startdatum"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sector="mbo") | (Q(leerjaar__isnull=False) & ~Q(leerweg="")),
                name="inschrijving_vo_heeft_leerjaar_en_leerweg",
                violation_error_message=_(
                    "R-INS-2: een vo-inschrijving legt het vmbo-leerjaar en de leerweg vast."
                ),
            ),
            models.CheckConstraint(
                condition=Q(sector="vo") | (Q(kwalificatie__isnull=False) & ~Q(leervorm="")),
                name="inschrijving_mbo_heeft_crebo_en_leervorm",
                violation_error_message=_(
                    "R-INS-3: een mbo-inschrijving legt de kwalificatie (crebo) en de leervorm vast."
                ),
            ),
            models.CheckConstraint(
                condition=Q(leerjaar__isnull=True) | Q(leerjaar__gte=3, leerjaar__lte=6),
                name="inschrijving_leerjaar_vanaf_3",
                violation_error_message=_(
                    "R-INS-1: een leerroute begint na 2 jaar vmbo; het vmbo-leerjaar is 3 of hoger."
                ),
            ),
            models.CheckConstraint(
                condition=Q(einddatum__isnull=True) | Q(einddatum__gte=F("startdatum")),
                name="inschrijving_einde_na_start",
                violation_error_message=_("De einddatum ligt niet vóór de startdatum."),
            ),
            models.CheckConstraint(
                condition=Q(einddatum__isnull=True) | ~Q(reden_einde=""),
                name="inschrijving_einde_met_reden",
                violation_error_message=_("Een beëindigde inschrijving heeft een reden van einde."),
            ),
            models.UniqueConstraint(
                fields=["leerling", "leerroute", "sector"],
                condition=Q(einddatum__isnull=True),
                name="inschrijving_een_lopende_per_kant",
                violation_error_message=_(
                    "Deze leerling heeft in deze leerroute al een lopende inschrijving aan deze kant."
                ),
            ),
            models.UniqueConstraint(
                fields=["instelling", "inschrijvingsvolgnummer"],
                name="inschrijving_volgnummer_uniek",
                violation_error_message=_(
                    "Dit inschrijvingsvolgnummer is bij deze instelling al in gebruik."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["instelling", "sector"], name="inschrijving_instelling_idx"),
            models.Index(fields=["leerroute", "einddatum"], name="inschrijving_route_idx"),
            # The fase check compares each enrolment with the same student's other side.
            models.Index(fields=["leerling", "leerroute", "sector"], name="inschrijving_leerling_kant_idx"),
            # The admin's list order (Meta.ordering, then the key).
            models.Index(fields=["leerling", "sector", "startdatum", "id"], name="inschrijving_lijst_idx"),
            # The mbo worklist (registratie.dubbel.werklijst_mbo) pages running vo-inschrijvingen
            # by cohort (routestartjaar): this index lets it stop at the page (285 ms → 3 ms at
            # 250,000 students) instead of sorting every candidate.
            models.Index(
                fase.routestartjaar_expr(),
                F("id"),
                name="inschrijving_werklijst_idx",
                condition=Q(sector="vo", einddatum__isnull=True),
            ),
            # Whether a student has an mbo enrolment in a route on a date (review.overgangen, for
            # every open proposal at once): index-only, joined by merge or hash.
            models.Index(
                fields=["leerling", "leerroute"],
                include=["einddatum", "reden_einde"],
                condition=Q(sector="mbo"),
                name="inschrijving_mbo_kant_idx",
            ),
            # The dual list sorted by the vo start date (registratie.tabellen) walks this index
            # and stops at the page, either direction.
            models.Index(
                fields=["startdatum", "id"], name="inschrijving_vo_start_idx", condition=Q(sector="vo")
            ),
        ]

    def __str__(self):
        return f"{self.get_sector_display()}-inschrijving {self.inschrijvingsvolgnummer}"

    def audit_instellingen(self):
        o = self.leerroute.overeenkomst
        partner = o.mbo_instelling_id if self.sector == Sector.VO else o.vo_instelling_id
        return self.instelling_id, partner

    def clean(self):
        from registratie import rules

        rules.check_inschrijving(self)


class Fasewissel(models.Model):
    """A recorded fase change of one inschrijving (R-INS-4: only on 1 August)."""

    inschrijving = models.ForeignKey(
        Inschrijving,
        on_delete=models.CASCADE,
        related_name="fasewissels",
        verbose_name=_("inschrijving"),
    )
    van_fase = models.CharField(_("van"), max_length=3, choices=Fase.choices)
    naar_fase = models.CharField(_("naar"), max_length=3, choices=Fase.choices)
    ingangsdatum = models.DateField(_("ingangsdatum"))
    geregistreerd_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geregistreerd door"),
    )
    geregistreerd_op = models.DateTimeField(_("geregistreerd op"), auto_now_add=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return Inschrijving.scope_via(s, action, "inschrijving__")

    class Meta:
        verbose_name = _("fasewissel")
        verbose_name_plural = _("fasewissels")
        ordering = ["-ingangsdatum", "-id"]
        # The lists (API, admin) walk this index and probe each row's scope by key: without it
        # PostgreSQL joins and sorts every fasewissel (197 ms → 3 ms at 250,000 students).
        indexes = [models.Index(F("ingangsdatum").desc(), F("id").desc(), name="fasewissel_lijst_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(van_fase=F("naar_fase")),
                name="fasewissel_andere_fase",
                violation_error_message=_("Een fasewissel gaat naar een andere fase."),
            ),
        ]

    def __str__(self):
        return f"{self.inschrijving}: {self.van_fase} → {self.naar_fase} per {self.ingangsdatum}"

    def audit_instellingen(self):
        return self.inschrijving.audit_instellingen()

    def clean(self):
        from registratie import rules

        rules.check_fasewissel_datum(self.ingangsdatum)


class UitstroomReden(models.TextChoices):
    STOPT = "stopt", _("stopt met de route")
    OVERSTAP_OPLEIDING = "overstap_opleiding", _("stapt over naar een andere opleiding")
    OVERSTAP_LEERWEG = "overstap_leerweg", _("stapt over naar een andere leerweg of route")
    VERHUIZING = "verhuizing", _("verhuizing")
    ANDERS = "anders", _("anders")


class Bestemming(models.TextChoices):
    VMBO_REGULIER = "vmbo", _("regulier vmbo (zonder route)")
    MBO_OPLEIDING = "mbo", _("mbo-opleiding buiten de route")
    ANDERE_ROUTE = "andere_route", _("andere leerroute")
    WERK_LEREN = "werk_leren", _("werken en leren (BBL, leerwerktraject)")
    ANDERS = "anders", _("anders")


class Uitstroom(models.Model):
    """R-INS-10: a student who stops or switches, under the agreement's overstapoptie."""

    leerling = models.ForeignKey(
        Leerling, on_delete=models.PROTECT, related_name="uitstroom", verbose_name=_("leerling")
    )
    leerroute = models.ForeignKey(
        Leerroute, on_delete=models.PROTECT, related_name="uitstroom", verbose_name=_("leerroute")
    )
    datum = models.DateField(_("datum"))
    reden = models.CharField(_("reden"), max_length=20, choices=UitstroomReden.choices)
    bestemming = models.CharField(_("bestemming"), max_length=16, choices=Bestemming.choices)
    toelichting = models.TextField(
        _("toelichting"),
        blank=True,
        help_text=_("Hoe de leerling alsnog een startkwalificatie haalt (overstapoptie)."),
    )
    vastgelegd_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    vastgelegd_op = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return s.overeenkomst_q(action, "leerroute__overeenkomst__")

    class Meta:
        verbose_name = _("uitstroom (overstapoptie)")
        verbose_name_plural = _("uitstroom (overstapoptie)")
        ordering = ["-datum"]

    def __str__(self):
        return f"{self.leerling} – {self.get_reden_display()} per {self.datum}"

    def audit_instellingen(self):
        return self.leerroute.audit_instellingen()

    def clean(self):
        from registratie import rules

        if self._state.adding:
            rules.check_uitstroom(self)


class MonitoringCijfer(models.Model):
    """R-MON-2 figures of one route and cohort on a peildatum, as the nightly fase check stored
    them (registratie.monitoring), so the monitoring page reads a few rows, not every enrolment."""

    leerroute = models.ForeignKey(Leerroute, on_delete=models.CASCADE, related_name="+")
    cohort = models.PositiveSmallIntegerField(null=True)
    peildatum = models.DateField()
    berekend_op = models.DateTimeField()
    instroom = models.PositiveIntegerField(default=0)
    in_vo_fase = models.PositiveIntegerField(default=0)
    in_mbo_fase = models.PositiveIntegerField(default=0)
    oneens = models.PositiveIntegerField(default=0)
    overgangen = models.PositiveIntegerField(default=0)
    uitstroom = models.PositiveIntegerField(default=0)
    vmbo_diplomas = models.PositiveIntegerField(default=0)
    mbo_diplomas = models.PositiveIntegerField(default=0)
    uitstroom_per_reden = models.JSONField(default=dict)
    uitstroom_per_bestemming = models.JSONField(default=dict)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return s.overeenkomst_q(action, "leerroute__overeenkomst__")

    class Meta:
        verbose_name = _("monitoringcijfer")
        verbose_name_plural = _("monitoringcijfers")
        indexes = [models.Index(fields=["peildatum", "leerroute"], name="monitoringcijfer_peil_idx")]

    def __str__(self):
        return f"{self.leerroute_id} cohort {self.cohort} per {self.peildatum}"


class ImportKoppeling(models.Model):
    """How one instelling's school administration export names our import columns: {our column:
    their column}, saved so every next import of that export reads the same (registratie.importeren)."""

    instelling = models.OneToOneField(
        Instelling, on_delete=models.CASCADE, related_name="import_koppeling", verbose_name=_("instelling")
    )
    kolommen = models.JSONField(_("kolommen"), default=dict)
    gewijzigd_op = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = scope.ScopedQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        return Q(instelling__in=s.beheer)

    class Meta:
        verbose_name = _("kolomkoppeling voor de import")
        verbose_name_plural = _("kolomkoppelingen voor de import")

    def __str__(self):
        return f"{self.instelling}"

    def audit_instellingen(self):
        return self.instelling_id, None


# Signals first: the other modules below import services that use them.
from registratie.review.signaal_models import *  # noqa: E402,F403

# isort: split
from registratie.importeren.models import *  # noqa: E402,F403
from registratie.jobs.models import *  # noqa: E402,F403
from registratie.review.models import *  # noqa: E402,F403
from registratie.rod.models import *  # noqa: E402,F403
from registratie.rod.terugkoppeling_models import *  # noqa: E402,F403
from registratie.rod.upload_models import *  # noqa: E402,F403
from registratie.tellingen import *  # noqa: E402,F403
