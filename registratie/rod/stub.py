"""A stub of DUO's receiving service: a real HTTP server on 127.0.0.1 (a free port), speaking the
SOAP contract registratie/rod/leerroute-rod-dienst-v2.wsdl. Started by the ``duo_stub`` fixture
(tests/registratie/conftest.py) and by ``manage.py rod_stub`` for trying the SOAP transport by
hand; never part of a running Leerroute.

What it does with a message, like DUO:
- checks the WS-Addressing headers and, when it has a certificate, the signature;
- validates the message against our XSD (``bericht_lezen.valideren``); invalid is a soap:Client fault;
- remembers every document id: a message sent again gets the same receipt (idempotent), and
  DUO's stand per enrolment changes once, never twice;
- later offers feedback per enrolment and count date (GET /terugkoppeling) and a snapshot of all
  it holds (GET /momentopname), in the formats of registratie/rod/terugkoppeling_xml.py.

Faults to inject, each for one request (``stub.storingen.append(...)``; ``None`` is a request
without a fault, so faults can be spread over a run):
- ``"traag"``: the answer comes after ``vertraging`` seconds (the client times out), but the
  message WAS processed: the resend must not count twice;
- ``"5xx"``: HTTP 503 with an HTML page; the message is not processed;
- ``"kapot"``: the message is processed, the answer is not XML;
- ``"vreemd"``: the message is processed, the answer is a receipt for another document;
- ``"server"``: a soap:Server fault; not processed.
"""

from __future__ import annotations

import dataclasses
import datetime
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from lxml import etree

from registratie.rod import bericht, bericht_lezen, ondertekening
from registratie.rod import terugkoppeling_xml as tx

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
DIENST = "urn:leerroute:rod:dienst:v2"
ACTIES = {
    f"{DIENST}/aanleverenInschrijving": ("aanleverenInschrijving", "inschrijvingBericht"),
    f"{DIENST}/aanleverenVerwijdering": ("aanleverenVerwijdering", "verwijderBericht"),
}


@dataclasses.dataclass
class Ontvangen:
    document_id: str
    tijd: datetime.datetime
    xml: bytes
    bericht: object  # bericht.InschrijvingBericht | bericht.VerwijderBericht


class DuoStub:
    def __init__(self, *, certificaat: bytes | None = None, vertraging: float = 1.0, poort: int = 0):
        self.certificaat = certificaat  # PEM; when set, every message must be signed with it
        self.vertraging = vertraging
        self.storingen: deque[str | None] = deque()
        self.ontvangen: dict[str, Ontvangen] = {}  # document id -> first receipt
        self.stand: dict[tuple[str, str], bericht.InschrijvingBericht] = {}  # (brin, volgnummer)
        self.verwerkt = 0  # how many times DUO's stand changed
        self.aanroepen: list[str] = []  # per HTTP request: what happened
        self.signalen: dict[tuple[str, str], list[tx.Melding]] = {}  # planted in the feedback
        self.bekostiging: dict[tuple[str, str], bool] = {}  # DUO's bekostigingsstatus, default J
        self._slot = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", poort), _handler(self))
        self._server.daemon_threads = True
        self._draad = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/rod/v2"

    def start(self) -> DuoStub:
        self._draad.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -------------------------------------------------------------------------------- SOAP

    def verwerken(self, envelope_bytes: bytes) -> tuple[int, bytes]:
        """One SOAP request: (HTTP status, body)."""
        storing = self.storingen.popleft() if self.storingen else None
        if storing == "5xx":
            self.aanroepen.append("5xx")
            return 503, b"<html><body><h1>503 Service Unavailable</h1></body></html>"
        if storing == "server":
            self.aanroepen.append("server")
            return 500, _fault("soap:Server", "Tijdelijke storing bij DUO, probeer het later opnieuw.")
        try:
            envelope = etree.fromstring(
                envelope_bytes, etree.XMLParser(resolve_entities=False, no_network=True)
            )
            actie, message_id, inhoud = self._uitpakken(envelope)
        except ValueError as exc:
            self.aanroepen.append("geweigerd")
            return 500, _fault("soap:Client", str(exc))
        operatie, _element = ACTIES[actie]
        with self._slot:
            ontvangen, melding = self._onthouden(inhoud)
        self.aanroepen.append(f"ontvangen:{ontvangen.document_id}" + (":dubbel" if melding else ""))
        if storing == "traag":
            time.sleep(self.vertraging)
        if storing == "kapot":
            return 200, b"<soap:Envelope><soap:Body><half"
        document_id = str(uuid.uuid4()) if storing == "vreemd" else ontvangen.document_id
        return 200, _bevestiging(operatie, message_id, document_id, ontvangen.tijd, melding)

    def _uitpakken(self, envelope) -> tuple[str, str, bytes]:
        header = envelope.find(f"{{{SOAP}}}Header")
        actie = header.findtext(f"{{{WSA}}}Action") if header is not None else None
        message_id = header.findtext(f"{{{WSA}}}MessageID") if header is not None else None
        if actie not in ACTIES or not message_id or header.find(f"{{{WSA}}}To") is None:
            raise ValueError("WS-Addressing: Action, MessageID en To zijn verplicht.")
        if self.certificaat is not None:
            problemen = ondertekening.controleren(envelope, self.certificaat)
            if problemen:
                raise ValueError(" ".join(problemen))
        verzoek = envelope.find(f"{{{SOAP}}}Body/{{{DIENST}}}{ACTIES[actie][0]}_Request")
        if verzoek is None or len(verzoek) != 1:
            raise ValueError("De body bevat niet precies één bericht.")
        if etree.QName(verzoek[0]).localname != ACTIES[actie][1]:
            raise ValueError("Het bericht past niet bij de operatie.")
        inhoud = etree.tostring(verzoek[0])
        fouten = bericht_lezen.valideren(inhoud)
        if fouten:
            raise ValueError("Het bericht volgt het schema niet: " + "; ".join(fouten[:5]))
        return actie, message_id, inhoud

    def _onthouden(self, inhoud: bytes) -> tuple[Ontvangen, str]:
        b = bericht_lezen.lezen(inhoud)
        document_id = str(b.document_id)
        if document_id in self.ontvangen:
            return self.ontvangen[document_id], "Dit bericht is al ontvangen; het is niet opnieuw verwerkt."
        nu = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        self.ontvangen[document_id] = Ontvangen(document_id, nu, inhoud, b)
        sleutel = (b.brin, b.volgnummer)
        if isinstance(b, bericht.VerwijderBericht):
            self.stand.pop(sleutel, None)
        else:
            self.stand[sleutel] = b
        self.verwerkt += 1
        return self.ontvangen[document_id], ""

    # -------------------------------------------------------------------------------- feedback

    def terugkoppeling(self, brin: str, teldatum: datetime.date, status: str = "V") -> bytes:
        """DUO's judgement of every enrolment it holds for ``brin`` on ``teldatum``."""
        regels = []
        for (b, volgnummer), ins in sorted(self.stand.items()):
            if b != brin or ins.datum_inschrijving > teldatum:
                continue
            periode = _periode_op(ins, teldatum)
            indicatie = periode.indicatie_bekostigbaar if periode else None
            regels.append(
                tx.Regel(
                    volgnummer=volgnummer,
                    document_id=ins.document_id,
                    teldatum=teldatum,
                    status=status,
                    indicatie_bekostigbaar=indicatie,
                    bekostigd=self.bekostiging.get((b, volgnummer), bool(indicatie)),
                    leerroute=periode.leerroute if periode else "",
                    leerroutefase=periode.leerroutefase if periode else "",
                    meldingen=list(self.signalen.get((b, volgnummer), [])),
                )
            )
        nu = datetime.datetime.now(datetime.UTC)
        return tx.schrijven(tx.Terugkoppeling(brin=brin, aangemaakt=nu, regels=regels))

    def momentopname(self, brin: str) -> bytes:
        inschrijvingen = [ins for (b, _v), ins in sorted(self.stand.items()) if b == brin]
        nu = datetime.datetime.now(datetime.UTC)
        return tx.momentopname_schrijven(
            tx.Momentopname(brin=brin, aangemaakt=nu, inschrijvingen=inschrijvingen)
        )


