"""Issue 9, property: random sequences of service calls (the ones the screens, admin and import
make) never leave a row that a fresh full check would flag without a signal already open for it.

Every call goes through the services; a call a rule refuses changes nothing and the sequence goes
on. After each call the full nightly check (``registratie.checks.controleer``) runs on today and
each finding must have an open signal: raised by the save itself, or by the check that was run once
on the starting world. The students start in route year 1 of this school year, so no transition to
the mbo-fase is due and every finding comes from the calls; a transition the calls make due on a
coming 1 August is a proposal the nightly run makes in time, not a broken rule, and left out.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leerroute.models import Kwalificatie, Leerroute
from registratie import checks, fase, services
from registratie.models import Inschrijving, Leerling, Signaal, Uitstroom
from samenwerking.models import Samenwerkingsovereenkomst
from samenwerking.services import opslaan
from tests.factories import (
    InschrijvingFactory,
    KwalificatieFactory,
    LeerlingFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
)

pytestmark = pytest.mark.django_db

SOORT_LEERWEG = [("GLR", "BB"), ("DLR", "BB"), ("DLR", "KB"), ("DLR", "GL"), ("DLR", "TL")]
SECTOR = st.sampled_from(["vo", "mbo"])
IDX = st.integers(min_value=0, max_value=5)

STAPPEN = st.one_of(
    st.tuples(st.just("niveau"), IDX, st.integers(min_value=1, max_value=4)),
    st.tuples(st.just("route"), IDX, st.sampled_from(SOORT_LEERWEG), IDX),
    st.tuples(st.just("route_overeenkomst"), IDX, IDX),
    st.tuples(
        st.just("overeenkomst"), IDX, st.sampled_from(["actief", "beeindigd", "einde_verleden", "open"])
    ),
    st.tuples(st.just("einde"), IDX, SECTOR, st.sampled_from(["overstap", "correctie", "diploma"])),
    st.tuples(st.just("heropenen"), IDX, SECTOR),
    st.tuples(st.just("corrigeren"), IDX, SECTOR),
    st.tuples(st.just("uitstroom"), IDX),
    st.tuples(st.just("start"), IDX, SECTOR, st.integers(min_value=-1, max_value=1)),
    st.tuples(st.just("inschrijven"), IDX),
    st.tuples(st.just("bestuur"), IDX),
)


def _start() -> datetime.date:
    """1 August of this school year: route year 1 today, no transition due on the next 1 August."""
    return fase.schooljaar_start(fase.schooljaar(timezone.localdate()))


def _wereld():
    """Two agreements between the same schools, one with other schools; three routes; students."""
    eerste = OvereenkomstFactory(actief=True)
    OvereenkomstFactory(actief=True, vo_instelling=eerste.vo_instelling, mbo_instelling=eerste.mbo_instelling)
    OvereenkomstFactory(actief=True)
    for niveau in (2, 3, 4):
        KwalificatieFactory(niveau=niveau)
    routes = [
        LeerrouteFactory(overeenkomst=eerste),
        LeerrouteFactory(overeenkomst=eerste, dlr4=True),
        LeerrouteFactory(overeenkomst=eerste, soort="DLR", leerweg="BB"),
    ]
    for route in routes:
        for _ in range(2):
            _paar(route)


def _paar(route):
    vo = InschrijvingFactory(leerroute=route, startdatum=_start())
    InschrijvingFactory(leerroute=route, leerling=vo.leerling, mbo=True, startdatum=_start())


def _kies(qs, i):
    rijen = list(qs.order_by("pk"))
    return rijen[i % len(rijen)] if rijen else None


def _inschrijving(i, sector):
    return _kies(Inschrijving.objects.filter(sector=sector), i)


def _stap(stap) -> None:
    """One service call; a refusal (ValidationError) leaves everything as it was."""
    soort, *args = stap
    vandaag = timezone.localdate()
    if soort == "niveau":
        k = _kies(Kwalificatie.objects.filter(crebo__startswith="9"), args[0])
        k.niveau = args[1]
        opslaan(k, door=None, kanaal="admin")
    elif soort == "route":
        route = _kies(Leerroute.objects.all(), args[0])
        route.soort, route.leerweg = args[1]
        route.kwalificatie = _kies(Kwalificatie.objects.filter(crebo__startswith="9"), args[2])
        opslaan(route, door=None, kanaal="admin")
    elif soort == "route_overeenkomst":
        route = _kies(Leerroute.objects.all(), args[0])
        route.overeenkomst = _kies(Samenwerkingsovereenkomst.objects.all(), args[1])
        opslaan(route, door=None, kanaal="admin")
    elif soort == "overeenkomst":
        o = _kies(Samenwerkingsovereenkomst.objects.all(), args[0])
        o.status, o.einddatum = {
            "actief": ("actief", o.einddatum),
            "beeindigd": ("beeindigd", o.einddatum),
            "einde_verleden": (o.status, vandaag - datetime.timedelta(days=1)),
            "open": (o.status, None),
        }[args[1]]
        opslaan(o, door=None, kanaal="admin")
    elif soort == "einde":
        i = _inschrijving(args[0], args[1])
        if i is not None and i.einddatum is None:
            services.inschrijving_beeindigen(inschrijving=i, einddatum=vandaag, reden=args[2], door=None)
    elif soort == "heropenen":
        i = _kies(Inschrijving.objects.filter(sector=args[1], einddatum__isnull=False), args[0])
        if i is not None:
            i.einddatum, i.reden_einde = None, ""
            services.inschrijving_opslaan(inschrijving=i, door=None)
    elif soort == "corrigeren":
        i = _inschrijving(args[0], args[1])
        if i is not None:
            route = i.leerroute
            i.opleidingskenmerk = route.soort
            if i.sector == "vo":
                i.leerweg = route.leerweg
            else:
                i.kwalificatie = route.kwalificatie
            services.inschrijving_opslaan(inschrijving=i, door=None)
    elif soort == "start":
        i = _inschrijving(args[0], args[1])
        if i is not None:
            i.startdatum = fase.schooljaar_start(fase.schooljaar(_start()) + args[2])
            services.inschrijving_opslaan(inschrijving=i, door=None)
    elif soort == "uitstroom":
        i = _kies(Inschrijving.objects.filter(einddatum__isnull=True), args[0])
        if i is not None:
            u = Uitstroom(
                leerling=i.leerling, leerroute=i.leerroute, datum=vandaag, reden="stopt", bestemming="vmbo"
            )
            services.uitstroom_vastleggen(uitstroom=u, door=None)
    elif soort == "bestuur":
        o = _kies(Samenwerkingsovereenkomst.objects.all(), args[0])
        vo = o.vo_instelling
        vo.bestuur = o.mbo_instelling.bestuur  # the boards merge
        opslaan(vo, door=None, kanaal="admin")
    elif soort == "inschrijven":
        route = _kies(Leerroute.objects.all(), args[0])
        o = route.overeenkomst
        leerling = LeerlingFactory.build(instelling=o.vo_instelling)
        gemeen = {"leerroute": route, "opleidingskenmerk": route.soort, "fase": "vo", "startdatum": _start()}
        services.leerling_inschrijven(
            leerling=leerling,
            inschrijvingen=[
                Inschrijving(
                    sector="vo",
                    instelling=o.vo_instelling,
                    inschrijvingsvolgnummer=f"VO{Leerling.objects.count()}",
                    leerjaar=3,
                    leerweg=route.leerweg,
                    **gemeen,
                ),
                Inschrijving(
                    sector="mbo",
                    instelling=o.mbo_instelling,
                    inschrijvingsvolgnummer=f"MBO{Leerling.objects.count()}",
                    kwalificatie=route.kwalificatie,
                    leervorm="BOL",
                    **gemeen,
                ),
            ],
            door=None,
        )


def _zonder_open_signaal() -> list:
    open_ = set(Signaal.objects.filter(status__in=checks.OPEN).values_list("sleutel", flat=True))
    return [
        (b.regel, b.sleutel)
        for b in checks.controleer(timezone.localdate())
        # A proposed transition on a coming 1 August is a proposal, not a broken rule: the nightly
        # run makes it, in time (a corrected start can make one due next school year).
        if b.sleutel not in open_ and b.voorgestelde_datum is None
    ]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stappen=st.lists(STAPPEN, min_size=1, max_size=8))
def test_service_calls_never_leave_a_finding_without_an_open_signal(db, stappen):
    with transaction.atomic():
        _wereld()
        checks.check_phases(peildatum=timezone.localdate())
        assert _zonder_open_signaal() == []
        for stap in stappen:
            try:
                with transaction.atomic():
                    _stap(stap)
            except ValidationError:
                pass  # refused: the rule said no, nothing changed
            assert _zonder_open_signaal() == [], stap
        transaction.set_rollback(True)  # every example starts from the same empty database
