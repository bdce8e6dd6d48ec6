"""Run mutmut's mutants each in a fresh pytest process, and say what share the tests kill.

    .venv/bin/pip install -e '.[mutation]'
    .venv/bin/mutmut run            # makes mutants/, runs the tests once for its stats; stop it (Ctrl-C)
                                    # once it starts on the mutants (mutants/mutmut-stats.json is written)
    .venv/bin/python tools/mutants.py leafdream.model.modelfile -- tests/test_modelfile.py tests/test_hostile_input.py
    .venv/bin/python tools/mutants.py leafdream.show leafdream.ops --covering --sample 300 --seed 1

mutmut forks its own process for each mutant. Once the tests have started numba's, OpenCV's or
mediapipe's thread pools there, a forked child inherits them dead and hangs until mutmut's timeout,
so nearly every mutant came back "timeout" whatever the tests would have said. A fresh interpreter
per mutant gives each a real verdict. Prints one line per mutant (name, verdict, seconds) and the
share killed at the end; the pytest arguments after ``--`` choose the tests that cover the module, or
``--covering`` runs, for each mutant, the tests mutmut's stats run saw calling its function
(``mutants/mutmut-stats.json``); a mutant no test calls survives. ``--sample N`` tests N mutants drawn
at random (``--seed``) and says the share with its 95 % interval: thousands of mutants at 5-20 s each
are a day's run on two cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor


def mutant_names(prefixes: list[str]) -> list[str]:
    """The names of mutmut's mutants in one of ``prefixes`` (modules' dotted names) or named by one exactly (a
    mutant's own name: ``..._mutmut_1`` is not ``..._mutmut_12``)."""
    listing = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], capture_output=True,
                             text=True, check=True).stdout
    names = (line.split(":")[0].strip() for line in listing.splitlines() if ":" in line)
    return [name for name in names if name in prefixes or name.startswith(tuple(p + "." for p in prefixes))]


def covering_tests(stats_file: str = "mutants/mutmut-stats.json") -> dict[str, list[str]]:
    """{function's mangled name: the pytest ids of the tests that called it} from mutmut's stats run."""
    with open(stats_file) as f:
        return {name: sorted(tests) for name, tests in json.load(f)["tests_by_mangled_function_name"].items()}


def share_with_interval(killed: int, total: int) -> str:
    """``killed / total`` as a percentage with its 95 % Wilson interval."""
    if not total:
        return "no mutants"
    p, z = killed / total, 1.96
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return f"{p:.1%} (95 % interval {centre - half:.1%} to {centre + half:.1%})"


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
    parser.add_argument("modules", nargs="+",
                        help="dotted names of mutated modules (e.g. leafdream.model.modelfile) or of single mutants")
    parser.add_argument("--covering", action="store_true",
                        help="run each mutant under the tests mutmut saw calling its function")
    parser.add_argument("--sample", type=int, default=0, help="test this many mutants drawn at random (0: all)")
    parser.add_argument("--seed", type=int, default=0, help="the random draw's seed")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a mutant counts as a hang")
    arguments = sys.argv[1:]
    tests = arguments[arguments.index("--") + 1:] if "--" in arguments else []
    args = parser.parse_args(arguments[:arguments.index("--")] if "--" in arguments else arguments)
    names = mutant_names(args.modules)
    if not names:
        print(f"no mutants of {', '.join(args.modules)} in mutants/: run mutmut first", file=sys.stderr)
        return 1
    if args.sample and args.sample < len(names):
        names = random.Random(args.seed).sample(names, args.sample)
    covering = covering_tests() if args.covering else {}
    counts: Counter = Counter()

    def one(name: str) -> None:
        chosen = tests
        if args.covering:
            chosen = covering.get(name.partition("__mutmut_")[0], [])
            if not chosen:
                counts["no test"] += 1
                print(f"{name} no test 0.0", flush=True)
                return
        said, seconds = verdict(name, chosen, args.timeout)
        counts[said] += 1
        print(f"{name} {said} {seconds:.1f}", flush=True)

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(one, names))
    killed = counts["killed"] + counts["timeout"]
    print(f"{', '.join(args.modules)}: {len(names)} mutants, {dict(counts)}; killed (timeouts included) "
          f"{share_with_interval(killed, len(names))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
