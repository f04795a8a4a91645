"""The ROD exchange in the Django admin (registratie/rod/admin.py): read-only lists for the
applicatiebeheerder, each page a fixed number of queries however many rows, no encrypted content
shown; and the rows' one scope (registratie/rod/modelbasis.py): an instelling's beheerders only."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registratie.models import (
    RodAfstemming,
    RodBericht,
    RodBerichtStatus,
    RodLevering,
    RodStand,
    RodTerugkoppeling,
    RodTerugkoppelingMelding,
    RodTerugkoppelingRegel,
    RodVerschil,
)
from samenwerking import scope
from tests.factories import InstellingFactory, gebruiker_met_rol
from tests.login import inloggen

pytestmark = pytest.mark.django_db

ADMIN_MODELLEN = [
    RodBericht,
    RodBerichtStatus,
    RodTerugkoppeling,
    RodTerugkoppelingRegel,
    RodTerugkoppelingMelding,
    RodAfstemming,
    RodVerschil,
]
TELDATUM = datetime.date(2025, 10, 1)
_nr = itertools.count(1)


def _rijen(instelling, n: int, door=None) -> dict:
    """``n`` rows of every ROD model for ``instelling``; returns one of each by model."""
    nu = timezone.now()
    uit = {}
    for _ in range(n):
        k = f"K{next(_nr):06d}"
        b = RodBericht.objects.create(instelling=instelling, sleutel=k, sector="vo", soort="inschrijving")
        b.inhoud = "GEHEIM-VERSLEUTELD"
        b.save(update_fields=["inhoud"])
        s = RodBerichtStatus.objects.create(bericht=b, status="in_wachtrij", tijd=nu)
        lev = RodLevering.objects.create(
            instelling=instelling,
            volgnummer=next(_nr),
            peildatum=TELDATUM,
            soort="mutaties",
            sha256="0" * 64,
            bestand=f"rod/{k}.xml",
            formaatversie="2",
            aangemaakt_door=door,
        )
        stand = RodStand.objects.create(instelling=instelling, sleutel=k, sector="vo")
        tk = RodTerugkoppeling.objects.create(
            levering=lev, bestand=f"rod/{k}-t.xml", sha256=k, ingelezen_door=door
        )
        regel = RodTerugkoppelingRegel.objects.create(
            instelling=instelling, sleutel=k, teldatum=TELDATUM, status="V"
        )
        melding = RodTerugkoppelingMelding.objects.create(
            regel=regel, code="W01", ernst="waarschuwing", tekst="Let op", geaccepteerd_door=door
        )
        afst = RodAfstemming.objects.create(
            instelling=instelling, momentopname_van=nu, sha256=k, aangemaakt_door=door
        )
        verschil = RodVerschil.objects.create(
            afstemming=afst, sleutel=k, soort="ontbreekt_bij_ons", duo_record="GEHEIM-VERSLEUTELD"
        )
        uit = {type(o): o for o in (b, s, lev, stand, tk, regel, melding, afst, verschil)}
    return uit


def _url(model, soort: str = "changelist", *args) -> str:
    from django.urls import reverse

    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{soort}", args=args)


@pytest.fixture
def app(client):
    user = gebruiker_met_rol("applicatiebeheerder")
    inloggen(client, user)
    return user


@pytest.mark.parametrize("model", ADMIN_MODELLEN, ids=lambda m: m.__name__)
def test_the_applicatiebeheerder_reads_the_list_in_a_fixed_number_of_queries(client, app, model):
    instelling = InstellingFactory()
    _rijen(instelling, 2, door=app)
    client.get(_url(model))  # session and scope as in any later request
    with CaptureQueriesContext(connection) as klein:
        r = client.get(_url(model))
    assert r.status_code == 200
    _rijen(instelling, 12, door=app)
    _rijen(InstellingFactory(), 6, door=app)
    with CaptureQueriesContext(connection) as groot:
        r = client.get(_url(model))
    assert r.status_code == 200
    assert len(groot) == len(klein), [q["sql"] for q in groot.captured_queries]
    beheer = admin.site._registry[model]
    assert beheer.show_full_result_count is False and beheer.list_select_related


@pytest.mark.parametrize("model", ADMIN_MODELLEN, ids=lambda m: m.__name__)
def test_nothing_is_added_changed_or_deleted_and_no_encrypted_content_is_shown(client, app, model):
    obj = _rijen(InstellingFactory(), 1)[model]
    r = client.get(_url(model, "change", obj.pk))
    assert r.status_code == 200
    inhoud = r.content.decode()
    assert 'name="_save"' not in inhoud and "GEHEIM-VERSLEUTELD" not in inhoud
    assert client.get(_url(model, "add")).status_code == 403
    assert client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_school_beheerder_uses_the_rod_screens_not_these_lists(client):
    instelling = InstellingFactory()
    obj = _rijen(instelling, 1)[RodBericht]
    inloggen(client, gebruiker_met_rol("beheerder", instelling=instelling))
    assert client.get(_url(RodBericht)).status_code == 403
    assert client.get(_url(RodBericht, "change", obj.pk)).status_code == 403


ALLE_MODELLEN = [RodLevering, RodStand, *ADMIN_MODELLEN]


@pytest.mark.parametrize("model", ALLE_MODELLEN, ids=lambda m: m.__name__)
def test_every_rod_row_is_its_instellings_beheerders_only(model):
    """One scope for every ROD model (modelbasis.EigenBeheer): the instelling's beheerder sees its
    row, not the other school's; a lezer of the same school sees nothing; the audit trail files the
    row under its instelling."""
    a, b = InstellingFactory(), InstellingFactory()
    eigen, ander = _rijen(a, 1)[model], _rijen(b, 1)[model]
    beheerder = gebruiker_met_rol("beheerder", instelling=a)
    zichtbaar = set(model.objects.for_user(beheerder, scope.VIEW).values_list("pk", flat=True))
    assert eigen.pk in zichtbaar and ander.pk not in zichtbaar
    lezer = gebruiker_met_rol("lezer", instelling=a)
    assert not model.objects.for_user(lezer, scope.VIEW).exists()
    assert eigen.audit_instellingen() == (a.pk, None)
