"""ROD delivery, format 1 (the batch file of our own), kept for deliveries made in it and for the
``rod_export`` command; format 2 (one message per enrolment through the queue) is in bericht.py,
wachtrij.py, verzenden.py and transport.py.

The format 1 code is split by responsibility:

- ``v1_export``: the run per instelling (lock, transaction, storing the file, the RodLevering row);
- ``v1_bouwen``: merging the streams and deciding per key, writing the file;
- ``v1_stand``: applying the state changes (RodStand, signals of held records);
- ``v1_terugkoppeling``: importing ROD's response.

This module keeps the names the rest of the code (and older imports) use.
"""

from __future__ import annotations

from registratie.models import (
    SIGNAAL_OPEN,  # noqa: F401
    RodLevering,
)
from registratie.rod.v1_bouwen import (  # noqa: F401
    BATCH,
    BRON,
    DEZE_LEVERING,
    INGETROKKEN_HASH,
    LOCK,
    signaal_sleutel_afgekeurd,
    signaal_sleutel_vastgehouden,
    zout,
)
from registratie.rod.v1_export import Resultaat, bestandsnaam, levering_maken, rod_exporteren  # noqa: F401
from registratie.rod.v1_terugkoppeling import TerugkoppelingResultaat, terugkoppeling_inlezen  # noqa: F401
from samenwerking import audit
from samenwerking.models import AuditActie, Kanaal


def levering_gedownload(*, levering: RodLevering, door, kanaal: str = Kanaal.UI) -> None:
    """Record that someone took the delivery file: it holds the students' BSNs."""
    audit.record(levering, actie=AuditActie.BSN_BEKEKEN, door=door, kanaal=kanaal)
