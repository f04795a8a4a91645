"""The SOAP transport: one ROD message per call, Edukoppeling (WUS) style, with zeep.

- SOAP 1.1, document/literal, our own contract ``leerroute-rod-dienst-v2.wsdl`` (the operations
  aanleverenInschrijving / aanleverenVerwijdering, shaped like DUO's public 2018 contract);
- WS-Addressing: zeep adds Action, MessageID and To because the WSDL names a ``wsam:Action``;
- signing (WS-Security, XML-DSig RSA-SHA256 over the body, the timestamp and the addressing
  headers) with a configured certificate and key, when both are configured. It needs the
  ``xmlsec`` package; configured but not importable is a temporary error, so messages stay queued
  instead of going out unsigned;
- TLS with a client certificate, to a configurable endpoint (``settings.LEERROUTE_ROD_SOAP``).

The synchronous answer is only a receipt. Everything that may pass (no answer in time, no
connection, HTTP 5xx, an answer we cannot read, a receipt for another document, a soap:Server
fault) is a ``TijdelijkeFout``: the queue retries with backoff, with the same document id, which
the receiver answers idempotently. Only a message the receiver refuses (a soap:Client fault) is a
``DefinitieveFout``.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import uuid
from pathlib import Path

import requests
import zeep
import zeep.exceptions
from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

from registratie.rod.transport import DefinitieveFout, Ontvangst, TijdelijkeFout
from samenwerking.logfilter import maskeer_nummers

WSDL = Path(__file__).with_name("leerroute-rod-dienst-v2.wsdl")
DIENST_NS = "urn:leerroute:rod:dienst:v2"
# The operation follows the message's root element (bericht.py): a deletion has its own.
OPERATIE = {"verwijderBericht": "aanleverenVerwijdering", "inschrijvingBericht": "aanleverenInschrijving"}


@dataclasses.dataclass(frozen=True)
class SoapConfig:
    """One instelling's connection to the receiver (from settings.LEERROUTE_ROD_SOAP)."""

    endpoint: str
    timeout: float = 30.0
    tls_certificaat: str = ""
    tls_sleutel: str = ""
    ca_bundel: str = ""
    onderteken_certificaat: str = ""
    onderteken_sleutel: str = ""
    onderteken_wachtwoord: str = ""

    @property
    def ondertekenen(self) -> bool:
        return bool(self.onderteken_certificaat and self.onderteken_sleutel)


def config_voor(brin: str | None) -> SoapConfig:
    """The defaults of LEERROUTE_ROD_SOAP, overlaid with its ``per_brin[brin]`` entry."""
    instellingen = dict(getattr(settings, "LEERROUTE_ROD_SOAP", {}) or {})
    eigen = (instellingen.pop("per_brin", None) or {}).get(brin or "", {})
    velden = {f.name for f in dataclasses.fields(SoapConfig)}
    waarden = {k: v for k, v in {**instellingen, **eigen}.items() if k in velden and v not in (None, "")}
    if not waarden.get("endpoint"):
        raise TijdelijkeFout(
            _("Geen SOAP-adres ingesteld voor %(brin)s (LEERROUTE_ROD_SOAP['endpoint']).") % {"brin": brin}
        )
    waarden["timeout"] = float(waarden.get("timeout", SoapConfig.timeout))
    return SoapConfig(**waarden)


