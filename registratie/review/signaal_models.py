"""Signals: something a coordinator or administrator must look at, naming the rule it concerns
(the fase check's findings, ROD's rejections, the rules on dependent rows). Imported at the end of
registratie/models.py, so it belongs to the registratie app."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, When
from django.utils.translation import gettext_lazy as _

from leerroute.models import Leerroute
from registratie import fase
from registratie.models import Inschrijving, Leerling
from samenwerking import scope
from samenwerking.models import Instelling, Samenwerkingsovereenkomst

__all__ = [
    "SIGNAAL_OPEN",
    "Signaal",
    "SignaalQuerySet",
    "SignaalStatus",
    "route_en_cohort",
    "route_en_cohort_qs",
]


class SignaalStatus(models.TextChoices):
    OPEN = "open", _("open")
    OVERGEDRAGEN = "overgedragen", _("overgedragen aan een school")
    OPGELOST = "opgelost", _("opgelost")
    AFGEWEZEN = "afgewezen", _("afgewezen")


# A signal still to be dealt with: open, or handed over to a school. One definition for every
# module that asks (checks, selectors, services, ROD, retention).
SIGNAAL_OPEN = (SignaalStatus.OPEN, SignaalStatus.OVERGEDRAGEN)


def route_en_cohort_qs():
    """(id, route, cohort) of every enrolment: the two columns a signal keeps of its enrolment.
    The cohort is the routestartjaar of a vo-inschrijving (None on the mbo side)."""
    vo_cohort = Case(
        When(sector="vo", then=fase.routestartjaar_expr()), default=None, output_field=IntegerField()
    )
    return Inschrijving.objects.annotate(c=vo_cohort).values_list("pk", "leerroute_id", "c").order_by()


def route_en_cohort(inschrijving_ids) -> dict[int, tuple[int | None, int | None]]:
    """Per enrolment id: route_en_cohort_qs (one query)."""
    rijen = route_en_cohort_qs().filter(pk__in=list(inschrijving_ids))
    return {pk: (route, cohort) for pk, route, cohort in rijen}


class SignaalQuerySet(scope.ScopedQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Every creator's signals carry their route and cohort (see Signaal.leerroute and
        Signaal.cohort); a creator that names only the enrolment gets them filled here, in one
        query per call."""
        objs = list(objs)
        zonder = {
            s.inschrijving_id
            for s in objs
            if s.inschrijving_id and (s.leerroute_id is None or s.cohort is None)
        }
        if zonder:
            per_inschrijving = route_en_cohort(zonder)
            for s in objs:
                if s.inschrijving_id in per_inschrijving:
                    route, cohort = per_inschrijving[s.inschrijving_id]
                    s.leerroute_id = s.leerroute_id if s.leerroute_id is not None else route
                    s.cohort = s.cohort if s.cohort is not None else cohort
        return super().bulk_create(objs, *args, **kwargs)


