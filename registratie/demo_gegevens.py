"""The demo's fixed structure as data: boards, schools, agreements, routes, programmes, demo users,
and the name lists and overstap reasons students are drawn from. ``registratie.demo`` and its
``demo_*`` modules build the rows from these tables; keeping them apart keeps the generator
readable in one go."""

from __future__ import annotations

import datetime

PEILDATUM = datetime.date(2026, 10, 1)
VROEGSTE_PEILDATUM = datetime.date(2025, 8, 1)  # the ended agreement must lie in the past
STANDAARD_STUDENTEN = 2000
MINIMUM_STUDENTEN = 30
WACHTWOORD = "leerroute-demo"
CHUNK = 10_000
BATCH = 5_000

# Years of the mbo-fase per niveau: route length = 2 (vo-fase) + this.
MBO_JAREN = {2: 1, 3: 2, 4: 3}

GEPLANT = ("R-INS-6", "R-INS-3", "R-INS-4", "R-INS-5", "R-LR-8", "R-INS-1")
GEPLANT_LABELS = {
    "R-INS-6": "vo- en mbo-inschrijving oneens over de fase",
    "R-INS-3": "mbo-fase zonder mbo-inschrijving",
    "R-INS-4": "fasewissel niet per 1 augustus",
    "R-INS-5": "DLR vo-inschrijving beëindigd zonder diploma of afgeronde vo-activiteiten",
    "R-LR-8": "lopende inschrijvingen onder een beëindigde overeenkomst",
    "R-INS-1": "mbo-inschrijving start vóór routejaar 1",
}


# --- the fixed structure ----------------------------------------------------------------------------


def _tabel(tekst: str) -> list[list[str]]:
    """Rows of a '|'-separated table; '#' lines are comments."""
    return [
        [cel.strip() for cel in regel.split("|")]
        for regel in tekst.strip().splitlines()
        if regel.strip() and not regel.lstrip().startswith("#")
    ]


def _datum_of_niets(tekst: str) -> datetime.date | None:
    return None if tekst == "-" else datetime.date.fromisoformat(tekst)


BESTUREN = {
    k: (naam, nummer)
    for k, nummer, naam in _tabel(
        """
        # key       | bg-nummer | naam
        rijnmond    | 90011     | Stichting Openbaar Voortgezet Onderwijs Rijnmond
        brabant     | 90012     | Stichting Katholiek Voortgezet Onderwijs Oost-Brabant
        ijssel      | 90013     | Vereniging Christelijk Voortgezet Onderwijs IJsselland
        lagelanden  | 90021     | Stichting ROC De Lage Landen
        kempenpeel  | 90022     | Stichting ROC Kempen en Peel
        ijsselvecht | 90023     | Stichting ROC IJssel-Vecht
        groenedelta | 90031     | Stichting AOC Groene Delta
        """
    )
}

_VESTIGINGEN = _tabel(
    """
    # code | plaats     | naam
    91VA01 | Rotterdam  | Vmbo Maaskant, locatie Charlois
    91VA02 | Rotterdam  | Vmbo Maaskant, locatie IJsselmonde
    91VB01 | Rotterdam  | Vakcollege De Hef
    92VA01 | Eindhoven  | Sint-Willibrordcollege, Eindhoven
    92VA02 | Best       | Sint-Willibrordcollege, Best
    92VB01 | Veldhoven  | Kempenland Vakcollege
    93VA01 | Zwolle     | IJsselcollege vmbo
    93VB01 | Hardenberg | Vechtdal Vakschool
    94MA01 | Rotterdam  | ROC De Lage Landen, Techniekcampus
    94MA02 | Rotterdam  | ROC De Lage Landen, Zorg en Welzijn
    94MA03 | Schiedam   | ROC De Lage Landen, Economie en Horeca
    95MA01 | Eindhoven  | ROC Kempen en Peel, Campus Eindhoven
    95MA02 | Helmond    | ROC Kempen en Peel, Helmond
    96MA01 | Zwolle     | ROC IJssel-Vecht, Zwolle
    96MA02 | Hardenberg | ROC IJssel-Vecht, Hardenberg
    97GA01 | Barneveld  | AOC Groene Delta, vmbo Barneveld
    97GA02 | Ede        | AOC Groene Delta, mbo Ede
    """
)

