"""Isolation matrix (issue 5): every URL and API endpoint, visited as each role, with the objects
of another cooperation; what is not the user's business answers 404 (or a refusal).

The URL list comes from the resolver (pretix ``src/tests/base/test_urls.py``,
``src/tests/control/test_permissions.py``): a URL without an entry in MATRIX (or, for the admin's
per-model URLs, without an object in ADMIN_OBJECTEN) fails ``test_every_url_is_in_the_matrix``, so
a new one cannot slip through.

Each matrix test visits one URL as one role: first with the B-side object (the expectation in
``Regel.b``), then, where ``Regel.a`` names the role, with the A-side object (the positive case, or
a refusal on the user's own side for a role without the right). Every 200 answer to an A-side
user is searched for B's identifying texts (isolatie_wereld.B_MERKTEKENS); a user without a role
sees nothing of either side. A refused write changes nothing (``Regel.bewijs``).

The world is built once per module inside a transaction that is rolled back at the end; each
test runs in a savepoint of it (pytest-django's ``db``), so writes of one test do not leak into
the next.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from leerroute.models import LeerjaarProgramma, Leerroute
from registratie.models import (
    ImportRun,
    Inschrijving,
    Leerling,
    RodBericht,
    RodTerugkoppeling,
    RodTerugkoppelingMelding,
    RodVerschil,
    Signaal,
    Uitstroom,
)
from samenwerking.models import ApiSleutel, AuditRegel, Samenwerkingsovereenkomst
from tests.isolatie_wereld import A_MERKTEKENS, A_ROLLEN, B_MERKTEKENS, ROLLEN, Kant, bouw_wereld
from tests.login import inloggen
from tests.registratie.rod_helpers import terugkoppeling_xml

# --- the URL list, from the resolver ----------------------------------------------------------------


@dataclass(frozen=True)
class Patroon:
    route: str
    naam: str | None
    met_format: bool  # a DRF format-suffix variant (".json")

    @property
    def sleutel(self) -> str:
        """The matrix key: the URL name, or for an unnamed pattern its route."""
        return self.naam or self.route

    @property
    def test_id(self) -> str:
        return self.sleutel + ("[.format]" if self.met_format else "")


def _wandel(patterns, prefix: str = "", ns: str | None = None):
    for p in patterns:
        if isinstance(p, URLResolver):
            sub = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _wandel(p.url_patterns, prefix + str(p.pattern), sub)
        else:
            naam = f"{ns}:{p.name}" if ns and p.name else p.name
            yield Patroon(prefix + str(p.pattern), naam, "format" in p.pattern.regex.groupindex)


def alle_patronen() -> list[Patroon]:
    return list(dict.fromkeys(_wandel(get_resolver().url_patterns)))


# --- expected answers -------------------------------------------------------------------------------

OK, OMGELEID, ONGELDIG, VERBODEN, NIET_GEVONDEN = 200, 302, 400, 403, 404
LOGIN = "naar de inlogpagina"  # 302 to settings.LOGIN_URL
BEHEER_LOGIN = "naar de inlogpagina van het beheer"  # 302 to admin:login
GESCHIEDENIS = "naar de geschiedenis"  # 302 to the object's history page (samenwerking.geschiedenis)
API_ANONIEM = "401 of 403"
LEEG = "403, of 200 zonder gegevens"  # a list for a user without any role
WEIGERINGEN = {NIET_GEVONDEN, VERBODEN, LOGIN, BEHEER_LOGIN, API_ANONIEM}


def verwacht(app, a_rollen, zonder_rol, anoniem, **per_rol) -> dict:
    """role -> expected answer: the applicatiebeheerder, every A-side role, a user without a role,
    anonymous; ``per_rol`` overrides single roles."""
    d = {"applicatiebeheerder": app, "zonder_rol": zonder_rol, "anoniem": anoniem}
    d.update(dict.fromkeys(A_ROLLEN, a_rollen))
    d.update(per_rol)
    return d


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _object_id(obj) -> dict:
    return {"object_id": obj.pk}


def _geen(obj) -> dict:
    """The object is in the data or the page, not in the URL."""
    return {}


@dataclass
class Regel:
    """How one URL is visited in the matrix.

    ``object`` names the attribute of a Kant (isolatie_wereld) whose object goes into the URL;
    ``b`` maps every role to the expected answer with B's object; ``a`` maps some roles to the
    answer with A's own object. ``aanwezig`` gives texts that identify the Kant's object on this
    page: shown to the applicatiebeheerder (B) and the A roles of ``a`` (A), never to another
    side. ``bewijs`` snapshots what a refused request must leave unchanged. ``post_b`` is a
    follow-up POST (``post_data``) with B's object, per role (admin change and delete).
    """

    b: dict
    a: dict = field(default_factory=dict)
    object: str | None = None
    kwargs: Callable = _pk
    pad: Callable | None = None  # the URL itself, for an unnamed pattern
    methode: str = "get"
    data: Callable | None = None  # (wereld, kant) -> POST data
    query: Callable | None = None  # (wereld, kant) -> GET parameters
    api: bool = False
    lijst: bool = False
    publiek_b: bool = False  # B's object is public data (instellingen, DUO's registers)
    aanwezig: Callable | None = None  # (wereld, kant) -> [texts]
    a_verborgen: tuple = ()  # roles of ``a`` that must NOT see their own side's object in the list
    bewijs: Callable | None = None  # (object) -> snapshot
    post_b: dict | None = None
    post_data: Callable | None = None

    def __post_init__(self):
        assert set(self.b) == set(ROLLEN), f"b must name every role: {sorted(set(ROLLEN) - set(self.b))}"


def _lijst_ui(aanwezig, *, a=None, zonder_rol=LEEG) -> Regel:
    return Regel(
        b=verwacht(OK, OK, zonder_rol, LOGIN),
        a=a if a is not None else dict.fromkeys(A_ROLLEN, OK),
        lijst=True,
        aanwezig=aanwezig,
    )


def _detail_ui(obj: str, a: dict, **kw) -> Regel:
    return Regel(b=verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN), a=a, object=obj, **kw)


def _signaal_actie(data) -> Regel:
    return Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        # R-INS review: only the coordinator of the agreement (or the applicatiebeheerder) handles
        # a signal; the schools' beheerders and lezers see it but get 403.
        a=verwacht(OMGELEID, VERBODEN, NIET_GEVONDEN, LOGIN, coordinator_a=OMGELEID),
        object="signaal",
        methode="post",
        data=data,
        bewijs=lambda s: (
            Signaal.objects.filter(pk=s.pk).values("status", "afhandeling", "toegewezen_aan").get()
        ),
    )


def _api_lijst(obj: str, *, publiek: bool = False, a=None, a_verborgen: tuple = ()) -> Regel:
    return Regel(
        b=verwacht(OK, OK, LEEG, API_ANONIEM),
        a=a if a is not None else dict.fromkeys(A_ROLLEN, OK),
        object=obj,
        kwargs=_geen,
        api=True,
        lijst=True,
        publiek_b=publiek,
        a_verborgen=a_verborgen,
    )


def _api_detail(obj: str, *, publiek: bool = False) -> Regel:
    return Regel(
        b=verwacht(OK, OK if publiek else NIET_GEVONDEN, NIET_GEVONDEN, API_ANONIEM),
        a=dict.fromkeys(A_ROLLEN, OK),
        object=obj,
        api=True,
        publiek_b=publiek,
    )


def _api_inschrijving_actie() -> Regel:
    weigeren = {"coordinator_a": VERBODEN, "lezer_vo_a": VERBODEN}
    return Regel(
        b=verwacht(ONGELDIG, NIET_GEVONDEN, VERBODEN, API_ANONIEM, **weigeren),
        a=verwacht(ONGELDIG, NIET_GEVONDEN, VERBODEN, API_ANONIEM, beheerder_vo_a=ONGELDIG, **weigeren),
        object="inschrijving",
        methode="post",
        api=True,
        bewijs=lambda i: Inschrijving.objects.filter(pk=i.pk).values().get(),
    )


def _api_signaal_actie(data, *, app=OK) -> Regel:
    return Regel(
        b=verwacht(app, NIET_GEVONDEN, VERBODEN, API_ANONIEM, lezer_vo_a=VERBODEN),
        a=verwacht(app, VERBODEN, VERBODEN, API_ANONIEM, coordinator_a=app),
        object="signaal",
        methode="post",
        data=data,
        api=True,
        bewijs=lambda s: (
            Signaal.objects.filter(pk=s.pk).values("status", "afhandeling", "toegewezen_aan").get()
        ),
    )


def _alleen_leverancier() -> Regel:
    return Regel(
        b=verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, API_ANONIEM),
        a=verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, API_ANONIEM, beheerder_vo_a=OK),
        object="levering",
        api=True,
    )


def _uitstroom_data(w, k: Kant) -> dict:
    return {"leerroute": k.leerroute.pk, "datum": "2025-10-01", "reden": "stopt", "bestemming": "mbo"}


def _uitstroom_bewijs(leerling) -> tuple:
    return (
        Uitstroom.objects.filter(leerling=leerling).count(),
        sorted(Inschrijving.objects.filter(leerling=leerling).values_list("id", "einddatum")),
    )


def _terugkoppeling_data(w, k: Kant) -> dict:
    xml = terugkoppeling_xml(k.levering, geaccepteerd=[k.inschrijving.inschrijvingsvolgnummer])
    return {"bestand": SimpleUploadedFile("antwoord.xml", xml, content_type="application/xml")}


def _href(naam: str, obj) -> str:
    return f'href="{reverse(naam, args=[obj.pk])}"'


def _leerling_actie(data, a: dict) -> Regel:
    """A write on the student page (issue 12): B's student is not found; coordinators and
    lezers may change nothing of their own side (403)."""
    a = {**a, "coordinator_a": VERBODEN, "lezer_vo_a": VERBODEN}
    return Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=a,
        object="leerling",
        methode="post",
        data=data,
        bewijs=lambda leerling: sorted(
            Inschrijving.objects.filter(leerling=leerling).values_list(
                "id", "einddatum", "vmbo_diploma_datum", "vo_activiteiten_afgerond_op"
            )
        ),
    )


def _overeenkomst_actie(data) -> Regel:
    return Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(OMGELEID, OMGELEID, NIET_GEVONDEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN),
        object="overeenkomst",
        methode="post",
        data=data,
        bewijs=lambda o: (
            Samenwerkingsovereenkomst.objects.filter(pk=o.pk).values("status", "overstapoptie").get()
        ),
    )


ALLEEN_BEHEERDERS = verwacht(OK, OK, VERBODEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN)
ALLEEN_BEHEERDER_VO_A = verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN, beheerder_vo_a=OK)
OVERAL_OK = verwacht(OK, OK, OK, OK)

# Every URL by name (for an unnamed pattern: by route). The admin's per-model URLs (changelist,
# add, change, delete, history and the unnamed "<object_id>/" redirect) come from admin_regel();
# everything else is here.
MATRIX: dict[str, Regel] = {
    # --- public, or the user's own session -------------------------------------------------------
    "home": Regel(b=verwacht(OK, OK, OK, LOGIN)),
    "login": Regel(b=verwacht(OMGELEID, OMGELEID, OMGELEID, OK)),  # logged in: on to the start page
    "logout": Regel(b=verwacht(OMGELEID, OMGELEID, OMGELEID, OMGELEID), methode="post"),
    "health": Regel(b=OVERAL_OK),
    # Decision: the API schema and its documentation page are public. They describe the endpoints,
    # not data; every endpoint itself needs a login.
    "api-schema": Regel(b=OVERAL_OK),
    "api-docs": Regel(b=OVERAL_OK),
    "api-root": Regel(b=verwacht(OK, OK, OK, API_ANONIEM), api=True),
    # --- screens ----------------------------------------------------------------------------------
    "registratie:signalen": _lijst_ui(
        lambda w, k: [_href("registratie:signaal", k.signaal), k.signaal.leerling.achternaam]
    ),
    "registratie:signaal": _detail_ui("signaal", dict.fromkeys(A_ROLLEN, OK)),
    "registratie:signaal-toepassen": _signaal_actie(None),
    "registratie:signaal-afwijzen": _signaal_actie(lambda w, k: {"reden": "Matrix: geen afwijking"}),
    "registratie:signaal-overdragen": _signaal_actie(lambda w, k: {"aan": k.vo.pk, "toelichting": "Matrix"}),
    "registratie:signaal-uitstroom": _signaal_actie(
        lambda w, k: {"reden": "stopt", "bestemming": "vmbo", "toelichting": "Matrix"}
    ),
    "registratie:signaal-heropenen": _signaal_actie(None),
    # Issue 13: a bulk decision only ever touches signals the user may handle (B's stays open).
    "registratie:bulk-starten": Regel(
        b=verwacht(OMGELEID, OMGELEID, OMGELEID, LOGIN),
        kwargs=_geen,
        methode="post",
        data=lambda w, k: {
            "keuze": "selectie",
            "ids": [k.signaal.pk],
            "soort": "afwijzen",
            "reden": "Matrix",
        },
    ),
    "registratie:overgangen": Regel(b=verwacht(OK, OK, OK, LOGIN)),
    "registratie:bulk": Regel(
        b=verwacht(NIET_GEVONDEN, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN), kwargs=lambda o: {"pk": 999999}
    ),
    "registratie:leerlingen": _lijst_ui(
        lambda w, k: [k.leerling.achternaam, _href("registratie:leerling", k.leerling)]
    ),
    "registratie:leerling": _detail_ui("leerling", dict.fromkeys(A_ROLLEN, OK)),
    "registratie:uitstroom": Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        # Both schools of the route record uitstroom; the coordinator and a lezer may not.
        a=verwacht(OMGELEID, OMGELEID, NIET_GEVONDEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN),
        object="leerling",
        methode="post",
        data=_uitstroom_data,
        bewijs=_uitstroom_bewijs,
    ),
    "registratie:monitoring": _lijst_ui(lambda w, k: [k.leerroute.naam], zonder_rol=VERBODEN),
    # BSN search (POST, so the number stays out of URLs): B's number finds nothing for an A-side
    # user (the same answer as an unknown number); the own student's number leads to the page.
    "registratie:leerling-zoeken-nummer": Regel(
        b=verwacht(OMGELEID, OK, LEEG, LOGIN),
        a=dict.fromkeys(A_ROLLEN, OMGELEID),
        object="leerling",
        kwargs=_geen,
        methode="post",
        data=lambda w, k: {"nummer": k.leerling.bsn},
    ),
    # Reveal the full number (POST): those who may change the student, not a coordinator or lezer.
    "registratie:leerling-nummer": Regel(
        b=verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(OK, OK, NIET_GEVONDEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN),
        object="leerling",
        methode="post",
        bewijs=lambda o: AuditRegel.objects.filter(model=o._meta.label, object_id=str(o.pk)).count(),
    ),
    # The history of one object: visible objects only (else 404), administrators only (else 403).
    "geschiedenis": Regel(
        b=verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(OK, OK, NIET_GEVONDEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN),
        object="leerling",
        kwargs=lambda o: {"label": o._meta.label_lower, "pk": o.pk},
    ),
    # Two-step login: everyone here is verified already (tests/login.py) or need not be: on to next.
    "tweestaps-verifieren": Regel(b=verwacht(OMGELEID, OMGELEID, OMGELEID, LOGIN)),
    "tweestaps-instellen": Regel(b=verwacht(OMGELEID, OMGELEID, OMGELEID, LOGIN)),
    # A delivery (with BSNs) is listed for the vo-school's own beheerders only.
    "rod:leveringen": Regel(
        b=verwacht(OK, OK, LEEG, LOGIN),
        a=dict.fromkeys(A_ROLLEN, OK),
        a_verborgen=("beheerder_mbo_a", "coordinator_a", "lezer_vo_a"),
        lijst=True,
        aanwezig=lambda w, k: [_href("rod:levering", k.levering)],
    ),
    # The file holds BSNs: only the vo-school's own beheerders (not its lezer, the partner, the
    # coordinator).
    "rod:levering": _detail_ui("levering", ALLEEN_BEHEERDER_VO_A),
    "rod:bestand": _detail_ui("levering", ALLEEN_BEHEERDER_VO_A),
    "rod:terugkoppeling": Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN, beheerder_vo_a=OMGELEID),
        object="levering",
        methode="post",
        data=_terugkoppeling_data,
        bewijs=lambda levering: RodTerugkoppeling.objects.filter(levering=levering).count(),
    ),
    # ROD messages (format 2) hold the BSN: the vo-school's own beheerders only.
    "rod:wachtrij": Regel(
        b=verwacht(OK, OK, LEEG, LOGIN),
        a=dict.fromkeys(A_ROLLEN, OK),
        a_verborgen=("beheerder_mbo_a", "coordinator_a", "lezer_vo_a"),
        lijst=True,
        aanwezig=lambda w, k: [_href("rod:bericht", k.bericht)],
    ),
    "rod:bericht": _detail_ui("bericht", ALLEEN_BEHEERDER_VO_A),
    "rod:bericht_opnieuw": Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN, beheerder_vo_a=OMGELEID),
        object="bericht",
        methode="post",
        bewijs=lambda b: RodBericht.objects.filter(pk=b.pk).values("status", "volgende_poging").get(),
    ),
    # "Nu leveren": for the user's own instellingen; the run is queued after the commit.
    "rod:nu_leveren": Regel(
        b=verwacht(OMGELEID, OMGELEID, VERBODEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN),
        methode="post",
    ),
    # The nightly jobs' history and "nu uitvoeren": the applicatiebeheerder only (runs span every
    # instelling); the queued run is not started inside the test's transaction (on_commit).
    "taken:lijst": Regel(b=verwacht(OK, VERBODEN, VERBODEN, LOGIN)),
    "taken:uitvoeren": Regel(
        b=verwacht(OMGELEID, VERBODEN, VERBODEN, LOGIN),
        kwargs=lambda o: {"taak": "check_phases"},
        methode="post",
    ),
    # --- the school administrator's screens (issue 12) ---------------------------------------------
    # Intake and the mbo worklist are for the schools' beheerders; a coordinator or lezer gets 403.
    "registratie:vo-aanmelden": Regel(b=ALLEEN_BEHEERDERS),
    "registratie:werklijst-mbo": Regel(b=ALLEEN_BEHEERDERS),
    # Both worlds' students have an mbo side already: no row of the worklist, for anyone (404).
    "registratie:mbo-aanvullen": Regel(
        b=verwacht(
            NIET_GEVONDEN, NIET_GEVONDEN, VERBODEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN
        ),
        a=verwacht(
            NIET_GEVONDEN, NIET_GEVONDEN, VERBODEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN
        ),
        object="inschrijving",
        methode="post",
        data=lambda w, k: {
            "inschrijvingsvolgnummer": "MATRIX-M",
            "startdatum": "2025-08-01",
            "leervorm": "BOL",
        },
        bewijs=lambda i: Inschrijving.objects.filter(leerling_id=i.leerling_id).count(),
    ),
    # A row outside the user's worklist is not a choice: 400, nothing stored.
    "registratie:mbo-samen": Regel(
        b=verwacht(ONGELDIG, ONGELDIG, VERBODEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN),
        object="inschrijving",
        kwargs=_geen,
        methode="post",
        data=lambda w, k: {"gekozen": [k.inschrijving.pk], "voorvoegsel": "MX", "leervorm": "BOL"},
        bewijs=lambda i: Inschrijving.objects.filter(leerling_id=i.leerling_id).count(),
    ),
    "registratie:dubbele-lijst": _lijst_ui(
        lambda w, k: [k.leerling.achternaam, _href("registratie:leerling", k.leerling)], zonder_rol=VERBODEN
    ),
    "registratie:dubbele-lijst-csv": _lijst_ui(lambda w, k: [k.leerling.achternaam], zonder_rol=VERBODEN),
    # Ending and recording on the student page: the school whose enrolment it is.
    "registratie:beeindigen": _leerling_actie(
        lambda w, k: {
            "einde-inschrijving": k.mbo_inschrijving.pk,
            "einde-einddatum": "2025-10-01",
            "einde-reden": "correctie",
        },
        # The vo-school's beheerder may not end the mbo side: not a choice of the form (400).
        verwacht(OMGELEID, OMGELEID, NIET_GEVONDEN, LOGIN, beheerder_vo_a=ONGELDIG),
    ),
    "registratie:vmbo-diploma": _leerling_actie(
        lambda w, k: {"diploma-inschrijving": k.inschrijving.pk, "diploma-datum": "2026-07-01"},
        verwacht(OMGELEID, OMGELEID, NIET_GEVONDEN, LOGIN, beheerder_mbo_a=VERBODEN),
    ),
    "registratie:vo-afgerond": _leerling_actie(
        lambda w, k: {"afgerond-inschrijving": k.inschrijving.pk, "afgerond-datum": "2026-07-01"},
        verwacht(OMGELEID, OMGELEID, NIET_GEVONDEN, LOGIN, beheerder_mbo_a=VERBODEN),
    ),
    # Agreements: every role sees its own; the schools' beheerders change them (403 for others).
    "overeenkomsten:lijst": _lijst_ui(lambda w, k: [k.overeenkomst.naam], zonder_rol=VERBODEN),
    "overeenkomsten:nieuw": Regel(b=ALLEEN_BEHEERDERS),
    "overeenkomsten:detail": _detail_ui("overeenkomst", dict.fromkeys(A_ROLLEN, OK)),
    "overeenkomsten:onderdelen": _overeenkomst_actie(
        lambda w, k: {
            "inhoud_leerroute": "Matrix",
            "dagelijkse_leiding": "Matrix",
            "betrokkenheid_bedrijfsleven": "Matrix",
            "overstapoptie": "Matrix",
            "medezeggenschap": "Matrix",
            "advies_medezeggenschap": "Matrix",
            "dekt_volledige_route": "on",
        }
    ),
    "overeenkomsten:activeren": _overeenkomst_actie(None),
    # Routes: every role sees its own; the schools' beheerders change them and their programme.
    "leerroutes:lijst": _lijst_ui(lambda w, k: [k.leerroute.naam], zonder_rol=VERBODEN),
    "leerroutes:detail": _detail_ui("leerroute", dict.fromkeys(A_ROLLEN, OK)),
    "leerroutes:programma": Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(OMGELEID, OMGELEID, NIET_GEVONDEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN),
        object="leerroute",
        methode="post",
        data=lambda w, k: {
            "jaar-TOTAL_FORMS": "1",
            "jaar-INITIAL_FORMS": "1",
            "jaar-0-routejaar": "1",
            "jaar-0-beschrijving": "Matrix",
            "onderdeel-TOTAL_FORMS": "0",
            "onderdeel-INITIAL_FORMS": "0",
        },
        bewijs=lambda r: sorted(
            LeerjaarProgramma.objects.filter(leerroute=r).values_list("routejaar", "beschrijving")
        ),
    ),
    # --- step plan, evaluations, inspection dossier (kwaliteit) ------------------------------------
    # Starting a route in preparation: who edits a step plan (beheerders, the coordinator); the
    # form's agreement list shows nothing of B (checked on every 200).
    "kwaliteit:route-nieuw": Regel(b=verwacht(OK, OK, VERBODEN, LOGIN, lezer_vo_a=VERBODEN)),
    "kwaliteit:stappenplan": _detail_ui("leerroute", dict.fromkeys(A_ROLLEN, OK)),
    "kwaliteit:evaluaties": _detail_ui("leerroute", dict.fromkeys(A_ROLLEN, OK)),
    "kwaliteit:dossier": _detail_ui("leerroute", dict.fromkeys(A_ROLLEN, OK)),
    "kwaliteit:dossier-pdf": _detail_ui("leerroute", dict.fromkeys(A_ROLLEN, OK)),
    "kwaliteit:stap": _detail_ui("stap", dict.fromkeys(A_ROLLEN, OK)),
    "kwaliteit:document": _detail_ui("stapdocument", dict.fromkeys(A_ROLLEN, OK)),
    "kwaliteit:evaluatie": _detail_ui("evaluatie", dict.fromkeys(A_ROLLEN, OK)),
    # Writes: both schools' beheerders and the coordinator; a lezer sees the route but gets 403.
    "kwaliteit:route-activeren": Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(OMGELEID, OMGELEID, NIET_GEVONDEN, LOGIN, lezer_vo_a=VERBODEN),
        object="leerroute",
        methode="post",
        bewijs=lambda r: Leerroute.objects.filter(pk=r.pk).values("status").get(),
    ),
    "kwaliteit:stap-document": Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(OMGELEID, OMGELEID, NIET_GEVONDEN, LOGIN, lezer_vo_a=VERBODEN),
        object="stap",
        methode="post",
        data=lambda w, k: {
            "bestand": SimpleUploadedFile("verslag.txt", b"Verslag", content_type="text/plain")
        },
        bewijs=lambda stap: stap.documenten.count(),
    ),
    # --- API --------------------------------------------------------------------------------------
    "instelling-list": _api_lijst("vo", publiek=True),
    "instelling-detail": _api_detail("vo", publiek=True),
    "overeenkomst-list": _api_lijst("overeenkomst"),
    "overeenkomst-detail": _api_detail("overeenkomst"),
    "leerroute-list": _api_lijst("leerroute"),
    "leerroute-detail": _api_detail("leerroute"),
    "leerling-list": _api_lijst("leerling"),
    "leerling-detail": _api_detail("leerling"),
    "leerling-situatie": _api_detail("leerling"),
    # Search by number (POST, but a read): B's number is not found (404, as an unknown number),
    # for every role; the own student is found, also by the coordinator and the lezer.
    "leerling-zoeken": Regel(
        b=verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, API_ANONIEM),
        a=verwacht(OK, OK, NIET_GEVONDEN, API_ANONIEM),
        object="leerling",
        kwargs=_geen,
        methode="post",
        data=lambda w, k: {"nummer": k.leerling.bsn},
        api=True,
    ),
    "inschrijving-list": _api_lijst("inschrijving"),
    "inschrijving-detail": _api_detail("inschrijving"),
    # --- API v1 writes and resources (issue 14) ---------------------------------------------------
    # Actions on an enrolment change it: only a beheerder of its own instelling (the partner school
    # gets 404, lezer/coordinator/no role 403). Sent without a body, so those allowed get a 400.
    "inschrijving-beeindigen": _api_inschrijving_actie(),
    "inschrijving-fase": _api_inschrijving_actie(),
    "inschrijving-diplomadatum": _api_inschrijving_actie(),
    "fasewissel-list": _api_lijst("fasewissel"),
    "fasewissel-detail": _api_detail("fasewissel"),
    "uitstroom-list": _api_lijst("uitstroom"),
    "uitstroom-detail": _api_detail("uitstroom"),
    "signaal-list": _api_lijst("signaal"),
    "signaal-detail": _api_detail("signaal"),
    # Deciding on a signal: the coordinator of the agreement (and the applicatiebeheerder), as on screen.
    "signaal-toepassen": _api_signaal_actie(None, app=ONGELDIG),  # R-INS-6 proposes no fase change
    "signaal-afwijzen": _api_signaal_actie(lambda w, k: {"reden": "Matrix: geen afwijking"}),
    "signaal-overdragen": _api_signaal_actie(lambda w, k: {"aan": k.vo.pk, "toelichting": "Matrix"}),
    # ROD files hold BSNs: only the delivering instelling's beheerders.
    "rodlevering-list": _api_lijst(
        "levering", a_verborgen=("beheerder_mbo_a", "coordinator_a", "lezer_vo_a")
    ),
    "rodlevering-detail": _alleen_leverancier(),
    "rodlevering-berichten": _alleen_leverancier(),
    # The bulk import: a beheerder's own instelling only (chosen in the body; sent empty here: 400).
    "import": Regel(
        b=verwacht(ONGELDIG, ONGELDIG, VERBODEN, API_ANONIEM, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN),
        kwargs=_geen,
        methode="post",
        api=True,
    ),
    # The import screen: a beheerder picks one of its own instellingen (the form offers no other).
    "importeren": Regel(
        b=verwacht(VERBODEN, VERBODEN, VERBODEN, LOGIN, beheerder_vo_a=OK, beheerder_mbo_a=OK)
    ),
    # A run of the import screen: its own instelling's beheerders only (a finished run: the progress
    # poll answers 204 and reloads; "echt inlezen" of a run without a kept file: back with a message).
    "import-run": Regel(
        b=verwacht(
            VERBODEN, VERBODEN, VERBODEN, LOGIN, beheerder_vo_a=NIET_GEVONDEN, beheerder_mbo_a=NIET_GEVONDEN
        ),
        a={"beheerder_vo_a": OK},
        object="import_run",
    ),
    "import-voortgang": Regel(
        b=verwacht(
            VERBODEN, VERBODEN, VERBODEN, LOGIN, beheerder_vo_a=NIET_GEVONDEN, beheerder_mbo_a=NIET_GEVONDEN
        ),
        a={"beheerder_vo_a": 204},
        object="import_run",
    ),
    "import-echt": Regel(
        b=verwacht(
            VERBODEN, VERBODEN, VERBODEN, LOGIN, beheerder_vo_a=NIET_GEVONDEN, beheerder_mbo_a=NIET_GEVONDEN
        ),
        a={"beheerder_vo_a": OMGELEID},
        object="import_run",
        methode="post",
        bewijs=lambda r: ImportRun.objects.filter(instelling=r.instelling_id).count(),
    ),
    # The API keys screen: an instelling's beheerders only (the applicatiebeheerder uses /beheer/).
    "api-sleutels": Regel(
        b=verwacht(VERBODEN, VERBODEN, VERBODEN, LOGIN, beheerder_vo_a=OK, beheerder_mbo_a=OK),
        a={"beheerder_vo_a": OK},
        object="api_sleutel",
        kwargs=_geen,
        lijst=True,
        aanwezig=lambda w, k: [k.api_sleutel.naam],
    ),
    "api-sleutel-intrekken": Regel(
        b=verwacht(
            VERBODEN, VERBODEN, VERBODEN, LOGIN, beheerder_vo_a=NIET_GEVONDEN, beheerder_mbo_a=NIET_GEVONDEN
        ),
        a=verwacht(
            VERBODEN, VERBODEN, VERBODEN, LOGIN, beheerder_vo_a=OMGELEID, beheerder_mbo_a=NIET_GEVONDEN
        ),
        object="api_sleutel",
        methode="post",
        bewijs=lambda s: ApiSleutel.objects.filter(pk=s.pk).values_list("ingetrokken_op", flat=True).get(),
    ),
    # --- the admin, besides the per-model URLs ------------------------------------------------------
    "admin:index": Regel(b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN)),
    # Logged in with a role: on to the index; without one: the login form says so.
    "admin:login": Regel(b=verwacht(OMGELEID, OMGELEID, OK, OK)),
    "admin:logout": Regel(b=verwacht(OMGELEID, OMGELEID, OMGELEID, OMGELEID), methode="post"),
    "admin:password_change": Regel(b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN)),
    "admin:password_change_done": Regel(b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN)),
    "admin:jsi18n": Regel(b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN)),
    # Only a qualification (reference data, public) has an autocomplete.
    "admin:autocomplete": Regel(
        b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN),
        query=lambda w, k: {
            "app_label": "leerroute",
            "model_name": "leerroute",
            "field_name": "kwalificatie",
            "term": k.kwalificatie.naam,
        },
    ),
    # No model has a public URL (get_absolute_url): 404 for everyone.
    "admin:view_on_site": Regel(
        b=verwacht(NIET_GEVONDEN, NIET_GEVONDEN, BEHEER_LOGIN, BEHEER_LOGIN),
        object="leerling",
        kwargs=lambda o: {"content_type_id": ContentType.objects.get_for_model(o).pk, "object_id": o.pk},
    ),
    "admin:app_list": Regel(
        b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN), kwargs=lambda o: {"app_label": "registratie"}
    ),
    # A user's password (UserAdmin): B's user is not found; a lezer or coordinator changes nobody.
    "admin:auth_user_password_change": Regel(
        b=verwacht(OK, NIET_GEVONDEN, BEHEER_LOGIN, BEHEER_LOGIN),
        a={
            "applicatiebeheerder": OK,
            "beheerder_vo_a": OK,
            "beheerder_mbo_a": NIET_GEVONDEN,
            "lezer_vo_a": NIET_GEVONDEN,  # a lezer sees no users at all
            "coordinator_a": NIET_GEVONDEN,
        },
        object="beheerder",
        kwargs=lambda o: {"id": o.pk},
    ),
    # django-otp's secret-key pages: hidden for everyone (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "admin:otp_totp_totpdevice_config": Regel(
        b=verwacht(VERBODEN, VERBODEN, BEHEER_LOGIN, BEHEER_LOGIN), object="authenticator"
    ),
    "admin:otp_totp_totpdevice_qrcode": Regel(
        b=verwacht(VERBODEN, VERBODEN, BEHEER_LOGIN, BEHEER_LOGIN), object="authenticator"
    ),
    "beheer/(?P<url>.*)$": Regel(
        b=verwacht(NIET_GEVONDEN, NIET_GEVONDEN, BEHEER_LOGIN, BEHEER_LOGIN),
        pad=lambda o: "/beheer/bestaat-niet/",
    ),
}

# --- the admin's per-model URLs -----------------------------------------------------------------------

# For every model registered in the admin: the Kant attribute holding its object on each side.
ADMIN_OBJECTEN = {
    "samenwerking.bestuur": "bestuur",
    "samenwerking.instelling": "vo",
    "samenwerking.vestiging": "vestiging",
    "samenwerking.samenwerkingsovereenkomst": "overeenkomst",
    "samenwerking.lidmaatschap": "lidmaatschap",
    "samenwerking.gebruiker": "beheerder",
    "samenwerking.auditregel": "auditregel",
    "leerroute.kwalificatie": "kwalificatie",
    "leerroute.leerroute": "leerroute",
    "leerroute.leerjaarprogramma": "programma",
    "registratie.leerling": "leerling",
    "registratie.inschrijving": "inschrijving",
    "registratie.fasewissel": "fasewissel",
    "registratie.uitstroom": "uitstroom",
    "registratie.signaal": "signaal",
    "authtoken.tokenproxy": "token",
    "otp_totp.totpdevice": "authenticator",
    "axes.accessattempt": "inlogpoging",
    "axes.accesslog": "inloglog",
    "axes.accessfailurelog": "mislukte_inlog",
    "registratie.rodbericht": "bericht",
    "registratie.rodberichtstatus": "berichtstatus",
    "registratie.rodterugkoppeling": "terugkoppeling",
    "registratie.rodterugkoppelingregel": "terugkoppelingregel",
    "registratie.rodterugkoppelingmelding": "melding",
    "registratie.rodafstemming": "afstemming",
    "registratie.rodverschil": "verschil",
}
# Public registry data (DUO) and reference data: every role views them (read-only unless they
# are the user's own); everything else is scoped and answers 404 outside the scope.
ADMIN_PUBLIEK = {
    "samenwerking.bestuur",
    "samenwerking.instelling",
    "samenwerking.vestiging",
    "leerroute.kwalificatie",
}
# Login security (samenwerking/admin_toegang.py): the applicatiebeheerder only; 403 for every
# other role, whichever side the row belongs to.
ADMIN_APPLICATIEBEHEER = {
    "authtoken.tokenproxy",
    "otp_totp.totpdevice",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}
# The ROD exchange (registratie/rod/admin.py): read-only lists for the applicatiebeheerder; a
# school's beheerders use the ROD screens. "Geschiedenis" leads to the audit trail, as everywhere.
ADMIN_ROD = {
    "registratie.rodbericht",
    "registratie.rodberichtstatus",
    "registratie.rodterugkoppeling",
    "registratie.rodterugkoppelingregel",
    "registratie.rodterugkoppelingmelding",
    "registratie.rodafstemming",
    "registratie.rodverschil",
}
ADMIN_APPLICATIEBEHEER |= ADMIN_ROD

ADMIN_SOORTEN = ("changelist", "add", "change", "delete", "history")

# Where a model's admin deliberately differs from the generic rule: (label, URL kind) ->
# (overrides of b, overrides of a).
ADMIN_UITZONDERINGEN = {
    # The audit trail: for administrators only (not a lezer or coordinator); nobody deletes a row
    # and it has no history of its own.
    ("samenwerking.auditregel", "changelist"): ({"coordinator_a": VERBODEN, "lezer_vo_a": VERBODEN}, {}),
    ("samenwerking.auditregel", "delete"): (
        {"applicatiebeheerder": VERBODEN},
        {"applicatiebeheerder": VERBODEN, "beheerder_vo_a": VERBODEN},
    ),
    ("samenwerking.auditregel", "history"): (
        {"applicatiebeheerder": NIET_GEVONDEN},
        {"applicatiebeheerder": NIET_GEVONDEN, "beheerder_vo_a": NIET_GEVONDEN},
    ),
    # Qualifications are reference data: only the applicatiebeheerder changes or deletes them.
    ("leerroute.kwalificatie", "delete"): ({}, {"beheerder_vo_a": VERBODEN}),
    # A recorded fase change is history: it is not deleted in the admin (the fase engine owns it).
    ("registratie.fasewissel", "delete"): ({}, {"beheerder_vo_a": VERBODEN}),
    **{(label, "history"): ({"applicatiebeheerder": GESCHIEDENIS}, {}) for label in ADMIN_ROD},
}


def _admin_modellen() -> dict[str, type]:
    return {m._meta.label_lower: m for m in admin.site._registry}


def _snapshot(obj):
    return list(type(obj)._default_manager.filter(pk=obj.pk).values())


def admin_regel(p: Patroon) -> Regel | None:
    """The generic rule for the per-model URLs of a registered model, or None."""
    for label, model in _admin_modellen().items():
        app, naam = model._meta.app_label, model._meta.model_name
        if p.naam and p.naam.startswith(f"admin:{app}_{naam}_"):
            soort = p.naam.removeprefix(f"admin:{app}_{naam}_")
        elif p.naam is None and p.route == f"beheer/{app}/{naam}/<path:object_id>/":
            soort = "redirect"
        else:
            continue
        if soort not in (*ADMIN_SOORTEN, "redirect") or label not in ADMIN_OBJECTEN:
            return None
        return _admin_regel(label, soort, ADMIN_OBJECTEN[label])
    return None


def _admin_regel(label: str, soort: str, obj: str) -> Regel:
    regel = _admin_regel_algemeen(label, soort, obj)
    b_anders, a_anders = ADMIN_UITZONDERINGEN.get((label, soort), ({}, {}))
    regel.b.update(b_anders)
    regel.a.update(a_anders)
    return regel


def _admin_regel_algemeen(label: str, soort: str, obj: str) -> Regel:
    naar_login = {"zonder_rol": BEHEER_LOGIN, "anoniem": BEHEER_LOGIN}
    changelist_naam = "admin:{}_{}_change".format(*label.split("."))

    def change_href(w, k):
        return [f'href="{reverse(changelist_naam, args=[getattr(k, obj).pk])}']

    if soort == "redirect":  # "<object_id>/" only redirects to "<object_id>/change/"
        return Regel(
            b=verwacht(OMGELEID, OMGELEID, **naar_login),
            object=obj,
            kwargs=_object_id,
            pad=lambda o: f"/beheer/{o._meta.app_label}/{o._meta.model_name}/{o.pk}/",
        )
    if label in ADMIN_APPLICATIEBEHEER:
        app = (OK, VERBODEN) if soort in ("add", "delete") else OK  # adding/deleting differs per model
        return Regel(
            b=verwacht(app, VERBODEN, **naar_login),
            object=None if soort in ("changelist", "add") else obj,
            kwargs=_object_id,
            bewijs=_snapshot,
            post_b=verwacht(None, VERBODEN, **naar_login) if soort in ("change", "delete") else None,
            post_data=(lambda: {"post": "yes"}) if soort == "delete" else (lambda: {}),
        )
    if soort == "changelist":
        return Regel(
            b=verwacht(OK, OK, **naar_login),
            a={"beheerder_vo_a": OK},
            lijst=True,
            publiek_b=label in ADMIN_PUBLIEK,
            aanwezig=change_href,
        )
    if soort == "add":
        # Who may add what differs per model (a lezer or coordinator never); either way the form's
        # choice lists show nothing of B (checked on every 200 answer).
        return Regel(b=verwacht((OK, VERBODEN), (OK, VERBODEN), **naar_login))
    # "Geschiedenis" leads to the object's audit trail (samenwerking.geschiedenis), which checks
    # who may read it; the admin only answers 404 for an object outside the scope.
    eigen = GESCHIEDENIS if soort == "history" else OK
    if label in ADMIN_PUBLIEK:
        b = {
            "change": verwacht(OK, OK, **naar_login),  # read-only for whoever does not own it
            "history": verwacht(GESCHIEDENIS, GESCHIEDENIS, **naar_login),
            "delete": verwacht(OK, VERBODEN, **naar_login),
        }[soort]
        post = verwacht(None, VERBODEN, **naar_login) if soort in ("change", "delete") else None
    else:
        b = verwacht(eigen, NIET_GEVONDEN, **naar_login)
        post = verwacht(None, NIET_GEVONDEN, **naar_login) if soort in ("change", "delete") else None
    return Regel(
        b=b,
        a={"applicatiebeheerder": eigen, "beheerder_vo_a": eigen},
        object=obj,
        kwargs=_object_id,
        publiek_b=label in ADMIN_PUBLIEK,
        bewijs=_snapshot,
        post_b=post,
        post_data=(lambda: {"post": "yes"}) if soort == "delete" else (lambda: {}),
    )


# ROD format v2, what comes back from DUO (registratie/rod/views_terugkoppeling.py): the
# instelling's own beheerders only. An upload names its BRIN in the file: for anyone but that
# instelling's beheerder it is refused with a message (a redirect), changing nothing.
def _rod_bestand(w, k: Kant) -> dict:
    from registratie.rod import terugkoppeling_xml as tx

    data = tx.schrijven(
        tx.Terugkoppeling(brin=k.vo.brin, aangemaakt=datetime.datetime.now(datetime.UTC), regels=[])
    )
    return {"bestand": SimpleUploadedFile("t.xml", data, content_type="application/xml")}


def _rod_momentopname(w, k: Kant) -> dict:
    from registratie.rod import terugkoppeling_xml as tx

    m = tx.Momentopname(brin=k.vo.brin, aangemaakt=datetime.datetime.now(datetime.UTC), inschrijvingen=[])
    return {
        "bestand": SimpleUploadedFile("m.xml", tx.momentopname_schrijven(m), content_type="application/xml")
    }


def _rod_v2_lijst(aanwezig) -> Regel:
    return Regel(
        b=verwacht(OK, OK, LEEG, LOGIN),
        a=dict.fromkeys(A_ROLLEN, OK),
        a_verborgen=("beheerder_mbo_a", "coordinator_a", "lezer_vo_a"),
        lijst=True,
        aanwezig=aanwezig,
    )


def _rod_v2_actie(obj: str, bewijs, data=None, kwargs=_pk) -> Regel:
    return Regel(
        b=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(OMGELEID, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN, beheerder_vo_a=OMGELEID),
        object=obj,
        kwargs=kwargs,
        methode="post",
        data=data,
        bewijs=bewijs,
    )


def _verschillen_bewijs(obj) -> list:
    afstemming_id = getattr(obj, "afstemming_id", obj.pk)
    return sorted(
        RodVerschil.objects.filter(afstemming_id=afstemming_id).values_list("pk", "opnieuw_in_wachtrij_op")
    )


MATRIX.update(
    {
        "rod:terugkoppeling_lijst": _rod_v2_lijst(lambda w, k: [k.melding.tekst]),
        "rod:terugkoppeling_inlezen": Regel(
            b=verwacht(OMGELEID, OMGELEID, OMGELEID, LOGIN), methode="post", data=_rod_bestand
        ),
        "rod:waarschuwing_accepteren": _rod_v2_actie(
            "melding",
            lambda m: (
                RodTerugkoppelingMelding.objects.filter(pk=m.pk)
                .values_list("geaccepteerd_op", "opmerking")
                .get()
            ),
            data=lambda w, k: {"opmerking": "Gezien."},
        ),
        "rod:afstemming_lijst": _rod_v2_lijst(lambda w, k: [_href("rod:afstemming", k.afstemming)]),
        "rod:afstemming_inlezen": Regel(
            b=verwacht(OMGELEID, OMGELEID, OMGELEID, LOGIN), methode="post", data=_rod_momentopname
        ),
        "rod:afstemming": _detail_ui("afstemming", ALLEEN_BEHEERDER_VO_A),
        "rod:afstemming_csv": _detail_ui("afstemming", ALLEEN_BEHEERDER_VO_A),
        "rod:afstemming_wachtrij": _rod_v2_actie("afstemming", _verschillen_bewijs),
        "rod:verschil_wachtrij": _rod_v2_actie(
            "verschil", _verschillen_bewijs, kwargs=lambda v: {"pk": v.afstemming_id, "verschil": v.pk}
        ),
    }
)


# /api/v1/ answers exactly as its /api/ alias: the same entries under the "v1" namespace.
MATRIX.update({f"v1:{naam}": regel for naam, regel in list(MATRIX.items()) if regel.api})


def regel_voor(p: Patroon) -> Regel | None:
    return MATRIX.get(p.sleutel) or admin_regel(p)


PATRONEN = alle_patronen()
PATRONEN_PER_ID = {p.test_id: p for p in PATRONEN}


def test_every_url_is_in_the_matrix():
    """A new URL (or admin model) needs an entry; the message says what to add."""
    ontbrekend = [p for p in PATRONEN if regel_voor(p) is None]
    modellen = _admin_modellen()
    zonder_object = sorted(set(modellen) - set(ADMIN_OBJECTEN))
    regels = [f"  {p.sleutel!r} (route {p.route!r})" for p in ontbrekend]
    assert not ontbrekend and not zonder_object, (
        "URLs zonder regel in de isolatiematrix (tests/test_isolatie_matrix.py):\n"
        + "\n".join(regels)
        + "\nVoeg per URL aan MATRIX toe, bijvoorbeeld:\n"
        '  "<naam>": Regel(b=verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN), object="<Kant-attribuut>",\n'
        "               a=dict.fromkeys(A_ROLLEN, OK)),\n"
        "(b: het antwoord per rol met het object van de andere kant; a: met het eigen object).\n"
        + (
            f"Admin-modellen zonder object in ADMIN_OBJECTEN: {zonder_object} -- voeg "
            '"<app_label>.<model>": "<Kant-attribuut>" toe (en het object in tests/isolatie_wereld.py).'
            if zonder_object
            else ""
        )
    )


def test_the_matrix_has_no_stale_entries():
    sleutels = {p.sleutel for p in PATRONEN}
    assert not set(MATRIX) - sleutels, f"MATRIX names URLs that no longer exist: {set(MATRIX) - sleutels}"


# --- the world and the logged-in sessions ------------------------------------------------------------


@pytest.fixture(scope="module")
def wereld(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("isolatie_media")
    snel = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=snel), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = bouw_wereld()
            w.koekjes = {}
            for rol, user in w.gebruikers.items():
                c = APIClient()
                inloggen(c, user)
                w.koekjes[rol] = {naam: morsel.value for naam, morsel in c.cookies.items()}
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def client_voor(w, rol: str) -> APIClient:
    c = APIClient()
    for naam, waarde in w.koekjes.get(rol, {}).items():
        c.cookies[naam] = waarde
    return c


def _inhoud(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _controleer_status(response, verwacht, context: str):
    s = response.status_code
    waar = response.get("Location", "")
    if verwacht == LOGIN:
        ok = s == 302 and waar.startswith(reverse("login"))
    elif verwacht == BEHEER_LOGIN:
        ok = s == 302 and waar.startswith(reverse("admin:login"))
    elif verwacht == GESCHIEDENIS:
        ok = s == 302 and waar.startswith("/geschiedenis/")
    elif verwacht == API_ANONIEM:
        ok = s in (401, 403)
    elif verwacht == LEEG:
        ok = s in (200, 403)
    elif isinstance(verwacht, tuple):
        ok = s in verwacht
    else:
        ok = s == verwacht
    assert ok, f"{context}: verwacht {verwacht}, kreeg {s} {waar}".rstrip()


def _api_ids(response) -> list:
    data = json.loads(_inhoud(response))
    rijen = data["results"] if isinstance(data, dict) and "results" in data else data
    return [r["id"] for r in rijen]


def _controleer_inhoud(regel: Regel, response, w, kant: Kant, kant_naam: str, rol: str, verwacht, context):
    if response.status_code != 200:
        return
    inhoud = _inhoud(response)
    if rol in A_ROLLEN or rol == "zonder_rol":
        gelekt = [m for m in (*B_MERKTEKENS, *w.b_nummers) if m in inhoud]
        assert not gelekt, f"{context}: toont gegevens van de andere kant: {gelekt}"
    if rol == "zonder_rol" or verwacht == LEEG:
        gelekt = [m for m in A_MERKTEKENS if m in inhoud]
        assert not gelekt, f"{context}: een gebruiker zonder rol ziet {gelekt}"
        if regel.api and regel.lijst:
            assert _api_ids(response) == [], f"{context}: een gebruiker zonder rol ziet rijen"
        return
    if not regel.lijst:
        return
    # Whose object must show: B's for the applicatiebeheerder (and, if public, for everyone);
    # A's for the A roles the entry names; B's never for an A role otherwise.
    moet_zien = (
        rol == "applicatiebeheerder"
        or regel.publiek_b
        or (kant_naam == "a" and rol in regel.a and rol not in regel.a_verborgen)
    )
    if regel.api:
        obj = getattr(kant, regel.object)
        ids = _api_ids(response)
        assert (obj.pk in ids) is moet_zien, (
            f"{context}: id {obj.pk} {'ontbreekt' if moet_zien else 'staat erin'}"
        )
    elif regel.aanwezig:
        for tekst in regel.aanwezig(w, kant):
            assert (tekst in inhoud) is moet_zien, (
                f"{context}: {tekst!r} {'ontbreekt' if moet_zien else 'staat erin'}"
            )


def _url(regel: Regel, p: Patroon, obj) -> str:
    if regel.pad is not None:
        return regel.pad(obj)
    kwargs = regel.kwargs(obj) if (obj is not None or regel.kwargs not in (_pk, _object_id)) else {}
    if p.met_format:
        kwargs["format"] = "json"
    return reverse(p.naam, kwargs=kwargs)


def _bezoek(regel: Regel, p: Patroon, w, kant_naam: str, rol: str, verwacht):
    kant = getattr(w, kant_naam)
    obj = getattr(kant, regel.object) if regel.object else None
    url = _url(regel, p, obj)
    context = f"{p.test_id} als {rol} met het object van kant {kant_naam.upper()} ({url})"
    voor = regel.bewijs(obj) if regel.bewijs and obj is not None else None
    c = client_voor(w, rol)
    if regel.methode == "post":
        response = c.post(url, regel.data(w, kant) if regel.data else {})
    else:
        response = c.get(url, regel.query(w, kant) if regel.query else None)
    _controleer_status(response, verwacht, context)
    _controleer_inhoud(regel, response, w, kant, kant_naam, rol, verwacht, context)
    if voor is not None and verwacht in WEIGERINGEN:
        assert regel.bewijs(obj) == voor, f"{context}: geweigerd, maar er is toch iets gewijzigd"
    if kant_naam == "b" and regel.post_b and regel.post_b.get(rol) is not None:
        response = client_voor(w, rol).post(url, regel.post_data())
        _controleer_status(response, regel.post_b[rol], f"POST {context}")
        assert regel.bewijs(obj) == voor, f"POST {context}: geweigerd, maar er is toch iets gewijzigd"


def _gevallen():
    for p in PATRONEN:
        if regel_voor(p) is not None:
            for rol in ROLLEN:
                yield pytest.param(p.test_id, rol, id=f"{p.test_id}-{rol}")


@pytest.mark.parametrize(("patroon", "rol"), list(_gevallen()))
def test_isolatie(wereld, db, patroon, rol):
    p = PATRONEN_PER_ID[patroon]
    regel = regel_voor(p)
    _bezoek(regel, p, wereld, "b", rol, regel.b[rol])
    if rol in regel.a:
        _bezoek(regel, p, wereld, "a", rol, regel.a[rol])


# --- "the partner school sees what the route needs of a shared student, and no more" ------------------


def _partner(w) -> APIClient:
    return client_voor(w, "beheerder_mbo_a")


def test_the_partner_school_sees_the_shared_route_student(wereld, db):
    w, c = wereld, _partner(wereld)
    lijst = _inhoud(c.get(reverse("registratie:leerlingen")))
    assert w.a.leerling.achternaam in lijst
    r = c.get(reverse("registratie:leerling", args=[w.a.leerling.pk]))
    assert r.status_code == 200
    inhoud = _inhoud(r)
    assert w.a.leerroute.naam in inhoud and "Vmbo Noord" in inhoud and "ROC Noord" in inhoud
    assert set(r.context["inschrijvingen"]) == {w.a.inschrijving, w.a.mbo_inschrijving}
    api = c.get(reverse("inschrijving-list"), {"leerroute": w.a.leerroute.pk})
    assert {w.a.inschrijving.pk, w.a.mbo_inschrijving.pk} <= set(_api_ids(api))
    assert c.get(reverse("leerling-detail", args=[w.a.leerling.pk])).json()["achternaam"] == "Noordeling"


def test_the_partner_school_does_not_see_the_vo_schools_student_in_another_route(wereld, db):
    """Oosterling is a Vmbo Noord student in Route Oost (with ROC Oost): ROC Noord's beheerder
    finds them nowhere; Vmbo Noord's beheerder does."""
    w, c = wereld, _partner(wereld)
    o = w.oosterling
    assert "Oosterling" not in _inhoud(c.get(reverse("registratie:leerlingen")))
    assert c.get(reverse("registratie:leerling", args=[o.pk])).status_code == 404
    assert c.get(reverse("leerling-detail", args=[o.pk])).status_code == 404
    assert c.get(reverse("leerling-situatie", args=[o.pk])).status_code == 404
    assert o.pk not in _api_ids(c.get(reverse("leerling-list")))
    oost_ids = set(Inschrijving.objects.filter(leerling=o).values_list("pk", flat=True))
    assert not oost_ids & set(_api_ids(c.get(reverse("inschrijving-list"))))
    assert "Oosterling" not in _inhoud(c.get(reverse("admin:registratie_leerling_changelist")))
    assert "Route Oost" not in _inhoud(c.get(reverse("admin:registratie_inschrijving_changelist")))
    assert c.get(reverse("admin:registratie_leerling_change", args=[o.pk])).status_code == 404

    eigen = client_voor(w, "beheerder_vo_a")
    assert eigen.get(reverse("registratie:leerling", args=[o.pk])).status_code == 200
    assert o.pk in _api_ids(eigen.get(reverse("leerling-list")))


