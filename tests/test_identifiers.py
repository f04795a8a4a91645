"""Identifiers (DOMAIN.md, 'Identifiers'): BSN, onderwijsnummer, BRIN, vestigingscode, crebo.

The validators are properties over all inputs, so they are tested with hypothesis; the model
level (exactly one number per student, no duplicates) against the real database.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import onderwijsnummer as stdnum_onderwijsnummer

from leerroute.models import Kwalificatie
from registratie.models import Leerling
from samenwerking.identifiers import (
    bsn_with_check_digit,
    onderwijsnummer_with_check_digit,
    validate_brin,
    validate_bsn,
    validate_crebo,
    validate_onderwijsnummer,
    validate_vestigingscode,
)
from samenwerking.models import Instelling, Vestiging
from tests.factories import InstellingFactory, LeerlingFactory

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
eight_digits = st.text(alphabet="0123456789", min_size=8, max_size=8)
six_digits = st.text(alphabet="0123456789", min_size=6, max_size=6)
nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def accepted(validator, value) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


@st.composite
def valid_bsns(draw):
    value = bsn_with_check_digit(draw(eight_digits))
    assume(value is not None and value != "000000000")
    return value


@st.composite
def valid_onderwijsnummers(draw):
    value = onderwijsnummer_with_check_digit("10" + draw(six_digits))
    assume(value is not None)
    return value


def change_one_digit(value: str, position: int, digit: str) -> str:
    assume(value[position] != digit)
    return value[:position] + digit + value[position + 1 :]


# --- BSN ------------------------------------------------------------------------------------------


@given(valid_bsns())
def test_every_generated_bsn_validates(value):
    validate_bsn(value)
    assert stdnum_bsn.is_valid(value)


@given(valid_bsns(), st.integers(min_value=0, max_value=8), digits)
def test_any_single_digit_change_of_a_bsn_is_refused(value, position, digit):
    changed = change_one_digit(value, position, digit)
    assert not accepted(validate_bsn, changed)


@given(nine_digits)
def test_bsn_validator_agrees_with_stdnum_on_nine_digits(value):
    assert accepted(validate_bsn, value) == stdnum_bsn.is_valid(value)


@given(st.text(alphabet="0123456789", min_size=1, max_size=8))
def test_bsn_shorter_than_nine_digits_is_refused(value):
    # stdnum pads with zeros; a stored BSN is always the full nine digits, so that the same
    # person cannot be stored twice as "12345672" and "012345672".
    assert not accepted(validate_bsn, value)


def test_bsn_with_separators_is_refused():
    assert accepted(validate_bsn, "111222333")
    for value in ("1112.2333", "11122-333", " 11122333"):
        assert not accepted(validate_bsn, value)


def test_bsn_of_only_zeros_is_refused():
    assert not accepted(validate_bsn, "000000000")


# --- Onderwijsnummer ------------------------------------------------------------------------------


@given(valid_onderwijsnummers())
def test_every_generated_onderwijsnummer_validates(value):
    validate_onderwijsnummer(value)
    assert value.startswith("10")
    total = sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])
    assert total % 11 == 5


@given(valid_onderwijsnummers(), st.integers(min_value=0, max_value=8), digits)
def test_any_single_digit_change_of_an_onderwijsnummer_is_refused(value, position, digit):
    changed = change_one_digit(value, position, digit)
    assert not accepted(validate_onderwijsnummer, changed)


@given(nine_digits)
def test_onderwijsnummer_validator_agrees_with_stdnum(value):
    assert accepted(validate_onderwijsnummer, value) == stdnum_onderwijsnummer.is_valid(value)


@given(valid_onderwijsnummers())
def test_an_onderwijsnummer_is_never_accepted_as_bsn(value):
    with pytest.raises(ValidationError) as exc:
        validate_bsn(value)
    assert exc.value.code == "bsn_is_onderwijsnummer"
    assert "onderwijsnummer" in exc.value.messages[0]


@given(valid_bsns())
def test_a_bsn_is_never_accepted_as_onderwijsnummer(value):
    assert not accepted(validate_onderwijsnummer, value)


def test_onderwijsnummer_must_start_with_10():
    # Same weighted sum as a valid onderwijsnummer, but the prefix is 11.
    value = onderwijsnummer_with_check_digit("11000000") or onderwijsnummer_with_check_digit("11000001")
    assert value is not None
    assert not accepted(validate_onderwijsnummer, value)


# --- BRIN, vestigingscode, crebo ------------------------------------------------------------------


@given(st.from_regex(r"\A[0-9]{2}[A-Z]{2}\Z"))
def test_every_brin_of_two_digits_and_two_letters_validates(value):
    validate_brin(value)


@given(st.text(max_size=8))
def test_brin_of_any_other_shape_is_refused(value):
    import re

    assume(not re.fullmatch(r"[0-9]{2}[A-Za-z]{2}", value))
    assert not accepted(validate_brin, value)


def test_brin_with_vestiging_digits_is_not_an_instelling_brin():
    assert not accepted(validate_brin, "25LG01")


@given(st.from_regex(r"\A[0-9]{2}[A-Z]{2}[0-9]{2}\Z"))
def test_every_vestigingscode_validates(value):
    validate_vestigingscode(value)


@given(st.text(max_size=9))
def test_vestigingscode_of_any_other_shape_is_refused(value):
    import re

    assume(not re.fullmatch(r"[0-9]{2}[A-Za-z]{2}[0-9]{2}", value))
    assert not accepted(validate_vestigingscode, value)


@given(st.from_regex(r"\A[0-9]{5}\Z"))
def test_every_five_digit_crebo_validates(value):
    validate_crebo(value)


@given(st.text(max_size=7))
def test_crebo_that_is_not_exactly_five_digits_is_refused(value):
    import re

    assume(not re.fullmatch(r"[0-9]{5}", value))
    assert not accepted(validate_crebo, value)


def test_crebo_with_trailing_newline_is_refused():
    assert not accepted(validate_crebo, "12345\n")


# --- Model level ----------------------------------------------------------------------------------


def _leerling(**kwargs) -> Leerling:
    defaults = {"achternaam": "Visser", "geboortedatum": datetime.date(2011, 5, 1)}
    return Leerling(instelling=InstellingFactory(), **(defaults | kwargs))


EEN_NUMMER = "Een leerling heeft precies één persoonsgebonden nummer"


@pytest.mark.django_db
def test_leerling_with_both_numbers_is_refused():
    leerling = _leerling(bsn="111222333", onderwijsnummer=onderwijsnummer_with_check_digit("10000001"))
    with pytest.raises(ValidationError) as exc:
        leerling.full_clean()
    assert any(m.startswith(EEN_NUMMER) for m in exc.value.messages)


@pytest.mark.django_db
def test_leerling_with_neither_number_is_refused():
    leerling = _leerling(bsn="", onderwijsnummer="")
    with pytest.raises(ValidationError) as exc:
        leerling.full_clean()
    assert any(m.startswith(EEN_NUMMER) for m in exc.value.messages)


@pytest.mark.django_db
def test_leerling_with_only_an_onderwijsnummer_is_accepted_and_bsn_stored_as_null():
    leerling = _leerling(bsn="", onderwijsnummer=onderwijsnummer_with_check_digit("10000001"))
    leerling.full_clean()
    leerling.save()
    leerling.refresh_from_db()
    assert leerling.bsn is None


@pytest.mark.django_db
def test_database_refuses_a_leerling_with_both_numbers_even_without_full_clean():
    with pytest.raises(IntegrityError), transaction.atomic():
        _leerling(bsn="111222333", onderwijsnummer=onderwijsnummer_with_check_digit("10000001")).save()


@pytest.mark.django_db
def test_duplicate_bsn_is_refused():
    bestaand = LeerlingFactory()
    dubbel = _leerling(bsn=bestaand.bsn)
    with pytest.raises(ValidationError) as exc:
        dubbel.full_clean()
    assert "Er is al een leerling met dit BSN." in exc.value.messages


@pytest.mark.django_db
def test_duplicate_onderwijsnummer_is_refused():
    bestaand = LeerlingFactory(zonder_bsn=True)
    dubbel = _leerling(bsn=None, onderwijsnummer=bestaand.onderwijsnummer)
    with pytest.raises(ValidationError) as exc:
        dubbel.full_clean()
    assert "Er is al een leerling met dit onderwijsnummer." in exc.value.messages


@pytest.mark.django_db
def test_two_students_without_bsn_are_not_duplicates():
    LeerlingFactory(zonder_bsn=True)
    tweede = _leerling(bsn="", onderwijsnummer=onderwijsnummer_with_check_digit("10000001"))
    tweede.full_clean()  # NULL BSNs do not collide


@pytest.mark.django_db
def test_leerling_with_invalid_bsn_is_refused_on_the_field():
    leerling = _leerling(bsn="111222334")
    with pytest.raises(ValidationError) as exc:
        leerling.full_clean()
    assert "bsn" in exc.value.message_dict


@pytest.mark.django_db
def test_leerling_with_onderwijsnummer_in_the_bsn_field_is_told_so():
    leerling = _leerling(bsn=onderwijsnummer_with_check_digit("10000001"))
    with pytest.raises(ValidationError) as exc:
        leerling.full_clean()
    assert exc.value.message_dict["bsn"][0].startswith("Dit is een onderwijsnummer")


@pytest.mark.django_db
def test_instelling_brin_is_stored_in_capitals_and_unique():
    bestaand = InstellingFactory()
    nieuw = Instelling(bestuur=bestaand.bestuur, naam="Nieuw", brin="99zz", soort="vo")
    nieuw.full_clean()
    assert nieuw.brin == "99ZZ"
    dubbel = Instelling(bestuur=bestaand.bestuur, naam="Dubbel", brin=bestaand.brin.lower(), soort="vo")
    with pytest.raises(ValidationError) as exc:
        dubbel.full_clean()
    assert exc.value.message_dict["brin"] == ["Er is al een instelling met deze BRIN-code."]


@pytest.mark.django_db
def test_instelling_with_invalid_brin_is_refused():
    instelling = Instelling(bestuur=InstellingFactory().bestuur, naam="X", brin="2LGG", soort="vo")
    with pytest.raises(ValidationError) as exc:
        instelling.full_clean()
    assert exc.value.message_dict["brin"][0].startswith("Ongeldige BRIN-code")


@pytest.mark.django_db
def test_vestigingscode_must_start_with_the_brin_of_its_instelling():
    instelling = InstellingFactory(brin="25LG")
    Vestiging(instelling=instelling, code="25LG01", naam="Hoofdvestiging").full_clean()
    with pytest.raises(ValidationError) as exc:
        Vestiging(instelling=instelling, code="26LG01", naam="Elders").full_clean()
    assert "25LG" in exc.value.message_dict["code"][0]


@pytest.mark.django_db
def test_kwalificatie_crebo_must_be_five_digits():
    Kwalificatie(crebo="95180", naam="Medewerker", niveau=2).full_clean()
    with pytest.raises(ValidationError) as exc:
        Kwalificatie(crebo="2518", naam="Medewerker", niveau=2).full_clean()
    assert exc.value.message_dict["crebo"] == ["Ongeldige crebo-code: precies vijf cijfers."]