# key: (bestuur, naam, BRIN, soort, plaats, [(vestigingsnummer, naam, plaats)])
INSTELLINGEN = {
    k: (bestuur, naam, brin, soort, plaats, [(c[4:], vn, vp) for c, vp, vn in _VESTIGINGEN if c[:4] == brin])
    for k, bestuur, brin, soort, plaats, naam in _tabel(
        """
        # key         | bestuur     | BRIN | soort | plaats     | naam
        maaskant      | rijnmond    | 91VA | vo    | Rotterdam  | Vmbo Maaskant
        dehef         | rijnmond    | 91VB | vo    | Rotterdam  | Vakcollege De Hef
        willibrord    | brabant     | 92VA | vo    | Eindhoven  | Sint-Willibrordcollege vmbo
        kempenland    | brabant     | 92VB | vo    | Veldhoven  | Kempenland Vakcollege
        ijsselcollege | ijssel      | 93VA | vo    | Zwolle     | IJsselcollege vmbo
        vechtdal      | ijssel      | 93VB | vo    | Hardenberg | Vechtdal Vakschool
        lagelanden    | lagelanden  | 94MA | mbo   | Rotterdam  | ROC De Lage Landen
        kempenpeel    | kempenpeel  | 95MA | mbo   | Eindhoven  | ROC Kempen en Peel
        ijsselvecht   | ijsselvecht | 96MA | mbo   | Zwolle     | ROC IJssel-Vecht
        groenedelta   | groenedelta | 97GA | aoc   | Barneveld  | AOC Groene Delta
        """
    )
}

ACTIEF, CONCEPT, BEEINDIGD = "actief", "concept", "beeindigd"

_OVEREENKOMSTEN = _tabel(
    """
# key        | soort  | onderwerp       | vo            | mbo         | status    | ingang     | einde
maaskant_ll  | sok    | leerroute       | maaskant      | lagelanden  | actief    | 2020-08-01 | -
maaskant_zg  | sok    | leerroute       | maaskant      | lagelanden  | beeindigd | 2019-08-01 | 2025-07-31
dehef_ll     | sok    | leerroute       | dehef         | lagelanden  | actief    | 2021-08-01 | -
dehef_lwt    | sok    | leerwerktraject | dehef         | lagelanden  | actief    | 2021-08-01 | -
willibrd_kp  | sok    | leerroute       | willibrord    | kempenpeel  | actief    | 2020-08-01 | -
kempenl_kp   | sok    | leerroute       | kempenland    | kempenpeel  | concept   | 2027-08-01 | -
ijssel_iv    | sok    | leerroute       | ijsselcollege | ijsselvecht | actief    | 2021-08-01 | -
vechtdal_iv  | sok    | leerroute       | vechtdal      | ijsselvecht | concept   | 2027-08-01 | -
groenedelta  | intern | leerroute       | groenedelta   | groenedelta | actief    | 2020-08-01 | -
"""
)
_OVEREENKOMST_TEKSTEN = {
    k: (thema, naam)
    for k, thema, naam in _tabel(
        """
# key        | thema                            | naam
maaskant_ll  | techniek, mobiliteit en economie | SOK Vmbo Maaskant en ROC De Lage Landen
maaskant_zg  | zorg en welzijn                  | SOK Vmbo Maaskant en ROC De Lage Landen, zorg (2019-2025)
dehef_ll     | horeca                           | SOK Vakcollege De Hef en ROC De Lage Landen
dehef_lwt    | horeca (leerwerktraject)         | Leerwerktraject Vakcollege De Hef en ROC De Lage Landen
willibrd_kp  | zorg, welzijn en onderwijs       | SOK Sint-Willibrordcollege en ROC Kempen en Peel
kempenl_kp   | techniek                         | SOK Kempenland Vakcollege en ROC Kempen en Peel (concept)
ijssel_iv    | ICT, economie, logistiek en bouw | SOK IJsselcollege en ROC IJssel-Vecht
vechtdal_iv  | groen en techniek                | SOK Vechtdal Vakschool en ROC IJssel-Vecht (concept)
groenedelta  | groen                            | Interne regeling AOC Groene Delta
"""
    )
}


