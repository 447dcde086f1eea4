"""`regsim bench --engine`: how fast the step engine opens, steps and seeks the bundled scenarios."""

from __future__ import annotations

import time
from typing import Any

from regsim.bundled import scenario_files
from regsim.scenario.engine import Player, run_step
from regsim.scenario.fleet import fleet_scenario
from regsim.scenario.loader import load_scenario, parse_scenario
from regsim.scenario.world_builder import build_world


def engine_timings() -> dict[str, Any]:
    """Worst open (replay with snapshots), worst single step, worst seek, over every bundled scenario;
    and one step of 50 clients pulling at once behind one WAN (scenario/fleet.py)."""
    worst_open = worst_step = worst_seek = 0.0
    slowest = ""
    for path in scenario_files():
        scenario = load_scenario(path)
        start = time.perf_counter()
        player = Player(scenario)
        worst_open = max(worst_open, time.perf_counter() - start)
        world = build_world(scenario)
        for step in scenario.steps:
            start = time.perf_counter()
            run_step(world, scenario, step)
            took = time.perf_counter() - start
            if took > worst_step:
                worst_step, slowest = took, f"{scenario.id} step {step.index}"
        order = [*range(player.total, -1, -1), *range(player.total + 1)]
        start = time.perf_counter()
        for position in order:
            player.seek(position)
            _ = player.world, player.current
        worst_seek = max(worst_seek, (time.perf_counter() - start) / len(order))
    fleet = parse_scenario(fleet_scenario(50))
    world = build_world(fleet)
    for step in fleet.steps[:-1]:
        run_step(world, fleet, step)
    start = time.perf_counter()
    rollout = run_step(world, fleet, fleet.steps[-1])
    together = time.perf_counter() - start
    return {
        "scenarios": len(scenario_files()),
        "worst_open_ms": round(worst_open * 1000, 2),
        "worst_step_ms": round(worst_step * 1000, 3),
        "slowest_step": slowest,
        "worst_seek_ms": round(worst_seek * 1000, 4),
        "fleet_50_together_step_ms": round(together * 1000, 2),   # 50 clients pull a 5-layer image at once
        "fleet_50_together_seconds": round(rollout.seconds, 3),
    }