def test_the_partner_school_does_not_see_where_a_shared_student_went_next(wereld, db):
    """Wisselaar left Route Noord (shared with ROC Noord) for Route Oost (with ROC Oost). ROC
    Noord keeps seeing the shared history, but not the enrolment with ROC Oost: not on the
    student's page, not in the API's situation, not in the admin. (The admin's choice lists name
    every instelling, public data, so there only the route and the enrolment are looked for.)"""
    w, c = wereld, _partner(wereld)
    s = w.wisselaar
    route, school, volgnummer = "Route Oost", "ROC Oost", w.wisselaar_oost_vo.inschrijvingsvolgnummer
    lekken = []

    r = c.get(reverse("registratie:leerling", args=[s.pk]))
    assert r.status_code == 200 and w.a.leerroute.naam in _inhoud(r)
    lekken += [f"leerlingpagina toont {t!r}" for t in (route, school, volgnummer) if t in _inhoud(r)]

    situatie = c.get(reverse("leerling-situatie", args=[s.pk]))
    assert situatie.status_code == 200
    if situatie.json()["leerroute"] == w.route_oost.pk:
        lekken.append("API situatie noemt de andere route")
    lekken += [f"API situatie toont {t!r}" for t in (school, volgnummer) if t in _inhoud(situatie)]

    if w.wisselaar_oost_vo.pk in _api_ids(c.get(reverse("inschrijving-list"))):
        lekken.append("API inschrijvingen toont de inschrijving bij ROC Oost")
    if c.get(reverse("inschrijving-detail", args=[w.wisselaar_oost_vo.pk])).status_code != 404:
        lekken.append("API inschrijving bij ROC Oost is te openen")
    beheer = c.get(reverse("admin:registratie_leerling_change", args=[s.pk]))
    assert beheer.status_code == 200
    lekken += [f"beheer: leerling toont {t!r}" for t in (route, volgnummer) if t in _inhoud(beheer)]
    assert lekken == []


