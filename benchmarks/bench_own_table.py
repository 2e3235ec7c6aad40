"""From a fresh repo to a green pipeline on your own table: hand edits and wall time.

For each table scikit-learn ships (breast cancer: binary; wine with text labels:
multiclass; diabetes: regression), generates a repo at a stage with default
answers, runs `<pkg> contract infer` on the table, then `dvc repro` and the repo's
own tests. It prints, per table:

* files a user had to edit by hand to get there (0 means: the one command was
  enough; the benchmark itself never edits a file, so a red pipeline or red tests
  are reported as "not green" instead of a count);
* files `contract infer` wrote for the user;
* wall time of `contract infer` and of `dvc repro`;
* as a peer, the time of pandera's own `infer_schema` on the same table in the
  same environment, and our `contract infer` / pandera ratio (we add the
  problem block, DVC tracking and the checks a user would otherwise write).

    python benchmarks/bench_own_table.py [--stage model-centric]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _generated import VENV, bench_env, generate_and_install, timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from sklearn_tables import TABLES

PKG = "my_ml_project"
PANDERA_PEER = """
import sys, time
import pandas as pd
import pandera.pandas as pa
frame = pd.read_csv(sys.argv[1])
start = time.perf_counter()
pa.infer_schema(frame)
print(time.perf_counter() - start)
"""


def _changed_files(repo: Path) -> int:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=repo, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return len([line for line in status.splitlines() if line.strip()])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="model-centric", help="stage to generate")
    args = parser.parse_args()
    env = bench_env()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for table in TABLES:
            print(f"{table.name}: generating {args.stage} ...", flush=True)
            repo = Path(tmp) / table.name
            generate_and_install(repo, args.stage)
            csv = Path(tmp) / f"{table.name}.csv"
            table.load().to_csv(csv, index=False)
            start = time.perf_counter()
            infer = subprocess.run(
                [PKG, *table.infer_args(csv)], cwd=repo, env=env, capture_output=True, text=True
            )
            infer_s = time.perf_counter() - start
            if infer.returncode != 0:
                print(f"  contract infer failed: {infer.stderr.strip()}", flush=True)
                rows.append((table, None, None, infer_s, None, None))
                continue
            written = _changed_files(repo)
            try:
                repro_s = timed(["dvc", "repro"], repo, env)
                timed(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], repo, env)
                edits: int | None = 0
            except subprocess.CalledProcessError:
                repro_s, edits = None, None
            peer = subprocess.run(
                [str(VENV / "bin" / "python"), "-c", PANDERA_PEER, str(csv)],
                capture_output=True, text=True, check=True, env=env,
            )  # fmt: skip
            rows.append((table, edits, written, infer_s, repro_s, float(peer.stdout)))
            repro_text = f"{repro_s:.1f} s" if repro_s is not None else "failed"
            print(f"  done: infer {infer_s:.1f} s, repro {repro_text}", flush=True)

    print(f"\nstage {args.stage}, one run per table:")
    print(f"{'table':15} {'task':11} {'hand edits':>10} {'written':>8} {'infer s':>8} "
          f"{'repro s':>8} {'pandera s':>9} {'infer/pandera':>13}")  # fmt: skip
    for table, edits, written, infer_s, repro_s, peer_s in rows:
        green = "not green" if edits is None else str(edits)
        ratio = f"{infer_s / peer_s:13.0f}" if peer_s else f"{'-':>13}"
        print(f"{table.name:15} {table.task:11} {green:>10} {written or 0:>8} {infer_s:8.1f} "
              f"{repro_s or float('nan'):8.1f} {peer_s or float('nan'):9.3f} {ratio}")  # fmt: skip
    return 0 if all(row[1] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
