"""The student generator: ``Studenten`` draws each demo student (a Leerling, its vo- and
mbo-inschrijving with their fasewissels, sometimes an Uitstroom) from one ``random.Random(seed)``,
in memory and in index order, and plants the deliberate inconsistencies listed in
``registratie.demo``. ``demo_schrijven`` writes what it draws."""

from __future__ import annotations

import datetime
import random
from typing import TYPE_CHECKING

from registratie import fase
from registratie.demo_gegevens import (
    ACHTERNAMEN,
    BEEINDIGDE_ROUTE,
    GEPLANT,
    HOOFDOVEREENKOMST,
    MBO_JAREN,
    MET_TUSSENVOEGSEL,
    OVERSTAPPEN,
    TUSSENVOEGSELS,
    TWEEDE_NAMEN,
    VOORNAMEN,
)
from registratie.demo_structuur import Route, Structuur
from registratie.models import Inschrijving, Leerling, Uitstroom
from samenwerking.identifiers import bsn_with_check_digit, onderwijsnummer_with_check_digit

if TYPE_CHECKING:  # registratie.demo imports this module
    from registratie.demo import SeedResultaat


class Studenten:
    """Draws the students one by one from one random stream: call ``student(idx)`` for idx 0, 1,
    2, … in turn (each draw moves the stream on), so a seed gives the same students every time."""

    def __init__(self, structuur: Structuur, aantal: int, seed: int, peildatum, resultaat: SeedResultaat):
        self.s = structuur
        self.aantal = aantal
        self.rng = random.Random(seed)
        self.peildatum = peildatum
        self.peiljaar = fase.schooljaar(peildatum)
        self.resultaat = resultaat
        self.volgnummer: dict[int, int] = {}
        self.onderwijsnummers = 0

        routes = [r for r in structuur.routes.values() if r.gewicht > 0]
        self.routes = routes
        self.route_gewichten = []
        totaal = 0
        for r in routes:
            totaal += r.gewicht
            self.route_gewichten.append(totaal)
        hoofd = [r for r in routes if r.overeenkomst_key == HOOFDOVEREENKOMST]
        self.hoofdroutes = hoofd
        self.hoofdroutes_dlr = [r for r in hoofd if r.soort == "DLR"]
        self.beeindigde_route = structuur.routes[BEEINDIGDE_ROUTE]

        # Permutations that make every student's BSN (and onderwijsnummer) unique.
        self.bsn_a, self.bsn_b = 7_654_321, self.rng.randrange(9_000_000)
        self.onr_a, self.onr_b = 7_919, self.rng.randrange(100_000)

        per_soort = max(3, aantal // 250)
        gekozen = self.rng.sample(range(aantal), per_soort * len(GEPLANT))
        self.geplant = {idx: GEPLANT[n // per_soort] for n, idx in enumerate(gekozen)}
        resultaat.geplant = {k: [] for k in GEPLANT}
        for k in ("leerlingen", "inschrijvingen", "fasewissels", "uitstroom"):
            resultaat.aantallen[k] = 0

    # --- one student ---

    def student(self, idx: int):
        """(Leerling, [(Inschrijving, [(van, naar, datum)])], Uitstroom | None, planted kind | None)."""
        rng = self.rng
        kind = self.geplant.get(idx)
        overstap = kind is None and idx % 30 == 11  # about 3% stopped or switched in the vo-fase
        if kind == "R-LR-8":
            route = self.beeindigde_route
        elif kind in ("R-INS-3", "R-INS-5"):
            route = rng.choice(self.hoofdroutes_dlr)
        elif kind:
            route = rng.choice(self.hoofdroutes)
        else:
            route = rng.choices(self.routes, cum_weights=self.route_gewichten)[0]

        # Route year on the peildatum, and from it the route start (1 August of vmbo leerjaar 3).
        if kind in ("R-INS-6", "R-INS-1") or overstap:
            jaar = rng.randint(1, 2)
        elif kind in ("R-INS-3", "R-INS-4", "R-INS-5"):
            jaar = rng.randint(3, route.max_routejaar)
        elif kind == "R-LR-8":
            jaar = self.peiljaar - 2024 + 1  # started while the agreement still ran (2024)
        else:
            jaar = rng.randint(1, route.max_routejaar)
        startjaar = self.peiljaar - (jaar - 1)
        gewoon = kind is None and not overstap
        leerjaar = 4 if jaar >= 2 and gewoon and rng.random() < 0.08 else 3
        vo_start = fase.schooljaar_start(startjaar + leerjaar - 3)
        if gewoon and rng.random() < 0.08:  # joined some weeks into the school year
            vo_start = min(vo_start + datetime.timedelta(days=rng.randint(14, 60)), self.peildatum)
        routestart = fase.routestart(vo_start, leerjaar)
        mbo_fase = fase.mbo_fase_start(vo_start, leerjaar)
        assert fase.routejaar(vo_start, leerjaar, self.peildatum) == jaar
        in_mbo_fase = fase.verwachte_fase(jaar) == "mbo"

        leerling = self._leerling(idx, route, routestart, rng)
        vo_gepland = mbo_fase - datetime.timedelta(days=1)
        mbo_gepland = fase.schooljaar_start(mbo_fase.year + MBO_JAREN[route.niveau]) - datetime.timedelta(
            days=1
        )
        vo = self._vo(route, vo_start, leerjaar, "vo", vo_gepland)
        vo_w: list = []
        mbo_w: list = []
        uitstroom = None

        if kind == "R-INS-6":
            mbo = self._mbo(route, vo_start, "mbo", mbo_gepland)  # mbo says mbo, vo says vo
        elif kind == "R-INS-1":
            vroeg = routestart - datetime.timedelta(days=rng.randint(30, 240))
            mbo = self._mbo(route, vroeg, "vo", mbo_gepland)
        elif kind == "R-INS-3":
            vo.fase, vo_w, mbo = "mbo", [("vo", "mbo", mbo_fase)], None
        elif kind == "R-INS-4":
            self._vo_diploma(vo, mbo_fase, rng)
            mbo = self._mbo(route, vo_start, "mbo", mbo_gepland)
            mbo_w = [("vo", "mbo", mbo_fase + datetime.timedelta(days=rng.randint(7, 45)))]
        elif kind == "R-INS-5":
            vo.fase, vo_w = "mbo", [("vo", "mbo", mbo_fase)]
            vo.einddatum = mbo_fase + datetime.timedelta(days=rng.randint(10, 50))
            vo.reden_einde = "vo_afgerond"
            mbo = self._mbo(route, mbo_fase, "mbo", mbo_gepland)
        elif kind == "R-LR-8":
            mbo = self._mbo(route, vo_start, "vo", mbo_gepland)
            if in_mbo_fase:
                vo.fase, vo_w = "mbo", [("vo", "mbo", mbo_fase)]
                mbo.fase, mbo_w = "mbo", [("vo", "mbo", mbo_fase)]
        elif not in_mbo_fase:
            mbo_start = vo_start
            if jaar == 2 and rng.random() < 0.3:
                mbo_start = max(vo_start, fase.schooljaar_start(startjaar + 1))
            mbo = self._mbo(route, mbo_start, "vo", mbo_gepland)
            uitstroom = self._uitstroom(route, vo, mbo, mbo_fase, rng) if overstap else None
            if uitstroom is None and jaar == 2:
                self.resultaat.overgang_aantal += 1
        else:
            if rng.random() < 0.6:  # enrolled at the mbo already in the vo-fase
                mbo = self._mbo(route, vo_start, "mbo", mbo_gepland)
                mbo_w = [("vo", "mbo", mbo_fase)]
            else:
                mbo = self._mbo(route, mbo_fase, "mbo", mbo_gepland)
                if rng.random() < 0.3:
                    mbo.leervorm = "BBL"
            vo_w = self._vo_in_mbo_fase(route, vo, mbo_fase, rng)

        ins = [(vo, vo_w)]
        if mbo is not None:
            ins.append((mbo, mbo_w))
        return leerling, ins, uitstroom, kind

    def _vo_in_mbo_fase(self, route, vo, mbo_fase, rng) -> list:
        """The vo side of a student in the mbo-fase, valid under R-INS-5; returns its fasewissels."""
        kans = rng.random()
        if route.soort == "GLR" and kans < 0.7:
            vo.einddatum, vo.reden_einde = mbo_fase - datetime.timedelta(days=1), "glr_mbo_fase"
            return []
        if kans < 0.55 or route.soort == "GLR":
            self._vo_diploma(vo, mbo_fase, rng)
            return []
        vo.fase = "mbo"
        if kans < 0.8:  # DLR without a vmbo diploma: stays enrolled at the vo-school
            return [("vo", "mbo", mbo_fase)]
        ruimte = max(1, min(300, (self.peildatum - mbo_fase).days))
        afgerond = mbo_fase + datetime.timedelta(days=rng.randint(1, ruimte))
        vo.einddatum = vo.vo_activiteiten_afgerond_op = min(afgerond, self.peildatum)
        vo.reden_einde = "vo_afgerond"
        return [("vo", "mbo", mbo_fase)]

    @staticmethod
    def _vo_diploma(vo, mbo_fase, rng) -> None:
        vo.einddatum = mbo_fase - datetime.timedelta(days=1)
        vo.vmbo_diploma_datum = datetime.date(mbo_fase.year, 6, 1) + datetime.timedelta(
            days=rng.randint(14, 45)
        )
        vo.reden_einde = "diploma"

    def _uitstroom(self, route, vo, mbo, mbo_fase, rng):
        """A student who stopped or switched in the vo-fase (overstapoptie, R-INS-10)."""
        vroegst = max(vo.startdatum, mbo.startdatum) + datetime.timedelta(days=30)
        laatst = min(self.peildatum - datetime.timedelta(days=1), mbo_fase - datetime.timedelta(days=1))
        if vroegst > laatst:
            return None
        datum = vroegst + datetime.timedelta(days=rng.randint(0, (laatst - vroegst).days))
        for i in (vo, mbo):
            i.einddatum, i.reden_einde = datum, "overstap"
        reden, bestemming, toelichting = rng.choice(OVERSTAPPEN)
        return Uitstroom(
            leerroute_id=route.id, datum=datum, reden=reden, bestemming=bestemming, toelichting=toelichting
        )

    def _leerling(self, idx, route, routestart, rng) -> Leerling:
        voornaam = rng.choice(VOORNAMEN)
        namen = [voornaam] + ([rng.choice(TWEEDE_NAMEN)] if rng.random() < 0.6 else [])
        if rng.random() < 0.3:
            tussenvoegsel, achternaam = rng.choice(TUSSENVOEGSELS), rng.choice(MET_TUSSENVOEGSEL)
        else:
            tussenvoegsel, achternaam = "", rng.choice(ACHTERNAMEN)
        # vmbo leerjaar 3 at 14: born between 1 October and 30 September, a few a year older
        geboren = datetime.date(routestart.year - 15, 10, 1) + datetime.timedelta(days=rng.randint(0, 364))
        if rng.random() < 0.1:
            geboren -= datetime.timedelta(days=365)
        bsn = onderwijsnummer = None
        if idx % 40 == 3:  # 2.5% without a BSN, at least one in every small seed
            onderwijsnummer = self._onderwijsnummer()
        else:
            bsn = self._bsn(idx)
        return Leerling(
            instelling_id=route.vo_id,
            bsn=bsn,
            onderwijsnummer=onderwijsnummer,
            voornamen=" ".join(namen),
            voorletters="".join(f"{n[0]}." for n in namen),
            roepnaam=voornaam,
            tussenvoegsel=tussenvoegsel,
            achternaam=achternaam,
            geboortedatum=geboren,
        )

    def _bsn(self, idx: int) -> str:
        """A unique valid BSN per student: a permutation of the first seven digits, then the first
        eighth digit for which the elfproef has a check digit."""
        zeven = 1_000_000 + (self.bsn_a * idx + self.bsn_b) % 9_000_000
        for d in range(10):
            bsn = bsn_with_check_digit(f"{zeven:07d}{(idx + d) % 10}")
            if bsn:
                return bsn
        raise AssertionError("no check digit fits")  # pragma: no cover - one of ten always does

    def _onderwijsnummer(self) -> str:
        n = self.onderwijsnummers
        self.onderwijsnummers += 1
        vijf = (self.onr_a * n + self.onr_b) % 100_000
        for d in range(10):
            nummer = onderwijsnummer_with_check_digit(f"10{vijf:05d}{(n + d) % 10}")
            if nummer:
                return nummer
        raise AssertionError("no check digit fits")  # pragma: no cover

    def _volgnummer(self, instelling_id: int, start: datetime.date) -> str:
        n = self.volgnummer.get(instelling_id, 0) + 1
        self.volgnummer[instelling_id] = n
        return f"{start.year}{n:07d}"

    def _vo(self, route: Route, start, leerjaar, fase_, gepland) -> Inschrijving:
        return Inschrijving(
            leerroute_id=route.id,
            sector="vo",
            instelling_id=route.vo_id,
            vestiging_id=route.vo_vestiging_id,
            inschrijvingsvolgnummer=self._volgnummer(route.vo_id, start),
            opleidingskenmerk=route.soort,
            fase=fase_,
            startdatum=start,
            geplande_einddatum=gepland,
            leerjaar=leerjaar,
            leerweg=route.leerweg,
        )

    def _mbo(self, route: Route, start, fase_, gepland) -> Inschrijving:
        return Inschrijving(
            leerroute_id=route.id,
            sector="mbo",
            instelling_id=route.mbo_id,
            vestiging_id=route.mbo_vestiging_id,
            inschrijvingsvolgnummer=self._volgnummer(route.mbo_id, start),
            opleidingskenmerk=route.soort,
            fase=fase_,
            startdatum=start,
            geplande_einddatum=gepland,
            kwalificatie_id=route.kwalificatie_id,
            leervorm="BOL",
        )
