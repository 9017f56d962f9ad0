"""Calculator intent on a question set: how many questions go to the calculator they name (issue 18).

Each question of the set carries the calculator it names (pension, retirement_date, flexible_plan,
back_payment, unemployment, work_injury, survivor) or ``kb`` (the law's question, no calculator). The
questions go through ``shebao ask --batch FILE --json`` (the installed command, the SHEBAO_HOME of the
environment, built on first use), and the script prints per label how many reached their calculator,
and how many naming a benefit were answered by another benefit's calculator.

Usage:
    .venv/bin/python benchmarks/bench_intent.py tests/assistant/data/intent_blind2.yaml
    .venv/bin/python benchmarks/bench_intent.py tests/assistant/data/intent_dev.yaml
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

# the set's names → the assistant's (`calculator` in the answer's JSON; kb: none)
LABELS = {"retirement_date": "retirement", "flexible_plan": "plan", "back_payment": "backpay",
          "work_injury": "injury", "kb": None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    args = parser.parse_args()
    items = yaml.safe_load(args.questions.read_text(encoding="utf-8"))["questions"]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as batch:
        batch.write("\n".join(item["q"].replace("\n", " ") for item in items) + "\n")
    shebao = str(Path(sys.executable).with_name("shebao"))
    run = subprocess.run([shebao, "ask", "--batch", batch.name, "--json"], capture_output=True, text=True, check=True)
    Path(batch.name).unlink()
    answers = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    if len(answers) != len(items):
        raise SystemExit(f"{len(items)} questions, {len(answers)} answers")
    right, total, other = Counter(), Counter(), 0
    for item, answer in zip(items, answers, strict=True):
        label, got = item["calculator"], answer.get("calculator")
        expected = LABELS.get(label, label)
        total[label] += 1
        right[label] += got == expected
        other += expected is not None and got is not None and got != expected
    named = [k for k in total if k != "kb"]
    for label in total:
        print(f"{label:16} {right[label]:3d} / {total[label]}")
    print(f"all {sum(right.values())} / {sum(total.values())}; naming a benefit "
          f"{sum(right[k] for k in named)} / {sum(total[k] for k in named)}, "
          f"answered by another benefit's calculator {other}")


if __name__ == "__main__":
    main()