def _overeenkomsten() -> dict[str, tuple]:
    """key: (naam, soort, onderwerp, vo, mbo, status, ingangsdatum, einddatum, thema)"""
    result = {}
    for k, soort, onderwerp, vo, mbo, status, ingang, einde in _OVEREENKOMSTEN:
        thema, naam = _OVEREENKOMST_TEKSTEN[k]
        result[k] = (
            naam,
            soort,
            onderwerp,
            vo,
            mbo,
            status,
            _datum_of_niets(ingang),
            _datum_of_niets(einde),
            thema,
        )
    return result


OVEREENKOMSTEN = _overeenkomsten()
COORDINATOR_OVEREENKOMSTEN = ("maaskant_ll", "maaskant_zg")
HOOFDOVEREENKOMST = "maaskant_ll"  # planted cases (except R-LR-8) live in its routes
BEEINDIGDE_ROUTE = "mk_zorg_kb3"  # the R-LR-8 cases

_ROUTES = _tabel(
    """
# key          | overeenkomst | thema      | soort | lw | crebo | vo     | mbo    | start | gew | lwt
mk_elektro_kb4 | maaskant_ll  | Techniek   | DLR   | KB | 25263 | 91VA01 | 94MA01 | 2020  | 6   | -
mk_elektro_bb2 | maaskant_ll  | Techniek   | GLR   | BB | 25333 | 91VA01 | 94MA01 | 2020  | 5   | -
mk_econ_tl4    | maaskant_ll  | Economie   | DLR   | TL | 25138 | 91VA02 | 94MA03 | 2021  | 5   | -
mk_auto_kb3    | maaskant_ll  | Mobiliteit | DLR   | KB | 25244 | 91VA01 | 94MA01 | 2021  | 4   | -
mk_zorg_kb3    | maaskant_zg  | Zorg       | DLR   | KB | 25491 | 91VA02 | 94MA02 | 2019  | 0   | -
hef_kok_bb2    | dehef_ll     | Horeca     | DLR   | BB | 25180 | 91VB01 | 94MA03 | 2021  | 5   | dehef_lwt
hef_gast_bb2   | dehef_ll     | Horeca     | GLR   | BB | 25168 | 91VB01 | 94MA03 | 2021  | 4   | -
hef_kok_kb3    | dehef_ll     | Horeca     | DLR   | KB | 25182 | 91VB01 | 94MA03 | 2022  | 4   | -
wb_mbov_gl4    | willibrd_kp  | Zorg       | DLR   | GL | 25480 | 92VA01 | 95MA01 | 2020  | 6   | -
wb_vig_kb3     | willibrd_kp  | Zorg       | DLR   | KB | 25491 | 92VA01 | 95MA01 | 2020  | 6   | -
wb_help_bb2    | willibrd_kp  | Zorg       | GLR   | BB | 25498 | 92VA02 | 95MA02 | 2020  | 5   | -
wb_onderw_tl4  | willibrd_kp  | Onderwijs  | DLR   | TL | 25485 | 92VA01 | 95MA01 | 2021  | 4   | -
kl_mechat_bb2  | kempenl_kp   | Techniek   | DLR   | BB | 25342 | 92VB01 | 95MA02 | 2027  | 0   | -
ij_ict_tl4     | ijssel_iv    | ICT        | DLR   | TL | 25189 | 93VA01 | 96MA01 | 2021  | 5   | -
ij_mark_gl4    | ijssel_iv    | Economie   | DLR   | GL | 25148 | 93VA01 | 96MA01 | 2021  | 4   | -
ij_log_bb2     | ijssel_iv    | Logistiek  | DLR   | BB | 25371 | 93VA01 | 96MA02 | 2021  | 4   | -
ij_bouw_kb4    | ijssel_iv    | Bouw       | DLR   | KB | 25104 | 93VA01 | 96MA01 | 2022  | 3   | -
gd_hov_bb2     | groenedelta  | Groen      | DLR   | BB | 25452 | 97GA01 | 97GA02 | 2020  | 4   | -
gd_dier_bb2    | groenedelta  | Groen      | GLR   | BB | 25448 | 97GA01 | 97GA02 | 2020  | 4   | -
gd_dier_kb3    | groenedelta  | Groen      | DLR   | KB | 25450 | 97GA01 | 97GA02 | 2020  | 4   | -
gd_dier_gl4    | groenedelta  | Groen      | DLR   | GL | 25446 | 97GA01 | 97GA02 | 2021  | 3   | -
"""
)
# key: (overeenkomst, thema, soort, leerweg, crebo, vo-vestiging, mbo-vestiging, startdatum, gewicht,
#       leerwerktraject-overeenkomst). The name is "<soort> <thema> <leerweg> - <kwalificatie>"; a
#       route of weight 0 gets no students drawn (concept agreement; the ended one gets only R-LR-8).
ROUTES = {
    k: (
        o,
        thema,
        soort,
        lw,
        crebo,
        vov,
        mbov,
        datetime.date(int(jaar), 8, 1),
        int(g),
        None if lwt == "-" else lwt,
    )
    for k, o, thema, soort, lw, crebo, vov, mbov, jaar, g, lwt in _ROUTES
}

