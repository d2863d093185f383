"""Printing: aligned tables, and the footer every benchmark and evaluation ends with (command, date, machine)."""
from __future__ import annotations

import datetime as dt
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from bot.settings import ROOT


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(v).ljust(w) for v, w in zip(r, widths)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))


def machine_description() -> dict[str, str]:
    uname = " ".join([platform.system(), platform.release(), platform.machine()])
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"uname": uname, "nproc": str(os.cpu_count()), "cpu": cpu}


def command_line(module: str, argv: Sequence[str] | None = None) -> str:
    """The command that is running, as one would type it from the project root."""
    python = Path(sys.executable)
    try:
        python_text = str(python.relative_to(ROOT))
    except ValueError:
        python_text = str(python)
    args = list(sys.argv[1:] if argv is None else argv)
    return " ".join([f"PYTHONPATH=. {python_text} -m {module}", *(shlex.quote(a) for a in args)])


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def footer(module: str, argv: Sequence[str] | None = None) -> None:
    m = machine_description()
    print()
    print(f"command: {command_line(module, argv)}")
    print(f"commit:  {git_commit()} (plus any uncommitted changes)")
    print(f"date:    {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine: {m['uname']}, {m['nproc']} CPUs ({m['cpu']})")
