"""The recompute of a financing plan after a keystroke: 3 lines × 300 months, TAEG included,
with and without smoothing. Prints one JSON line of medians (ms)."""

from __future__ import annotations

import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.simulation.finance import Cover, Fees, Line, Plan, compute
from models.enums import Deferral, InsuranceBase, LineKind


def main() -> None:
    covers = (
        Cover(rate=Decimal("0.30")),
        Cover(share=Decimal(50), base=InsuranceBase.REMAINING, rate=Decimal("0.20")),
    )
    lines = (
        Line(200_000_00, Decimal("3.85"), 300, covers=covers),
        Line(
            40_000_00,
            Decimal(0),
            300,
            kind=LineKind.PTZ,
            deferral=Deferral.TOTAL,
            deferral_months=60,
        ),
        Line(30_000_00, Decimal("4.10"), 300, covers=covers),
    )
    fees = Fees(dossier_cents=1_000_00, guarantee_cents=2_500_00, brokerage_cents=3_000_00)
    result = {}
    for name, smoothing in (("simulation_recompute_ms", False), ("simulation_smoothed_ms", True)):
        plan = Plan(lines, fees, smoothing)
        times = []
        for _ in range(30):
            start = time.perf_counter()
            compute(plan)
            times.append(time.perf_counter() - start)
        result[name] = round(statistics.median(times) * 1000, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