# (username, first name, last name, rol, instelling key, overeenkomst keys, description)
GEBRUIKERS = (
    ("demo-applicatiebeheer", "Anouk", "Verhoeven", "applicatiebeheerder", None, (), "applicatiebeheerder"),
    ("demo-beheer-vo", "Mark", "de Wit", "beheerder", "maaskant", (), "beheerder van Vmbo Maaskant"),
    (
        "demo-beheer-mbo",
        "Fatima",
        "El Idrissi",
        "beheerder",
        "lagelanden",
        (),
        "beheerder van ROC De Lage Landen",
    ),
    (
        "demo-coordinator",
        "Joost",
        "van Leeuwen",
        "coordinator",
        None,
        COORDINATOR_OVEREENKOMSTEN,
        "coördinator van de SOK Vmbo Maaskant en ROC De Lage Landen (en de beëindigde zorg-SOK)",
    ),
    ("demo-lezer", "Ingrid", "Hoekstra", "lezer", "maaskant", (), "lezer (management) bij Vmbo Maaskant"),
)

DEMO_GEBRUIKERS = tuple(g[0] for g in GEBRUIKERS)

# --- names ------------------------------------------------------------------------------------------


def _lijst(tekst: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in tekst.split(",") if n.strip())


VOORNAMEN = _lijst(
    "Daan, Sem, Lucas, Levi, Finn, Milan, Noah, Liam, Jesse, Thijs, Bram, Luuk, Mees, Sven, Ruben, "
    "Stijn, Tim, Thomas, Jayden, Gijs, Max, Julian, Mohamed, Ayoub, Yusuf, Emir, Mats, Jens, Koen, "
    "Niels, Bas, Rayan, Owen, Dex, Hugo, Emma, Julia, Mila, Tess, Sophie, Zoë, Sara, Nora, Evi, Anna, "
    "Lotte, Fleur, Lisa, Noor, Fenna, Saar, Isa, Liv, Roos, Femke, Sanne, Eva, Lieke, Amira, Yasmine, "
    "Elif, Naomi, Jasmijn, Maud, Britt, Floor, Nina, Esmee, Demi, Kim"
)
TWEEDE_NAMEN = _lijst(
    "Johannes, Maria, Pieter, Anna, Hendrik, Elisabeth, Willem, Johanna, Cornelis, Catharina, Jan, "
    "Wilhelmina, Adriaan, Geertruida, Jacobus, Petronella, Ali, Fatma"
)
TUSSENVOEGSELS = _lijst("van, de, van der, van den, van de, ter, den, te, van 't, in 't")
ACHTERNAMEN = _lijst(
    "Jansen, Bakker, Visser, Smit, Meijer, Mulder, Bos, Vos, Peters, Hendriks, Dekker, Brouwer, "
    "Dijkstra, Smits, Janssen, Kok, Verhoeven, Willems, Jacobs, Schouten, Hoekstra, Koster, Prins, "
    "Kuipers, Postma, Kramer, Vermeulen, Scholten, Huisman, Maas, Wouters, Kuijpers, Timmermans, Groen, "
    "Bosman, Martens, Blom, Veenstra, Hermans, Evers, Yılmaz, Kaya, Demir, Öztürk, El Amrani, Bouzid, "
    "Benali, Nguyen, Tahiri, Boukhari, Haddou, Sanches, Fernandes, Kowalski, Nowak"
)
# surnames that usually come with a tussenvoegsel
MET_TUSSENVOEGSEL = _lijst(
    "Berg, Dijk, Vries, Leeuwen, Heuvel, Wijk, Boer, Graaf, Jong, Haan, Veen, Bruin, Linden, Meer, "
    "Beek, Laan, Wal, Brink, Velde, Horst, Hoven, Loo"
)

