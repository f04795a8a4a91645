"""The SOAP transport (registratie/rod/soap.py) against the stub DUO service, a real HTTP server
on 127.0.0.1: a receipt per message, WS-Addressing, validation by the receiver, idempotent
resends, and every injected fault mapped to a temporary or a definitive error."""

from __future__ import annotations

import datetime
import uuid

import pytest
from lxml import etree

from registratie.rod import bericht, bericht_lezen, ondertekening, soap, transport
from registratie.rod.transport import DefinitieveFout, TijdelijkeFout
from tests.conftest import missing_service
from tests.registratie.rod_helpers import leerling_in_route, route_met_vestigingen

pytestmark = pytest.mark.django_db


@pytest.fixture
def vo_bericht():
    vo, _mbo = leerling_in_route(route_met_vestigingen())
    b = bericht.bericht_van(vo, document_id=uuid.uuid4())
    return vo, b, bericht.naar_xml(b)


def test_the_instelling_on_soap_gets_the_soap_transport(soap_naar_stub, vo_bericht):
    vo, _b, _xml = vo_bericht
    t = transport.transport_voor(vo.instelling)
    assert isinstance(t, soap.SoapTransport)
    assert t.config.endpoint == soap_naar_stub.url


def test_a_message_gets_a_receipt_and_the_receiver_holds_it(soap_naar_stub, vo_bericht):
    vo, b, xml = vo_bericht
    ontvangst = transport.transport_voor(vo.instelling).verzenden(b, xml)
    assert ontvangst.ontvangen is True
    assert ontvangst.document_id == b.document_id
    assert ontvangst.tijd.tzinfo is not None
    ontvangen = soap_naar_stub.ontvangen[str(b.document_id)]
    assert bericht_lezen.lezen(ontvangen.xml) == bericht_lezen.lezen(
        xml
    )  # as written, validated by the receiver
    assert soap_naar_stub.stand[(vo.instelling.brin, vo.inschrijvingsvolgnummer)] == bericht_lezen.lezen(xml)


def test_a_resend_with_the_same_document_id_is_answered_but_not_processed_twice(soap_naar_stub, vo_bericht):
    vo, b, xml = vo_bericht
    t = transport.transport_voor(vo.instelling)
    eerste = t.verzenden(b, xml)
    tweede = t.verzenden(b, xml)
    assert tweede.document_id == eerste.document_id and tweede.tijd == eerste.tijd
    assert "al ontvangen" in tweede.melding
    assert soap_naar_stub.verwerkt == 1
    assert len(soap_naar_stub.aanroepen) == 2


def test_a_deletion_goes_to_its_own_operation(soap_naar_stub, vo_bericht):
    vo, b, xml = vo_bericht
    t = transport.transport_voor(vo.instelling)
    t.verzenden(b, xml)
    weg = bericht.verwijderbericht_uit(bericht.bron_van(vo), document_id=uuid.uuid4())
    t.verzenden(weg, bericht.naar_xml(weg))
    assert (vo.instelling.brin, vo.inschrijvingsvolgnummer) not in soap_naar_stub.stand


@pytest.mark.parametrize(
    ("storing", "melding", "verwerkt_bij_storing"),
    [
        ("traag", "geen antwoord binnen 2 seconden", 1),  # processed, the answer came too late
        ("5xx", "HTTP 503", 0),
        ("kapot", "onleesbaar", 1),
        ("vreemd", "hoort niet bij dit bericht", 1),
        ("server", "storing", 0),
    ],
)
def test_each_fault_is_temporary_and_the_retry_counts_once(
    soap_naar_stub, vo_bericht, storing, melding, verwerkt_bij_storing
):
    vo, b, xml = vo_bericht
    t = transport.transport_voor(vo.instelling)
    soap_naar_stub.storingen.append(storing)
    with pytest.raises(TijdelijkeFout, match=melding):
        t.verzenden(b, xml)
    assert soap_naar_stub.verwerkt == verwerkt_bij_storing
    ontvangst = t.verzenden(b, xml)  # the retry: same document id
    assert ontvangst.document_id == b.document_id
    assert soap_naar_stub.verwerkt == 1  # never lost, never doubled


