"""The isolation matrix's entries for the API (/api/ and its /api/v1/ alias): lists and details per
resource, the actions on enrolments and signals, the ROD files, the bulk import and its screen, and
the API keys screen (issue 14)."""

from __future__ import annotations

from registratie.models import ImportRun, Inschrijving, Signaal
from samenwerking.models import ApiSleutel
from tests.isolatie_regels import (
    API_ANONIEM,
    LEEG,
    LOGIN,
    NIET_GEVONDEN,
    OK,
    OMGELEID,
    ONGELDIG,
    VERBODEN,
    Regel,
    _geen,
    verwacht,
)
from tests.isolatie_wereld import A_ROLLEN


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


# Another instelling's object on a beheerder's own screens (an import run, an API key): refused,
# and not there at all for the beheerders (their screens only look in their own instellingen).
BEHEER_B = verwacht(
    VERBODEN, VERBODEN, VERBODEN, LOGIN, beheerder_vo_a=NIET_GEVONDEN, beheerder_mbo_a=NIET_GEVONDEN
)


API_MATRIX: dict[str, Regel] = {
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
        b=BEHEER_B,
        a={"beheerder_vo_a": OK},
        object="import_run",
    ),
    "import-voortgang": Regel(
        b=BEHEER_B,
        a={"beheerder_vo_a": 204},
        object="import_run",
    ),
    "import-echt": Regel(
        b=BEHEER_B,
        a={"beheerder_vo_a": OMGELEID},
        object="import_run",
        methode="post",
        bewijs=lambda r: ImportRun.objects.filter(instelling=r.instelling_id).count(),
    ),
    "import-annuleren": Regel(
        b=BEHEER_B,
        a={"beheerder_vo_a": OMGELEID},
        object="import_run",
        methode="post",
        bewijs=lambda r: ImportRun.objects.filter(pk=r.pk).values_list("status", "fout").get(),
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
        b=BEHEER_B,
        a=verwacht(
            VERBODEN, VERBODEN, VERBODEN, LOGIN, beheerder_vo_a=OMGELEID, beheerder_mbo_a=NIET_GEVONDEN
        ),
        object="api_sleutel",
        methode="post",
        bewijs=lambda s: ApiSleutel.objects.filter(pk=s.pk).values_list("ingetrokken_op", flat=True).get(),
    ),
}