# --- writes whose target is a choice of another instelling --------------------------------------------


def _inschrijving_data(w, *, leerling, leerroute, instelling) -> dict:
    return {
        "leerling": leerling.pk,
        "leerroute": leerroute.pk,
        "sector": "vo",
        "instelling": instelling.pk,
        "inschrijvingsvolgnummer": "MATRIX-1",
        "opleidingskenmerk": "GLR",
        "fase": "vo",
        "startdatum": "2025-08-01",
        "leerjaar": 3,
        "leerweg": "BB",
    }


@pytest.mark.parametrize(
    ("veld", "b_object"),
    [("leerroute", "leerroute"), ("leerling", "leerling"), ("instelling", "vo")],
)
def test_api_create_with_a_choice_of_the_other_side_is_refused(wereld, db, veld, b_object):
    w = wereld
    data = _inschrijving_data(w, leerling=w.a.leerling, leerroute=w.a.leerroute, instelling=w.a.vo)
    data[veld] = getattr(w.b, b_object).pk
    voor = Inschrijving.objects.count()
    r = client_voor(w, "beheerder_vo_a").post(reverse("inschrijving-list"), data, format="json")
    assert r.status_code == 400, r.content
    assert veld in {p["name"] for p in r.json()["invalidParams"]}
    assert Inschrijving.objects.count() == voor


