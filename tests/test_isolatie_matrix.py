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

Where the parts live: the rules and expected answers in tests/isolatie_regels.py; the entries for
the screens here, for the ROD screens in tests/isolatie_rod.py, the API in tests/isolatie_api.py and
the admin in tests/isolatie_beheer.py; visiting and checking in tests/isolatie_bezoek.py; the
world (the ``wereld`` fixture) in tests/conftest.py. Isolation beyond single URLs:
tests/test_isolatie_partnerschool.py and tests/test_isolatie_schrijven.py.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leerroute.models import LeerjaarProgramma, Leerroute
from registratie.models import Inschrijving, Signaal, Uitstroom
from samenwerking.models import AuditRegel, Samenwerkingsovereenkomst
from tests.isolatie_api import API_MATRIX
from tests.isolatie_beheer import ADMIN_OBJECTEN, BEHEER_MATRIX, _admin_modellen, admin_regel
from tests.isolatie_bezoek import _bezoek
from tests.isolatie_regels import (
    ALLEEN_BEHEERDERS,
    API_ANONIEM,
    LEEG,
    LOGIN,
    NIET_GEVONDEN,
    OK,
    OMGELEID,
    ONGELDIG,
    OVERAL_OK,
    VERBODEN,
    Patroon,
    Regel,
    _detail_ui,
    _geen,
    _href,
    _lijst_ui,
    alle_patronen,
    verwacht,
)
from tests.isolatie_rod import ROD_MATRIX
from tests.isolatie_wereld import A_ROLLEN, ROLLEN, Kant

# --- builders for the screens' entries ---------------------------------------------------------------


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


def _uitstroom_data(w, k: Kant) -> dict:
    return {"leerroute": k.leerroute.pk, "datum": "2025-10-01", "reden": "stopt", "bestemming": "mbo"}


def _uitstroom_bewijs(leerling) -> tuple:
    return (
        Uitstroom.objects.filter(leerling=leerling).count(),
        sorted(Inschrijving.objects.filter(leerling=leerling).values_list("id", "einddatum")),
    )


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


# Every URL by name (for an unnamed pattern: by route). The admin's per-model URLs (changelist,
# add, change, delete, history and the unnamed "<object_id>/" redirect) come from admin_regel();
# the screens are here, the other endpoint families in their own modules (merged in at the end).
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
    "registratie:bulk-annuleren": Regel(
        b=verwacht(NIET_GEVONDEN, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        kwargs=lambda o: {"pk": 999999},
        methode="post",
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
    # --- the ROD screens (tests/isolatie_rod.py), the API (tests/isolatie_api.py) and the admin's
    # own pages (tests/isolatie_beheer.py) ---------------------------------------------------------
    **ROD_MATRIX,
    **API_MATRIX,
    **BEHEER_MATRIX,
}

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
