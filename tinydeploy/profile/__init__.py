"""`tinydeploy profile`: where the time of one inference goes, op by op.

The model is compiled with profiling (``compile_model(..., profile=True)``):
model.c reads hal_ticks() before and after every op call and keeps the deltas,
and the firmware's ``td-prof`` command prints them as one JSON line. On QEMU
(-icount shift=6) a timer tick is shorter than an instruction, so each delta,
minus the measured cost of an empty begin/end pair, converts to the exact count
of emulated instructions of that op. On a real board the deltas are timer
ticks (DWT cycles where available). The Cortex-M4 cycle column is an
*estimate* (instructions weighted by the M4's documented timings of the kinds
of instruction each kernel spends most of its time in), never a measurement.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from tinydeploy import __version__
from tinydeploy.errors import DeviceError

Progress = Callable[[str], None]

# Rough cycles per instruction on a Cortex-M4 with zero-wait-state memory, per
# kernel family: loads take 2 cycles (LDM/LDRD n+1), SMLAD and ALU ops 1, taken
# branches 2-3. An estimate for orientation only.
M4_CPI_ESTIMATE = {"dsp": 1.35, "reference": 1.3, "other": 1.4}


def parse_prof(lines: list[str]) -> dict[str, Any]:
    """The JSON payload of a td-prof reply; DeviceError when the firmware has none."""
    for line in lines:
        if line.startswith("m-td-prof-"):
            return json.loads(line[len("m-td-prof-") :])
    raise DeviceError("the firmware printed no per-op profile: " + " | ".join(lines), port="td-prof")


def op_rows(
    prof: dict[str, Any], compiled_ops: list[dict[str, Any]], stats: dict[int, Any], ns_per_insn: float | None
) -> list[dict[str, Any]]:
    """One row per op: kernel, MACs, instructions (emulated) or ticks, instructions/MAC."""
    kernel_of = {o["index"]: o.get("kernel") for o in compiled_ops}
    tick_hz = float(prof["tick_hz"])
    overhead = int(prof.get("overhead_ticks", 0))
    rows = []
    for index, ticks in prof["ops"]:
        st = stats.get(index)
        macs = st.macs if st is not None else 0
        net = max(int(ticks) - overhead, 0)
        row: dict[str, Any] = {
            "index": int(index),
            "op": st.op if st is not None else "?",
            "kernel": kernel_of.get(index),
            "macs": int(macs),
            "ticks": int(ticks),
        }
        if ns_per_insn:
            instr = int(round(net * 1e9 / tick_hz / ns_per_insn))
            row["instructions"] = instr
            row["instructions_per_mac"] = round(instr / macs, 3) if macs else None
            family = "dsp" if (row["kernel"] or "").endswith("_dsp") else ("reference" if macs else "other")
            row["m4_cycles_estimate"] = int(round(instr * M4_CPI_ESTIMATE[family]))
        rows.append(row)
    total = sum(r.get("instructions", r["ticks"]) for r in rows) or 1
    for r in rows:
        r["share"] = round(r.get("instructions", r["ticks"]) / total, 4)
    return rows


def run_profile(
    model_path: Path,
    board_id: str,
    out_dir: Path,
    *,
    kernels: str = "auto",
    data: Path | None = None,
    calibrate: str | None = None,
    port: str | None = None,
    seed: int = 0,
    progress: Progress = lambda stage: None,
) -> dict[str, Any]:
    """Compile with profiling, build, run one inference, read td-prof; return the report."""
    from tinydeploy.boards import load_board
    from tinydeploy.build import build
    from tinydeploy.model.analysis import op_stats
    from tinydeploy.model.inputs import random_inputs
    from tinydeploy.model.reference import Reference
    from tinydeploy.pipeline import generate, prepare_model
    from tinydeploy.targets import target_for

    started = time.monotonic()
    board = load_board(board_id)
    progress("model")
    prepared = prepare_model(model_path, data, calibrate)
    progress("compile")
    generated = generate(prepared, board, "aot", out_dir, kernels=kernels, profile=True)
    compiled = generated["compiled"]
    meta = json.loads(compiled.metadata.read_text())
    progress("build")
    if board.build != "make":
        from tinydeploy.errors import BoardError

        raise BoardError(
            f"board '{board.id}' builds with {board.build}; tinydeploy profile "
            "runs make boards (QEMU, host) - flash the project and send td-prof%",
            path=str(board.path),
        )
    result = build(generated["project"], board)
    progress("run")
    reference = Reference(prepared.raw, prepared.model)
    x = random_inputs(reference, 1, seed)[0]
    with target_for(board, result.elf, port) as target:
        link = target.link
        link.info()
        link.load_input(x.tobytes())
        link.infer(1, 1)
        prof = parse_prof(link.command("td-prof"))
        ns = getattr(link, "ns_per_insn", None)
        total = link.instructions() if ns else None
    stats = {s.index: s for s in op_stats(prepared.model)}
    rows = op_rows(prof, meta["ops"], stats, ns)
    macs = sum(s.macs for s in stats.values())
    report: dict[str, Any] = {
        "tinydeploy": __version__,
        "kind": "profile",
        "board": board.id,
        "board_name": board.name,
        "cpu": board.cpu,
        "dsp": board.dsp,
        "runtime": "aot",
        "kernels": meta.get("kernel_mode"),
        "model": {"name": prepared.model.name, "path": str(model_path), "sha256": prepared.model.sha256},
        "macs": macs,
        "arena_bytes": compiled.arena_bytes,
        "weights_bytes": compiled.weights_bytes,
        "flash": result.sizes.as_dict(),
        "flash_bytes": result.sizes.flash_bytes,
        "board_flash_bytes": board.flash_bytes,
        "board_ram_bytes": board.ram_bytes,
        "stack_reserved_bytes": board.stack_bytes,
        "tick_hz": prof["tick_hz"],
        "overhead_ticks": prof.get("overhead_ticks"),
        "ops": rows,
        "seconds": None,
    }
    if total is not None:
        ops_sum = sum(r["instructions"] for r in rows)
        report.update(
            instructions_per_inference=total,
            instructions_in_ops=ops_sum,
            instructions_per_mac=round(total / macs, 3) if macs else None,
            m4_cycles_estimate=sum(r["m4_cycles_estimate"] for r in rows),
            note=f"emulated: {link.counted_by or 'emulator'} instruction counts, "
            "exact per op; "
            "m4_cycles_estimate is an estimate, not a measurement",
        )
    report["seconds"] = round(time.monotonic() - started, 2)
    return report


def profile_markdown(r: dict[str, Any]) -> str:
    from tinydeploy.report.markdown import provenance_markdown, table

    emulated = "instructions_per_inference" in r
    lines = [f"# Profile: {r['model']['name']} on {r['board']} ({r['kernels']} kernels)", ""]
    if emulated:
        lines += [
            f"- instructions / inference (emulated, exact): "
            f"{r['instructions_per_inference']:,.0f} ({r['instructions_per_mac']} per MAC, "
            f"{r['macs']:,} MACs)",
            f"- Cortex-M4 cycles, **estimate**: {r['m4_cycles_estimate']:,}",
            "",
        ]
    headers = ["#", "op", "kernel", "MACs"]
    headers += ["instructions", "instr/MAC", "share"] if emulated else ["ticks", "share"]
    rows = []
    for o in r["ops"]:
        row = [o["index"], o["op"], f"`{o['kernel']}`", f"{o['macs']:,}"]
        if emulated:
            ipm = "" if o["instructions_per_mac"] is None else o["instructions_per_mac"]
            row += [f"{o['instructions']:,}", ipm, f"{o['share']:.1%}"]
        else:
            row += [f"{o['ticks']:,}", f"{o['share']:.1%}"]
        rows.append(row)
    lines += [table(headers, rows), "", provenance_markdown(r)]
    return "\n".join(lines)
