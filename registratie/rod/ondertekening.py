"""WS-Security signing of a SOAP envelope, as the Edukoppeling WUS profile asks: an XML-DSig
signature (exclusive c14n, RSA-SHA256, SHA-256 digests) over the body, a wsu:Timestamp and the
WS-Addressing headers, with the certificate as a BinarySecurityToken.

zeep's own ``BinarySignature`` signs only the body and the timestamp, so this plugin builds the
signature itself (with xmlsec, through zeep's helpers for ids and the security header). Used by
``registratie.rod.soap`` when a certificate and key are configured; ``controleren`` is what a
receiver (the stub service in the tests) does with it.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree
from zeep import ns
from zeep.wsse.utils import WSU, ensure_id, get_security_header

from registratie.rod.transport import TijdelijkeFout

try:
    import xmlsec
except ImportError:  # optional: only needed when signing is configured
    xmlsec = None

WSSE_X509 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
WSSE_BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
GELDIG = datetime.timedelta(minutes=5)  # how long a signed message counts as fresh


def beschikbaar() -> bool:
    return xmlsec is not None


class Ondertekening:
    """A zeep ``wsse`` plugin: ``apply(envelope, headers)`` signs the envelope in place."""

    def __init__(self, sleutel: bytes, certificaat: bytes, wachtwoord: str = ""):
        if xmlsec is None:
            raise TijdelijkeFout(
                _(
                    "Ondertekenen is ingesteld, maar het pakket xmlsec ontbreekt; "
                    "de berichten blijven in de wachtrij."
                )
            )
        self.sleutel = sleutel
        self.certificaat = certificaat
        self.wachtwoord = wachtwoord or None

    @classmethod
    def uit_bestanden(cls, sleutel: str, certificaat: str, wachtwoord: str = "") -> Ondertekening:
        return cls(Path(sleutel).read_bytes(), Path(certificaat).read_bytes(), wachtwoord)

    def apply(self, envelope, headers):
        soap_env = etree.QName(envelope).namespace
        security = get_security_header(envelope)
        nu = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        timestamp = WSU.Timestamp(WSU.Created(_iso(nu)), WSU.Expires(_iso(nu + GELDIG)))
        security.append(timestamp)
        token = etree.SubElement(
            security,
            etree.QName(ns.WSSE, "BinarySecurityToken"),
            ValueType=WSSE_X509,
            EncodingType=WSSE_BASE64,
        )
        token.text = _der_base64(self.certificaat)

        signature = xmlsec.template.create(envelope, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256)
        security.insert(0, signature)
        key_info = xmlsec.template.ensure_key_info(signature)
        verwijzing = etree.SubElement(
            etree.SubElement(key_info, etree.QName(ns.WSSE, "SecurityTokenReference")),
            etree.QName(ns.WSSE, "Reference"),
            ValueType=WSSE_X509,
        )
        verwijzing.set("URI", "#" + ensure_id(token))

        ctx = xmlsec.SignatureContext()
        ctx.key = xmlsec.Key.from_memory(self.sleutel, xmlsec.KeyFormat.PEM, self.wachtwoord)
        for node in [envelope.find(etree.QName(soap_env, "Body")), timestamp, *_adressering(envelope)]:
            _verwijzen(ctx, signature, node)
        ctx.sign(signature)
        return envelope, headers

    def verify(self, envelope):
        """zeep calls this on every answer. The receipt decides nothing (the content check comes
        later, as feedback by another route) and DUO's certificate is not configured, so the
        answer's signature is not checked; TLS authenticates the endpoint."""
        return envelope


def _iso(t: datetime.datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _der_base64(pem: bytes) -> str:
    """The certificate's DER bytes in base64: the PEM body without its armour lines."""
    regels = pem.decode("ascii").strip().splitlines()
    return "".join(r for r in regels if not r.startswith("-----"))


def _adressering(envelope) -> list:
    header = envelope.find(etree.QName(etree.QName(envelope).namespace, "Header"))
    return [] if header is None else [el for el in header if etree.QName(el).namespace == ns.WSA]


def _verwijzen(ctx, signature, node) -> None:
    """Add a reference to ``node`` (by its wsu:Id) to the signature."""
    node_id = ensure_id(node)
    ctx.register_id(node, "Id", ns.WSU)
    ref = xmlsec.template.add_reference(signature, xmlsec.Transform.SHA256, uri="#" + node_id)
    xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)


def controleren(envelope, certificaat: bytes) -> list[str]:
    """What a receiver checks: a valid signature by this certificate that covers the body and
    the addressing headers. Returns the problems (empty when it holds)."""
    if xmlsec is None:
        return [_("xmlsec ontbreekt: de handtekening kan niet worden gecontroleerd.")]
    soap_env = etree.QName(envelope).namespace
    signature = envelope.find(f".//{{{ns.DS}}}Signature")
    if signature is None:
        return [_("Het bericht is niet ondertekend.")]
    ctx = xmlsec.SignatureContext()
    ondertekend = set()
    for ref in signature.iterfind(f"{{{ns.DS}}}SignedInfo/{{{ns.DS}}}Reference"):
        gevonden = envelope.xpath("//*[@wsu:Id=$id]", namespaces={"wsu": ns.WSU}, id=ref.get("URI", "")[1:])
        if gevonden:
            ctx.register_id(gevonden[0], "Id", ns.WSU)
            ondertekend.add(gevonden[0])
    ctx.key = xmlsec.Key.from_memory(certificaat, xmlsec.KeyFormat.CERT_PEM, None)
    try:
        ctx.verify(signature)
    except xmlsec.Error:
        return [_("De handtekening klopt niet.")]
    verplicht = [envelope.find(etree.QName(soap_env, "Body")), *_adressering(envelope)]
    if any(node not in ondertekend for node in verplicht):
        return [_("De handtekening dekt de body en de adresseringskoppen niet allemaal.")]
    return []