def _periode_op(ins, datum: datetime.date):
    for p in reversed(ins.perioden):
        if p.begin <= datum:
            return p
    return None


def _envelope(body: etree._Element, header: list | None = None) -> bytes:
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, "wsa": WSA})
    if header:
        etree.SubElement(env, f"{{{SOAP}}}Header").extend(header)
    etree.SubElement(env, f"{{{SOAP}}}Body").append(body)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _fault(code: str, tekst: str) -> bytes:
    fault = etree.Element(f"{{{SOAP}}}Fault")
    etree.SubElement(fault, "faultcode").text = code
    etree.SubElement(fault, "faultstring").text = tekst
    return _envelope(fault)


def _bevestiging(operatie: str, message_id: str, document_id: str, tijd, melding: str) -> bytes:
    antwoord = etree.Element(f"{{{DIENST}}}{operatie}_Response", nsmap={"d": DIENST})
    etree.SubElement(antwoord, f"{{{DIENST}}}documentId").text = document_id
    etree.SubElement(antwoord, f"{{{DIENST}}}ontvangstBevestiging").text = "J"
    etree.SubElement(antwoord, f"{{{DIENST}}}tijdOntvangst").text = tijd.isoformat().replace("+00:00", "Z")
    if melding:
        etree.SubElement(antwoord, f"{{{DIENST}}}melding").text = melding
    actie = etree.Element(f"{{{WSA}}}Action")
    actie.text = f"{DIENST}/{operatie}Response"
    relates = etree.Element(f"{{{WSA}}}RelatesTo")
    relates.text = message_id
    return _envelope(antwoord, [actie, relates])


def _handler(stub: DuoStub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            lengte = int(self.headers.get("Content-Length") or 0)
            status, body = stub.verwerken(self.rfile.read(lengte))
            soort = "text/html" if body.startswith(b"<html") else "text/xml; charset=utf-8"
            self._antwoord(status, body, soort)

        def do_GET(self):
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path.endswith("/terugkoppeling"):
                teldatum = datetime.date.fromisoformat(q["teldatum"])
                body = stub.terugkoppeling(q["brin"], teldatum, q.get("status", "V"))
            elif url.path.endswith("/momentopname"):
                body = stub.momentopname(q["brin"])
            else:
                self._antwoord(404, b"niet gevonden", "text/plain")
                return
            self._antwoord(200, body, "application/xml")

        def _antwoord(self, status: int, body: bytes, soort: str):
            try:
                self.send_response(status)
                self.send_header("Content-Type", soort)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        def log_message(self, *args):  # quiet: the suite's output stays readable
            pass

    return Handler
