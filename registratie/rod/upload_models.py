"""One upload of a file from DUO on the ROD screens (a feedback file or a snapshot for the
reconciliation), run as a background task (registratie.rod.upload).

Imported at the end of registratie/models.py, so it belongs to the registratie app. The file holds
BSNs: it is stored encrypted and emptied as soon as its run has ended.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registratie.rod.modelbasis import EigenBeheer, door_veld
from registratie.rod.terugkoppeling_models import RodAfstemming
from samenwerking.models import Instelling

__all__ = ["RodUpload", "RodUploadSoort", "RodUploadStatus"]


class RodUploadSoort(models.TextChoices):
    TERUGKOPPELING = "terugkoppeling", _("terugkoppeling")
    MOMENTOPNAME = "momentopname", _("momentopname")


class RodUploadStatus(models.TextChoices):
    GEPLAND = "gepland", _("in de wachtrij")
    BEZIG = "bezig", _("bezig")
    KLAAR = "klaar", _("klaar")
    MISLUKT = "mislukt", _("mislukt")


OPEN = (RodUploadStatus.GEPLAND, RodUploadStatus.BEZIG)


class RodUpload(EigenBeheer):
    """An uploaded DUO file and what its run did: the result line, or the Dutch error (masked)."""

    soort = models.CharField(_("soort"), max_length=14, choices=RodUploadSoort.choices)
    instelling = models.ForeignKey(
        Instelling, on_delete=models.CASCADE, related_name="rod_uploads", verbose_name=_("instelling")
    )
    door = door_veld(_("door"))
    bestandsnaam = models.CharField(_("bestand"), max_length=200)
    # Encrypted at rest in chunks (registratie.rod.opslag), written and read as a stream: a
    # snapshot of a large instelling is 100 MB. Deleted once the run has ended.
    bestand = models.FileField(
        _("bestand (versleuteld)"), upload_to="rod/uploads/", blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RodUploadStatus.choices, default=RodUploadStatus.GEPLAND
    )
    uitkomst = models.TextField(_("uitkomst"), blank=True)
    fout = models.TextField(_("fout"), blank=True)
    afstemming = models.ForeignKey(
        RodAfstemming,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("afstemming"),
    )
    aangemaakt_op = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    klaar_op = models.DateTimeField(_("klaar op"), null=True, blank=True)

    class Meta:
        verbose_name = _("ROD-upload")
        verbose_name_plural = _("ROD-uploads")
        ordering = ["-aangemaakt_op", "-id"]
        constraints = [
            # A second click (or a colleague) while the same kind of file of the instelling is
            # being read starts no second run: the view shows the open one.
            models.UniqueConstraint(
                fields=["instelling", "soort"],
                condition=models.Q(status__in=OPEN),
                name="rodupload_een_open_per_instelling_en_soort",
                violation_error_message=_("Voor deze instelling wordt zo'n bestand al ingelezen."),
            ),
        ]

    def __str__(self):
        return f"{self.get_soort_display()} {self.bestandsnaam} ({self.get_status_display()})"

    @property
    def open(self) -> bool:
        return self.status in OPEN
