"""`kyoso bench fanout` at a tiny size: the JSON has its shape, and nothing is lost on either side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIGURES = {
    "clients",
    "rate",
    "delivered_fps",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "lost",
    "duplicated",
    "out_of_order",
    "kib_per_conn",
}


def test_fanout_benchmark_reports_both_sides_and_their_ratio(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYOSO_")}
    env["KYOSO_VAR_DIR"] = str(tmp_path)
    command = ["bench", "fanout", "--clients", "20", "--rate", "5", "--seconds", "2", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "kyoso.cli", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)
    assert set(figures) == {"kyoso", "baseline", "ratio"}
    for side in ("kyoso", "baseline"):
        assert set(figures[side]) >= FIGURES
        assert figures[side]["clients"] == 20
        assert (figures[side]["lost"], figures[side]["duplicated"], figures[side]["out_of_order"]) == (
            0,
            0,
            0,
        )
        assert figures[side]["delivered_fps"] > 0
    assert figures["ratio"] > 0