class SoapTransport:
    """Sends one message per call; see the module docstring for the error mapping."""

    def __init__(self, instelling=None, *, config: SoapConfig | None = None):
        self.instelling = instelling
        self._config = config

    @property
    def config(self) -> SoapConfig:
        if self._config is None:
            self._config = config_voor(getattr(self.instelling, "brin", None))
        return self._config

    def verzenden(self, bericht, xml: bytes) -> Ontvangst:
        document_id = str(bericht.document_id)
        inhoud = etree.fromstring(xml)
        operatie = OPERATIE.get(etree.QName(inhoud).localname)
        if operatie is None:
            raise DefinitieveFout(
                _("Onbekend soort bericht: %(el)s.") % {"el": etree.QName(inhoud).localname}
            )
        try:
            antwoord = getattr(_dienst(self.config), operatie)(_value_1=inhoud)
        except zeep.exceptions.Fault as fout:
            raise _fout_van(fout) from fout
        except requests.Timeout as exc:
            raise TijdelijkeFout(
                _("DUO gaf geen antwoord binnen %(s)s seconden.") % {"s": f"{self.config.timeout:g}"}
            ) from exc
        except requests.ConnectionError as exc:
            raise TijdelijkeFout(
                _("Geen verbinding met DUO (%(fout)s).") % {"fout": type(exc).__name__}
            ) from exc
        except zeep.exceptions.TransportError as exc:
            if exc.status_code >= 300:
                raise TijdelijkeFout(
                    _("DUO antwoordde met HTTP %(code)s.") % {"code": exc.status_code}
                ) from exc
            raise TijdelijkeFout(_("Het antwoord van DUO is onleesbaar (geen SOAP).")) from exc
        except (zeep.exceptions.Error, etree.LxmlError, ValueError, AttributeError) as exc:
            raise TijdelijkeFout(
                _("Het antwoord van DUO is onleesbaar (%(fout)s).") % {"fout": type(exc).__name__}
            ) from exc
        return _ontvangst(antwoord, document_id)


def _fout_van(fout: zeep.exceptions.Fault) -> Exception:
    """soap:Client: the receiver refuses this message as it is; anything else may pass."""
    code = str(fout.code or "")
    tekst = maskeer_nummers((fout.message or "").strip())[:1000]  # shown on the queue screen
    if code.rsplit(":", 1)[-1].rsplit("}", 1)[-1] == "Client":
        return DefinitieveFout(_("DUO weigert het bericht: %(tekst)s") % {"tekst": tekst})
    return TijdelijkeFout(_("DUO meldt een storing: %(tekst)s") % {"tekst": tekst})


def _ontvangst(antwoord, document_id: str) -> Ontvangst:
    """A receipt counts only if it names this document and says J."""
    gekregen = str(getattr(antwoord, "documentId", "") or "").strip()
    if gekregen != document_id or getattr(antwoord, "ontvangstBevestiging", None) != "J":
        raise TijdelijkeFout(
            _("Het antwoord van DUO hoort niet bij dit bericht; het wordt opnieuw verzonden.")
        )
    tijd = antwoord.tijdOntvangst
    if not isinstance(tijd, datetime.datetime):
        raise TijdelijkeFout(_("Het antwoord van DUO is onleesbaar (geen tijd van ontvangst)."))
    tijd = tijd.astimezone(datetime.UTC) if tijd.tzinfo else tijd.replace(tzinfo=datetime.UTC)
    return Ontvangst(
        document_id=uuid.UUID(document_id), ontvangen=True, tijd=tijd, melding=antwoord.melding or ""
    )


class _HttpTransport(zeep.Transport):
    """zeep reads any well-formed error page as an unknown SOAP fault; an HTTP error that is not
    XML is an HTTP error (503 from a proxy, say), reported as such."""

    def post_xml(self, address, envelope, headers):
        response = super().post_xml(address, envelope, headers)
        if response.status_code >= 400 and "xml" not in response.headers.get("Content-Type", ""):
            raise zeep.exceptions.TransportError(status_code=response.status_code)
        return response


@functools.lru_cache(maxsize=16)
def _dienst(config: SoapConfig):
    """The service proxy for one configuration, bound to its endpoint (the WSDL is parsed once
    per process and configuration)."""
    sessie = requests.Session()
    if config.tls_certificaat:
        sessie.cert = (
            (config.tls_certificaat, config.tls_sleutel) if config.tls_sleutel else config.tls_certificaat
        )
    sessie.verify = config.ca_bundel or True
    transport = _HttpTransport(session=sessie, timeout=config.timeout, operation_timeout=config.timeout)
    wsse = None
    if config.ondertekenen:
        from registratie.rod.ondertekening import Ondertekening

        wsse = Ondertekening.uit_bestanden(
            config.onderteken_sleutel, config.onderteken_certificaat, config.onderteken_wachtwoord
        )
    client = zeep.Client(str(WSDL), transport=transport, wsse=wsse)
    return client.create_service(f"{{{DIENST_NS}}}LeerrouteRodDienst_V2_Binding", config.endpoint)
