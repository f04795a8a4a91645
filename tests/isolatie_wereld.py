"""The world of the isolation matrix (tests/test_isolatie_matrix.py): two cooperations that share
nothing, with one object of every kind on each side, and one user per role on the A-side.

- A-side ("Noord"): Vmbo Noord + ROC Noord under SOK Noord, Route Noord.
- B-side ("Zuid"): Vmbo Zuid + ROC Zuid under SOK Zuid, Route Zuid.
- Vmbo Noord also works with ROC Oost (SOK Oost, Route Oost): a student of Vmbo Noord in that
  route is not ROC Noord's business ("the partner school sees what the route needs, no more").

Every text that identifies a B-side object contains "Zuid" (or "zuid"); A-side texts "Noord".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token, TokenProxy

from leerroute.models import LeerjaarProgramma
from registratie import services
from registratie.models import (
    Fasewissel,
    Leerling,
    RodAfstemming,
    RodBericht,
    RodBerichtStatus,
    RodLevering,
    RodTerugkoppeling,
    RodTerugkoppelingMelding,
    RodTerugkoppelingRegel,
    RodUpload,
    RodVerschil,
    Signaal,
    Uitstroom,
)
from registratie.rod import services as rod_services
from registratie.rod import wachtrij
from samenwerking.api.sleutels import sleutel_aanmaken
from samenwerking.models import AuditRegel, Lidmaatschap
from tests.factories import (
    BestuurFactory,
    GebruikerFactory,
    InschrijvingFactory,
    InstellingFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
)
from tests.kwaliteit.helpers import kwaliteit_objecten
from tests.registratie.rod_helpers import PEILDATUM, route_met_vestigingen

# The roles the matrix visits, in a stable order (the test ids use these names).
ROLLEN = (
    "applicatiebeheerder",
    "beheerder_vo_a",
    "beheerder_mbo_a",
    "coordinator_a",
    "lezer_vo_a",
    "zonder_rol",
    "anoniem",
)
# The roles that belong to the A-side: B's objects are none of their business.
A_ROLLEN = ("beheerder_vo_a", "beheerder_mbo_a", "coordinator_a", "lezer_vo_a")

# Texts that identify B-side objects: none of them may appear in any page or API answer for a
# user of the A-side (instellingen, besturen and vestigingen are public registry data and are
# deliberately not in this list).
B_MERKTEKENS = (
    "Zuiderling",
    "Zuidvertrekker",
    "SOK Zuid",
    "Route Zuid",
    "Afwijking Zuid",
    "Koppeling Zuid",
    "Programma Zuid",
    "beheerder-zuid",
    "coordinator-zuid",
)
A_MERKTEKENS = ("Noordeling", "Noordvertrekker", "SOK Noord", "Route Noord", "Afwijking Noord", "Oosterling")

INGANG_MBO_FASE = datetime.date(2027, 8, 1)
UITSTROOM_DATUM = datetime.date(2025, 9, 15)


@dataclass
class Kant:
    """The objects of one side, by kind."""

    vo: object = None
    mbo: object = None
    bestuur: object = None
    vestiging: object = None
    overeenkomst: object = None
    leerroute: object = None
    kwalificatie: object = None
    programma: object = None
    leerling: object = None  # a route student with a vo- and an mbo-inschrijving, in the mbo-fase soon
    inschrijving: object = None  # that student's vo-inschrijving
    mbo_inschrijving: object = None
    fasewissel: object = None
    vertrekker: object = None  # a route student who left the route (uitstroom)
    uitstroom: object = None
    signaal: object = None
    levering: object = None  # the vo-school's ROD delivery
    bericht: object = None  # the vo-school's queued ROD message (format 2) of the vo-inschrijving
    api_sleutel: object = None  # the vo-school's API key (samenwerking.ApiSleutel)
    import_run: object = None  # the vo-school's finished import (registratie.ImportRun)
    auditregel: object = None
    beheerder: object = None  # the vo-school's beheerder
    lidmaatschap: object = None
    # Login security (applicatiebeheer only): the beheerder's API token, authenticator app and
    # django-axes rows.
    token: object = None
    authenticator: object = None
    inlogpoging: object = None
    inloglog: object = None
    mislukte_inlog: object = None
    # The step plan, a document and a yearly evaluation of the route (kwaliteit).
    stap: object = None
    stapdocument: object = None
    evaluatie: object = None
    # ROD format v2, what came back from DUO: a warning on the vo-school's enrolment, and a
    # reconciliation with one difference.
    melding: object = None
    afstemming: object = None
    verschil: object = None
    upload: object = None  # the finished run of the snapshot behind that reconciliation
    # The rows behind those (admin, applicatiebeheer only): the feedback line, the queued
    # message's first status row, and a format-1 answer to the delivery.
    terugkoppelingregel: object = None
    berichtstatus: object = None
    terugkoppeling: object = None


@dataclass
class Wereld:
    a: Kant
    b: Kant
    gebruikers: dict = field(default_factory=dict)  # role -> user (no entry for anoniem)
    # Item 4: a student of Vmbo Noord in Route Oost only, and one who moved from Route Noord to
    # Route Oost; with their enrolments.
    oosterling: object = None
    wisselaar: object = None
    wisselaar_oost_vo: object = None
    route_oost: object = None
    app: object = None

    @property
    def b_nummers(self) -> list[str]:
        """B's students' full personal numbers: never in an answer to an A-side user."""
        return [
            n for lln in (self.b.leerling, self.b.vertrekker) for n in (lln.bsn, lln.onderwijsnummer) if n
        ]


def _kant(naam: str, app) -> Kant:
    k = Kant()
    k.bestuur = BestuurFactory(naam=f"Stichting {naam}")
    k.vo = InstellingFactory(naam=f"Vmbo {naam}", bestuur=k.bestuur)
    k.mbo = InstellingFactory(mbo=True, naam=f"ROC {naam}")
    k.overeenkomst = OvereenkomstFactory(
        actief=True, vo_instelling=k.vo, mbo_instelling=k.mbo, naam=f"SOK {naam}"
    )
    k.leerroute = route_met_vestigingen(overeenkomst=k.overeenkomst, naam=f"Route {naam}")
    k.vestiging = k.leerroute.vo_vestiging
    k.kwalificatie = k.leerroute.kwalificatie
    k.programma = LeerjaarProgramma.objects.create(
        leerroute=k.leerroute, routejaar=1, beschrijving=f"Programma {naam} leerjaar 3"
    )
    k.inschrijving = InschrijvingFactory(
        leerroute=k.leerroute, leerling__achternaam=f"{naam}eling", vestiging=k.vestiging
    )
    k.leerling = k.inschrijving.leerling
    k.mbo_inschrijving = InschrijvingFactory(
        leerroute=k.leerroute, leerling=k.leerling, mbo=True, vestiging=k.leerroute.mbo_vestiging
    )
    k.fasewissel = services.fase_wijzigen(
        inschrijvingen=[k.inschrijving, k.mbo_inschrijving],
        naar_fase="mbo",
        ingangsdatum=INGANG_MBO_FASE,
        door=app,
    )[0]
    vertrek_vo = InschrijvingFactory(leerroute=k.leerroute, leerling__achternaam=f"{naam}vertrekker")
    InschrijvingFactory(leerroute=k.leerroute, leerling=vertrek_vo.leerling, mbo=True)
    k.vertrekker = vertrek_vo.leerling
    k.uitstroom = services.uitstroom_vastleggen(
        uitstroom=Uitstroom(
            leerling=k.vertrekker,
            leerroute=k.leerroute,
            datum=UITSTROOM_DATUM,
            reden="stopt",
            bestemming="mbo",
            toelichting=f"Vertrek {naam}",
        ),
        door=app,
    )
    k.signaal = Signaal.objects.create(
        regel="R-INS-6",
        sleutel=f"R-INS-6:matrix:{naam}",
        leerling=k.leerling,
        inschrijving=k.inschrijving,
        overeenkomst=k.overeenkomst,
        instelling=k.vo,
        partner_instelling=k.mbo,
        toelichting=f"Afwijking {naam}: vo en mbo registreren een andere fase.",
    )
    k.beheerder = gebruiker_met_rol("beheerder", instelling=k.vo, username=f"beheerder-{naam.lower()}")
    k.lidmaatschap = Lidmaatschap.objects.get(gebruiker=k.beheerder)
    k.auditregel = AuditRegel.objects.filter(instelling=k.vo).order_by("id").first()
    k.token = TokenProxy.objects.get(pk=Token.objects.create(user=k.beheerder).pk)
    k.api_sleutel, _sleutel = sleutel_aanmaken(
        instelling=k.vo, naam=f"Koppeling {naam}", bevoegdheid="lezen", door=k.beheerder
    )
    from registratie.models import ImportRun

    rapport = {"dry_run": False, "doorgevoerd": True, "rijen": 0, "aangemaakt": 0, "gewijzigd": 0}
    k.import_run = ImportRun.objects.create(
        instelling=k.vo,
        door=k.beheerder,
        bestandsnaam=f"las-{naam.lower()}.csv",
        dry_run=False,
        status="klaar",
        rapport=rapport | {"ongewijzigd": 0, "fouten": [], "acties": []},
    )
    k.authenticator = TOTPDevice.objects.create(user=k.beheerder, name=f"Telefoon {naam}", confirmed=True)
    axes = {"username": k.beheerder.username, "ip_address": "192.0.2.1", "user_agent": "matrix"}
    axes |= {"http_accept": "text/html", "path_info": "/inloggen/"}
    k.inlogpoging = AccessAttempt.objects.create(**axes, failures_since_start=1)
    k.inloglog = AccessLog.objects.create(**axes)
    k.mislukte_inlog = AccessFailureLog.objects.create(**axes)
    k.stap, k.stapdocument, k.evaluatie = kwaliteit_objecten(k.leerroute, naam, app)
    return k


def _rod_terugkoppeling(k: Kant, naam: str) -> None:
    regel = RodTerugkoppelingRegel.objects.create(
        instelling=k.vo,
        sleutel=k.inschrijving.inschrijvingsvolgnummer,
        inschrijving=k.inschrijving,
        teldatum=PEILDATUM,
        status="V",
    )
    k.terugkoppelingregel = regel
    k.terugkoppeling = RodTerugkoppeling.objects.create(
        levering=k.levering, bestand=f"rod/{naam}.xml", sha256=naam.ljust(64, "0")
    )
    k.melding = RodTerugkoppelingMelding.objects.create(
        regel=regel, code="W01", ernst="waarschuwing", tekst=f"Waarschuwing {naam}"
    )
    k.afstemming = RodAfstemming.objects.create(
        instelling=k.vo, momentopname_van=datetime.datetime(2025, 11, 1, tzinfo=datetime.UTC), sha256="0" * 64
    )
    k.verschil = RodVerschil.objects.create(
        afstemming=k.afstemming,
        sleutel=k.inschrijving.inschrijvingsvolgnummer,
        inschrijving=k.inschrijving,
        soort="ontbreekt_bij_duo",
    )
    k.upload = RodUpload.objects.create(
        soort="momentopname",
        instelling=k.vo,
        door=k.beheerder,
        bestandsnaam=f"momentopname-{naam.lower()}.xml",
        status="klaar",
        uitkomst="1 verschillen gevonden.",
        afstemming=k.afstemming,
    )


def bouw_wereld() -> Wereld:
    app = gebruiker_met_rol("applicatiebeheerder", username="applicatiebeheerder")
    a = _kant("Noord", app)
    b = _kant("Zuid", app)
    gebruiker_met_rol("coordinator", overeenkomst=b.overeenkomst, username="coordinator-zuid")

    # Vmbo Noord's other partner: ROC Oost.
    mbo_oost = InstellingFactory(mbo=True, naam="ROC Oost")
    sok_oost = OvereenkomstFactory(actief=True, vo_instelling=a.vo, mbo_instelling=mbo_oost, naam="SOK Oost")
    route_oost = route_met_vestigingen(overeenkomst=sok_oost, naam="Route Oost")
    oost_vo = InschrijvingFactory(leerroute=route_oost, leerling__achternaam="Oosterling")
    InschrijvingFactory(leerroute=route_oost, leerling=oost_vo.leerling, mbo=True)
    # A student who left Route Noord (shared with ROC Noord) and went on in Route Oost.
    wissel_vo = InschrijvingFactory(leerroute=a.leerroute, leerling__achternaam="Wisselaar")
    InschrijvingFactory(leerroute=a.leerroute, leerling=wissel_vo.leerling, mbo=True)
    services.uitstroom_vastleggen(
        uitstroom=Uitstroom(
            leerling=wissel_vo.leerling,
            leerroute=a.leerroute,
            datum=UITSTROOM_DATUM,
            reden="overstap_leerweg",
            bestemming="andere_route",
        ),
        door=app,
    )
    wissel_oost_vo = InschrijvingFactory(
        leerroute=route_oost,
        leerling=wissel_vo.leerling,
        startdatum=UITSTROOM_DATUM + datetime.timedelta(days=1),
        inschrijvingsvolgnummer="OOST-WISSEL-VO",
    )

    rod_services.rod_exporteren(peildatum=PEILDATUM)
    a.levering = RodLevering.objects.get(instelling=a.vo)
    b.levering = RodLevering.objects.get(instelling=b.vo)
    _rod_terugkoppeling(a, "Noord")
    _rod_terugkoppeling(b, "Zuid")
    wachtrij.in_wachtrij([a.inschrijving.pk, b.inschrijving.pk])
    a.bericht = RodBericht.objects.get(inschrijving=a.inschrijving)
    b.bericht = RodBericht.objects.get(inschrijving=b.inschrijving)
    for k in (a, b):
        k.berichtstatus = RodBerichtStatus.objects.get(bericht=k.bericht)

    gebruikers = {
        "applicatiebeheerder": app,
        "beheerder_vo_a": a.beheerder,
        "beheerder_mbo_a": gebruiker_met_rol("beheerder", instelling=a.mbo, username="beheerder-roc-noord"),
        "coordinator_a": gebruiker_met_rol(
            "coordinator", overeenkomst=a.overeenkomst, username="coord-noord"
        ),
        "lezer_vo_a": gebruiker_met_rol("lezer", instelling=a.vo, username="lezer-noord"),
        "zonder_rol": GebruikerFactory(username="zonder-rol"),
    }
    assert a.auditregel is not None and b.auditregel is not None
    assert Fasewissel.objects.filter(pk=b.fasewissel.pk).exists()
    return Wereld(
        a=a,
        b=b,
        gebruikers=gebruikers,
        oosterling=Leerling.objects.get(pk=oost_vo.leerling_id),
        wisselaar=Leerling.objects.get(pk=wissel_vo.leerling_id),
        wisselaar_oost_vo=wissel_oost_vo,
        route_oost=route_oost,
        app=app,
    )
