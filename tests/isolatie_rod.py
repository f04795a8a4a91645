"""The isolation matrix's entries for the ROD screens: deliveries and their files (format 1), the
message queue, "nu leveren", and what comes back from DUO (format 2: feedback, warnings,
reconciliation). Files with BSNs are for the vo-school's own beheerders only."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from registratie.models import RodBericht, RodTerugkoppeling, RodTerugkoppelingMelding, RodUpload, RodVerschil
from tests.isolatie_regels import (
    ALLEEN_BEHEERDER_VO_A,
    LEEG,
    LOGIN,
    NIET_GEVONDEN,
    OK,
    OMGELEID,
    VERBODEN,
    Regel,
    _detail_ui,
    _href,
    _pk,
    verwacht,
)
from tests.isolatie_wereld import A_ROLLEN, Kant
from tests.registratie.rod_helpers import terugkoppeling_xml


def _terugkoppeling_data(w, k: Kant) -> dict:
    xml = terugkoppeling_xml(k.levering, geaccepteerd=[k.inschrijving.inschrijvingsvolgnummer])
    return {"bestand": SimpleUploadedFile("antwoord.xml", xml, content_type="application/xml")}


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


def _rod_lijst(aanwezig) -> Regel:
    return Regel(
        b=verwacht(OK, OK, LEEG, LOGIN),
        a=dict.fromkeys(A_ROLLEN, OK),
        a_verborgen=("beheerder_mbo_a", "coordinator_a", "lezer_vo_a"),
        lijst=True,
        aanwezig=aanwezig,
    )


def _rod_actie(obj: str, bewijs, data=None, kwargs=_pk) -> Regel:
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


ROD_MATRIX: dict[str, Regel] = {
    # A delivery (with BSNs) is listed for the vo-school's own beheerders only.
    "rod:leveringen": _rod_lijst(lambda w, k: [_href("rod:levering", k.levering)]),
    # The file holds BSNs: only the vo-school's own beheerders (not its lezer, the partner, the
    # coordinator).
    "rod:levering": _detail_ui("levering", ALLEEN_BEHEERDER_VO_A),
    "rod:bestand": _detail_ui("levering", ALLEEN_BEHEERDER_VO_A),
    "rod:terugkoppeling": _rod_actie(
        "levering",
        lambda levering: RodTerugkoppeling.objects.filter(levering=levering).count(),
        data=_terugkoppeling_data,
    ),
    # ROD messages (format 2) hold the BSN: the vo-school's own beheerders only.
    "rod:wachtrij": _rod_lijst(lambda w, k: [_href("rod:bericht", k.bericht)]),
    "rod:bericht": _detail_ui("bericht", ALLEEN_BEHEERDER_VO_A),
    "rod:bericht_opnieuw": _rod_actie(
        "bericht", lambda b: RodBericht.objects.filter(pk=b.pk).values("status", "volgende_poging").get()
    ),
    # "Nu leveren": for the user's own instellingen; the run is queued after the commit.
    "rod:nu_leveren": Regel(
        b=verwacht(OMGELEID, OMGELEID, VERBODEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN),
        methode="post",
    ),
    "rod:terugkoppeling_lijst": _rod_lijst(lambda w, k: [k.melding.tekst]),
    "rod:terugkoppeling_inlezen": Regel(
        b=verwacht(OMGELEID, OMGELEID, OMGELEID, LOGIN), methode="post", data=_rod_bestand
    ),
    "rod:waarschuwing_accepteren": _rod_actie(
        "melding",
        lambda m: (
            RodTerugkoppelingMelding.objects.filter(pk=m.pk).values_list("geaccepteerd_op", "opmerking").get()
        ),
        data=lambda w, k: {"opmerking": "Gezien."},
    ),
    "rod:afstemming_lijst": _rod_lijst(lambda w, k: [_href("rod:afstemming", k.afstemming)]),
    "rod:afstemming_inlezen": Regel(
        b=verwacht(OMGELEID, OMGELEID, OMGELEID, LOGIN), methode="post", data=_rod_momentopname
    ),
    # An upload's run (registratie/rod/upload.py): its page, and the status its page polls (a
    # finished run answers 204 and reloads).
    "rod:upload": _detail_ui("upload", ALLEEN_BEHEERDER_VO_A),
    "rod:upload_status": Regel(
        b=verwacht(204, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN),
        a=verwacht(204, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN, beheerder_vo_a=204),
        object="upload",
    ),
    # Cancelling a queued run: whoever may open the run (the world's runs have ended: nothing changes).
    "rod:upload_annuleren": _rod_actie(
        "upload", lambda u: RodUpload.objects.filter(pk=u.pk).values_list("status", "fout").get()
    ),
    "rod:afstemming": _detail_ui("afstemming", ALLEEN_BEHEERDER_VO_A),
    "rod:afstemming_csv": _detail_ui("afstemming", ALLEEN_BEHEERDER_VO_A),
    "rod:afstemming_wachtrij": _rod_actie("afstemming", _verschillen_bewijs),
    "rod:verschil_wachtrij": _rod_actie(
        "verschil", _verschillen_bewijs, kwargs=lambda v: {"pk": v.afstemming_id, "verschil": v.pk}
    ),
}