class Signaal(models.Model):
    """Something a coordinator or administrator must look at, naming the rule it concerns.

    ``sleutel`` identifies the cause (rule + objects), so a re-run finds the open signal instead
    of adding a second one.
    """

    # No index of its own: signaal_regel_lijst_idx starts with it.
    regel = models.CharField(_("regel"), max_length=20)
    sleutel = models.CharField(_("sleutel"), max_length=200)
    bron = models.CharField(_("bron"), max_length=20, default="fasecontrole")
    leerling = models.ForeignKey(
        Leerling,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signalen",
        verbose_name=_("leerling"),
    )
    inschrijving = models.ForeignKey(
        Inschrijving,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signalen",
        verbose_name=_("inschrijving"),
    )
    overeenkomst = models.ForeignKey(
        Samenwerkingsovereenkomst,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signalen",
        verbose_name=_("overeenkomst"),
    )
    instelling = models.ForeignKey(
        Instelling,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signalen",
        verbose_name=_("instelling"),
    )
    partner_instelling = models.ForeignKey(
        Instelling,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partnerinstelling"),
    )
    toelichting = models.TextField(_("toelichting"))
    status = models.CharField(
        _("status"), max_length=12, choices=SignaalStatus.choices, default=SignaalStatus.OPEN
    )
    aangemaakt_op = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    gesloten_op = models.DateTimeField(_("gesloten op"), null=True, blank=True)
    afhandeling = models.TextField(_("afhandeling"), blank=True)
    afgehandeld_door = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afgehandeld door"),
        db_index=False,  # a partial index below: most signals have none
    )
    toegewezen_aan = models.ForeignKey(
        Instelling,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("overgedragen aan"),
        db_index=False,  # a partial index below: most signals have none
    )
    voorgestelde_datum = models.DateField(_("voorgestelde datum"), null=True, blank=True)
    # The route of the signal's enrolment, kept on the signal so the review queue counts and
    # filters per route from one index (joining every open signal to its enrolment was most of
    # the queue's time at 250,000 students). Filled by every creator (bulk_create and save below);
    # an open signal's follows a correction of its enrolment (review.signaal_route), a closed
    # signal keeps the one it was dealt with under.
    leerroute = models.ForeignKey(
        Leerroute,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leerroute"),
    )
    # The cohort (routestartjaar) of the signal's vo-inschrijving, kept on the signal for the same
    # reason: the queue's cohort filter computed it through the enrolment for every signal. None
    # for a signal on an mbo-inschrijving or without one. Filled and kept current like leerroute.
    cohort = models.PositiveSmallIntegerField(_("cohort"), null=True, blank=True)
    # Handed over to a named colleague of the receiving school (toegewezen_aan is that school):
    # their "aan mij toegewezen" filter shows it.
    toegewezen_persoon = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("overgedragen aan (persoon)"),
        db_index=False,  # a partial index below: most signals have none
    )

    objects = SignaalQuerySet.as_manager()

    @staticmethod
    def scope_q(s: scope.Scope, action: str) -> Q:
        own = s.instellingen_voor(action)
        return Q(instelling__in=own) | Q(partner_instelling__in=own) | Q(overeenkomst__in=s.overeenkomsten)

    def save(self, *args, **kwargs):
        if self._state.adding and self.inschrijving_id is not None:
            route, cohort = route_en_cohort([self.inschrijving_id]).get(self.inschrijving_id, (None, None))
            self.leerroute_id = self.leerroute_id if self.leerroute_id is not None else route
            self.cohort = self.cohort if self.cohort is not None else cohort
        elif self.leerroute_id is None and self.inschrijving_id is not None:
            self.leerroute_id = (
                Inschrijving.objects.filter(pk=self.inschrijving_id)
                .values_list("leerroute_id", flat=True)
                .first()
            )
        super().save(*args, **kwargs)

    class Meta:
        verbose_name = _("signaal")
        verbose_name_plural = _("signalen")
        ordering = ["-aangemaakt_op", "-id"]
        # The lists' order: a page walks this index backwards and stops.
        indexes = [
            models.Index(fields=["aangemaakt_op", "id"], name="signaal_lijst_idx"),
            # The fase check looks up the signals of each batch of findings by key, any status.
            models.Index(fields=["sleutel"], name="signaal_sleutel_idx"),
            # The admin's filter on the source reads its values by index (WaardenFilter).
            models.Index(fields=["bron"], name="signaal_bron_idx"),
            # The fase check inserts ~137,000 signals in its first run at a million enrolments;
            # every index costs on each. The rule has no index of its own (signaal_regel_lijst_idx
            # starts with it; no LIKE index: nothing searches in it); the three columns that stay
            # empty on nearly every signal only for the rows that have one (lookups by a user or
            # school still use these).
            models.Index(
                fields=["afgehandeld_door"],
                condition=Q(afgehandeld_door__isnull=False),
                name="signaal_afgehandeld_door_idx",
            ),
            models.Index(
                fields=["toegewezen_aan"],
                condition=Q(toegewezen_aan__isnull=False),
                name="signaal_toegewezen_aan_idx",
            ),
            models.Index(
                fields=["toegewezen_persoon"],
                condition=Q(toegewezen_persoon__isnull=False),
                name="signaal_toegewezen_persoon_idx",
            ),
            # The review queue's counts per route and rule and its route filter read the open
            # signals only (a small part of all signals).
            # With the scope's columns included, the counts are an index-only scan.
            models.Index(
                fields=["leerroute", "regel"],
                include=["overeenkomst", "instelling", "partner_instelling"],
                condition=Q(status__in=["open", "overgedragen"]),
                name="signaal_open_route_idx",
            ),
            # The queue's other orders (review.selectors.SORTERINGEN) over every status: a page
            # walks the index of its order, filters the scope on the way and stops at the page.
            models.Index(
                F("regel"), F("aangemaakt_op").desc(), F("id").desc(), name="signaal_regel_lijst_idx"
            ),
            models.Index(fields=["voorgestelde_datum", "id"], name="signaal_datum_lijst_idx"),
            # A status filter (afgewezen, opgelost: most signals over the years) newest first,
            # and its capped counts: without it, a seq scan of every signal.
            models.Index(fields=["status", "aangemaakt_op", "id"], name="signaal_status_lijst_idx"),
            # The cohort filter: the signals of one cohort, newest first.
            models.Index(
                fields=["cohort", "aangemaakt_op", "id"],
                condition=Q(cohort__isnull=False),
                name="signaal_cohort_idx",
            ),
            # The transitions view (review.overgangen): the open proposals, in student order with
            # every column it filters or groups on, so it reads them index-only and joins them to
            # the mbo enrolments and the blocking signals by merge or hash, never per proposal.
            models.Index(
                fields=["leerling", "leerroute"],
                include=["overeenkomst", "voorgestelde_datum", "instelling", "partner_instelling", "bron"],
                condition=Q(regel="R-INS-1", status__in=["open", "overgedragen"]),
                name="signaal_overgang_idx",
            ),
            # ... and the other open signals of a student, which block a proposal.
            models.Index(
                fields=["leerling", "overeenkomst", "regel"],
                condition=Q(status__in=["open", "overgedragen"]) & ~Q(regel="R-INS-1"),
                name="signaal_open_leerling_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sleutel"],
                condition=Q(status__in=["open", "overgedragen"]),
                name="signaal_een_open_per_oorzaak",
                violation_error_message=_("Er staat al een open signaal voor deze oorzaak."),
            ),
        ]

    def __str__(self):
        return f"{self.regel}: {self.toelichting[:80]}"

    def audit_instellingen(self):
        return self.instelling_id, self.partner_instelling_id
