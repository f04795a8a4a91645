"""What the benchmark commands share: peak memory, Dutch number format, a measured child process."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


def piek_rss_mb() -> float:
    """Peak RSS of this process in MiB. On Linux VmHWM: ru_maxrss survives exec(), so in a child
    process it would include the parent's peak (the data generator's)."""
    try:
        with open("/proc/self/status") as fh:
            for regel in fh:
                if regel.startswith("VmHWM:"):
                    return int(regel.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def getal(n: float) -> str:
    """12.345 (Dutch thousands separator)."""
    return f"{n:,.0f}".replace(",", ".")


def kindproces(argumenten: list[str], env: dict) -> str:
    """Run ``manage.py <argumenten>`` in a fresh process (its own memory peak); its stdout."""
    manage = Path(settings.BASE_DIR) / "manage.py"
    r = subprocess.run(
        [sys.executable, str(manage), *argumenten], env=env, capture_output=True, text=True, check=False
    )
    if r.returncode != 0:
        raise CommandError(f"{' '.join(argumenten[:1])} mislukte:\n{r.stderr[-3000:]}")
    return r.stdout
