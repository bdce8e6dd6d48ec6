"""Run mutmut's mutants each in a fresh pytest process, and say what share the tests kill.

    .venv/bin/pip install -e '.[mutation]'
    .venv/bin/mutmut run            # makes mutants/ first; stop it (Ctrl-C) once it says "Running stats"
    .venv/bin/python tools/mutants.py leafdream.model.modelfile -- tests/test_modelfile.py tests/test_hostile_input.py

mutmut forks its own process for each mutant. Once the tests have started numba's, OpenCV's or
mediapipe's thread pools there, a forked child inherits them dead and hangs until mutmut's timeout,
so nearly every mutant came back "timeout" whatever the tests would have said. A fresh interpreter
per mutant gives each a real verdict. Prints one line per mutant (name, verdict, seconds) and the
share killed at the end; the pytest arguments after ``--`` choose the tests that cover the module.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor


def mutant_names(prefix: str) -> list[str]:
    """The names of mutmut's mutants whose name starts with ``prefix`` (a module's dotted name)."""
    listing = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], capture_output=True,
                             text=True, check=True).stdout
    names = (line.split(":")[0].strip() for line in listing.splitlines() if ":" in line)
    return [name for name in names if name.startswith(prefix)]


def verdict(name: str, tests: list[str], timeout: float) -> tuple[str, float]:
    """(killed | survived | timeout | exit N, seconds) of ``name`` under ``tests`` in mutants/."""
    began = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                              cwd="mutants", env={**os.environ, "MUTANT_UNDER_TEST": name}, capture_output=True,
                              timeout=timeout)
        said = {0: "survived", 1: "killed"}.get(done.returncode, f"exit {done.returncode}")
    except subprocess.TimeoutExpired:
        said = "timeout"
    return said, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", help="dotted name of the mutated module, e.g. leafdream.model.modelfile")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a mutant counts as a hang")
    parser.add_argument("tests", nargs="*", help="pytest arguments after --: the tests that cover the module")
    args = parser.parse_args()
    names = mutant_names(args.module)
    if not names:
        print(f"no mutants of {args.module} in mutants/: run mutmut first", file=sys.stderr)
        return 1
    counts: Counter = Counter()

    def one(name: str) -> None:
        said, seconds = verdict(name, args.tests, args.timeout)
        counts[said] += 1
        print(f"{name} {said} {seconds:.1f}", flush=True)

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(one, names))
    killed = counts["killed"] + counts["timeout"]
    print(f"{args.module}: {len(names)} mutants, {dict(counts)}; killed (timeouts included) "
          f"{killed / len(names):.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