def test_no_connection_is_temporary(settings, vo_bericht):
    vo, b, xml = vo_bericht
    settings.LEERROUTE_ROD_TRANSPORT = {"standaard": "soap"}
    settings.LEERROUTE_ROD_SOAP = {"endpoint": "http://127.0.0.1:9/rod/v2", "timeout": 0.5}
    with pytest.raises(TijdelijkeFout, match="Geen verbinding"):
        transport.transport_voor(vo.instelling).verzenden(b, xml)


def test_without_an_endpoint_nothing_is_sent_and_the_message_stays(settings, vo_bericht):
    vo, b, xml = vo_bericht
    settings.LEERROUTE_ROD_SOAP = {"endpoint": "", "per_brin": {}}
    with pytest.raises(TijdelijkeFout, match="Geen SOAP-adres"):
        soap.SoapTransport(vo.instelling).verzenden(b, xml)


def test_per_brin_settings_override_the_defaults(settings):
    settings.LEERROUTE_ROD_SOAP = {
        "endpoint": "https://a",
        "timeout": 9,
        "per_brin": {"25LG": {"endpoint": "https://b"}},
    }
    assert soap.config_voor("25LG") == soap.SoapConfig(endpoint="https://b", timeout=9.0)
    assert soap.config_voor("30XY").endpoint == "https://a"


def test_a_message_the_receiver_refuses_is_definitive(soap_naar_stub, vo_bericht):
    vo, b, xml = vo_bericht
    kapot = xml.replace(b"<inschrijvingPeriode>", b"<inschrijvingPeriode><onbekend/>", 1)
    with pytest.raises(DefinitieveFout, match="volgt het schema niet"):
        transport.transport_voor(vo.instelling).verzenden(b, kapot)
    assert soap_naar_stub.verwerkt == 0


# ------------------------------------------------------------------------------------------ signing


@pytest.fixture
def certificaat(tmp_path):
    if not ondertekening.beschikbaar():
        missing_service("xmlsec is niet geïnstalleerd (pip install -e '.[dev]'): ondertekenen niet getest")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    sleutel = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    naam = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Leerroute test")])
    nu = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(naam)
        .issuer_name(naam)
        .public_key(sleutel.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(nu - datetime.timedelta(minutes=1))
        .not_valid_after(nu + datetime.timedelta(days=1))
        .sign(sleutel, hashes.SHA256())
    )
    sleutel_pad, cert_pad = tmp_path / "sleutel.pem", tmp_path / "cert.pem"
    sleutel_pad.write_bytes(
        sleutel.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_pad.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return sleutel_pad, cert_pad


def test_signed_messages_are_accepted_and_unsigned_ones_refused(
    soap_naar_stub, settings, vo_bericht, certificaat
):
    vo, b, xml = vo_bericht
    sleutel, cert = certificaat
    soap_naar_stub.certificaat = cert.read_bytes()
    with pytest.raises(DefinitieveFout, match="niet ondertekend"):
        transport.transport_voor(vo.instelling).verzenden(b, xml)
    settings.LEERROUTE_ROD_SOAP = {
        **settings.LEERROUTE_ROD_SOAP,
        "onderteken_certificaat": str(cert),
        "onderteken_sleutel": str(sleutel),
    }
    assert transport.transport_voor(vo.instelling).verzenden(b, xml).ontvangen
    assert soap_naar_stub.verwerkt == 1


def test_the_signature_covers_body_timestamp_and_addressing(certificaat):
    sleutel, cert = certificaat
    envelope = etree.fromstring(
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        b'xmlns:wsa="http://www.w3.org/2005/08/addressing"><s:Header>'
        b"<wsa:Action>urn:x</wsa:Action><wsa:MessageID>urn:uuid:1</wsa:MessageID><wsa:To>https://duo</wsa:To>"
        b"</s:Header><s:Body><bericht>inhoud</bericht></s:Body></s:Envelope>"
    )
    ondertekening.Ondertekening.uit_bestanden(str(sleutel), str(cert)).apply(envelope, {})
    pem = cert.read_bytes()
    assert ondertekening.controleren(envelope, pem) == []
    referenties = envelope.findall(".//{http://www.w3.org/2000/09/xmldsig#}Reference")
    assert len(referenties) == 5  # body, timestamp, Action, MessageID, To

    envelope.find(".//bericht").text = "gewijzigd"
    assert ondertekening.controleren(envelope, pem) == ["De handtekening klopt niet."]