@pytest.mark.parametrize("rol", ["lezer_vo_a", "coordinator_a", "zonder_rol"])
def test_api_create_needs_a_role_that_changes(wereld, db, rol):
    w = wereld
    data = _inschrijving_data(w, leerling=w.a.leerling, leerroute=w.a.leerroute, instelling=w.a.vo)
    voor = Inschrijving.objects.count()
    r = client_voor(w, rol).post(reverse("inschrijving-list"), data, format="json")
    assert r.status_code == 403
    assert Inschrijving.objects.count() == voor


def test_admin_add_with_a_student_of_the_other_side_is_refused(wereld, db):
    w = wereld
    voor = Uitstroom.objects.count()
    r = client_voor(w, "beheerder_vo_a").post(
        reverse("admin:registratie_uitstroom_add"),
        {
            "leerling": w.b.leerling.pk,
            "leerroute": w.b.leerroute.pk,
            "datum": "2025-10-01",
            "reden": "stopt",
            "bestemming": "mbo",
        },
    )
    assert r.status_code in (200, 403)
    assert Uitstroom.objects.count() == voor
    assert not Leerroute.objects.filter(pk=w.b.leerroute.pk, uitstroom__datum="2025-10-01").exists()
    assert Leerling.objects.filter(pk=w.b.leerling.pk).exists()