PROGRAMMA = {
    "vo1": [
        ("Nederlands, Engels en rekenen (vmbo)", "vo", False),
        ("Beroepsgericht profielvak, geïntegreerd met de mbo-kerntaken", "vo", True),
        ("Loopbaanoriëntatie en kennismaking met de BPV", "mbo", True),
    ],
    "vo2": [
        ("Centraal examen vmbo en schoolexamens volgens het PTA", "vo", False),
        ("Beroepsgericht profielvak en mbo-kerntaak 1", "mbo", True),
        ("Eerste BPV-periode bij een erkend leerbedrijf", "mbo", False),
    ],
    "mbo": [
        ("Beroepsgerichte kerntaken", "mbo", False),
        ("Beroepspraktijkvorming (BPV)", "mbo", False),
        ("Loopbaan en burgerschap", "mbo", False),
    ],
    "mbo_laatste": [
        ("Proeve van bekwaamheid (examen beroepsgericht deel)", "mbo", False),
        ("Nederlands, Engels en rekenen (mbo-examen)", "mbo", False),
        ("Keuzedelen", "mbo", True),
    ],
}


# What a student who stopped or switched in the vo-fase did: (reden, bestemming, toelichting).
OVERSTAPPEN = (
    (
        "overstap_leerweg",
        "vmbo",
        "Stapt over naar de reguliere vmbo-leerweg op dezelfde school; daarna een mbo-opleiding "
        "niveau 2 volgens de overstapoptie.",
    ),
    (
        "overstap_opleiding",
        "mbo",
        "Gaat naar een andere mbo-opleiding van hetzelfde niveau bij de mbo-partner, met begeleiding "
        "naar een startkwalificatie.",
    ),
    (
        "overstap_leerweg",
        "andere_route",
        "Stapt over naar een andere leerroute van de samenwerking (andere kwalificatie).",
    ),
    (
        "stopt",
        "werk_leren",
        "Kiest voor werken en leren (BBL) bij een erkend leerbedrijf; de mbo-partner begeleidt naar "
        "een startkwalificatie.",
    ),
    ("verhuizing", "anders", "Verhuist naar een andere regio; de nieuwe school is geïnformeerd."),
)
