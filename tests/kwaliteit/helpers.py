"""Shared set-up for the kwaliteit tests and the isolation matrix."""

import datetime

from django.core.files.base import ContentFile

from kwaliteit import services
from kwaliteit.models import Evaluatie, StapDocument


def kwaliteit_objecten(route, naam: str, door):
    """A route's step plan (the 'partners' step with a note and a document) and one evaluation."""
    services.stappenplan_aanvullen(route=route, door=door)
    stap = route.stappen.get(code="partners")
    stap.notities = f"Afspraken {naam}"
    stap.save()
    document = StapDocument(stap=stap, naam=f"Intentieverklaring {naam}.txt", toegevoegd_door=door)
    document.bestand.save(f"intentie-{naam.lower()}.txt", ContentFile(f"Intentie {naam}".encode()), save=True)
    evaluatie = Evaluatie.objects.create(
        leerroute=route, schooljaar=2025, peildatum=datetime.date(2026, 7, 31), doelen=f"Doelen {naam}"
    )
    return stap, document, evaluatie
