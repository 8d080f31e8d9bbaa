"""Static memory plan: every activation at a fixed offset in one arena.

1. Buffers: tensors joined by aliasing ops (RESHAPE/SQUEEZE/EXPAND_DIMS) share
   one buffer; scratch lines of a step are buffers of their own.
2. Liveness: a buffer lives from the step that writes it (model inputs: before
   step 0) to its last reader (model outputs: to the end); a variable tensor (a
   state kept between inferences) lives from before step 0 to the end.
3. Placement, in order of definition, allowing negative offsets and shifting at
   the end: a buffer must not overlap any buffer alive at the same time, except
   its in-place partner: an input that dies at the step that writes this
   buffer, where the kernel's write order allows the output to start D bytes
   below the input (D computed exactly by the lowering). Among the valid
   candidates the one that grows the arena least wins. This places element-wise
   ops fully in place and lets convolutions, depthwise convolutions and pooling
   write their output over input rows they have consumed.
4. Rematerialisation: when a tensor is kept alive only for a later ADD/MUL (the
   residual branch of ResNet), and recomputing it row by row from a smaller
   input is possible, the element-wise step recomputes it one output row at a
   time into a line buffer instead. Tried per candidate; kept only when the
   arena shrinks.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field

from tinydeploy.compile import kernels as registry
from tinydeploy.compile.lower import Step
from tinydeploy.model.ir import Model

ALIGN = 4


@dataclass
class Buffer:
    id: int
    size: int
    first: int  # step that defines it (-1: model input)
    last: int  # last step that reads it (len(steps): model output)
    tensors: list[int] = field(default_factory=list)
    name: str = ""
    offset: int = 0


@dataclass
class Plan:
    buffers: dict[int, Buffer]  # by buffer id
    tensor_buffer: dict[int, int]  # tensor index -> buffer id
    arena_bytes: int
    scratch: dict[tuple[int, str], int]  # (step index, scratch name) -> buffer id

    def offset(self, tensor: int) -> int:
        return self.buffers[self.tensor_buffer[tensor]].offset


def _round_down(v: int) -> int:
    return v - (v % ALIGN)


def _round_up(v: int) -> int:
    return v + (-v % ALIGN)


def build_buffers(
    model: Model, steps: list[Step]
) -> tuple[dict[int, Buffer], dict[int, int], dict[tuple[int, str], int]]:
    parent: dict[int, int] = {}

    def find(t: int) -> int:
        while parent.get(t, t) != t:
            t = parent[t]
        return t

    for st in steps:
        if st.alias:
            parent[find(st.alias[1])] = find(st.alias[0])
    buffers: dict[int, Buffer] = {}
    tensor_buffer: dict[int, int] = {}

    def touch(t: int, s: int, define: bool) -> None:
        root = find(t)
        tensor_buffer[t] = root
        b = buffers.get(root)
        if b is None:
            b = buffers[root] = Buffer(root, model.tensors[t].nbytes, s, s, [], model.tensors[root].name)
        if t not in b.tensors:
            b.tensors.append(t)
        b.size = max(b.size, model.tensors[t].nbytes)
        if define:
            b.first = min(b.first, s)
        b.last = max(b.last, s)

    for t in model.inputs:
        touch(t, -1, True)
    for s, st in enumerate(steps):
        for t in st.inputs:
            touch(t, s, False)
        for t in st.outputs:
            touch(t, s, True)
    end = len(steps)
    for t in model.outputs:
        touch(t, end, False)
    # a variable tensor (SVDF's state, LSTM's states) persists between inferences: alive
    # from before the first step to after the last, so no other tensor ever takes its bytes
    for b in buffers.values():
        if any(model.tensors[t].is_variable for t in b.tensors):
            b.first, b.last = -1, end
    scratch: dict[tuple[int, str], int] = {}
    next_id = max(len(model.tensors), 1) + 1000
    for s, st in enumerate(steps):
        for name, size in st.scratch:
            buffers[next_id] = Buffer(next_id, size, s, s, [], f"scratch {name} of step {s}")
            scratch[(s, name)] = next_id
            next_id += 1
    return buffers, tensor_buffer, scratch


def _partners(
    steps: list[Step], buffers: dict[int, Buffer], tensor_buffer: dict[int, int]
) -> dict[tuple[int, int], int]:
    """(output buffer, input buffer) -> D, for inputs that die where the output is written."""
    out: dict[tuple[int, int], int] = {}
    for s, st in enumerate(steps):
        if st.alias:
            continue
        for t_in, d in st.inplace.items():
            bi = tensor_buffer[t_in]
            if buffers[bi].last != s:
                continue
            for t_out in st.outputs:
                bo = tensor_buffer[t_out]
                if buffers[bo].first == s and bo != bi:
                    key = (bo, bi)
                    out[key] = max(out.get(key, d), d)
    return out


def _orders(buffers: dict[int, Buffer], trials: int) -> list[list[int]]:
    """Placement orders to try: a few heuristics, then seeded shuffles (deterministic)."""
    bs = list(buffers.values())
    orders = [
        [b.id for b in sorted(bs, key=lambda b: (b.first, -b.size, b.id))],
        [b.id for b in sorted(bs, key=lambda b: (-b.size, b.first, b.id))],
        [b.id for b in sorted(bs, key=lambda b: (-(b.last - b.first), -b.size, b.id))],
        [b.id for b in sorted(bs, key=lambda b: (-b.size * (b.last - b.first + 1), b.id))],
    ]
    rng = random.Random(1234)
    for t in range(trials):
        o = list(orders[t % len(orders[:4])])
        # perturb: swap a few neighbours of the size order
        for _ in range(max(1, len(o) // 4)):
            i = rng.randrange(len(o))
            j = min(len(o) - 1, i + rng.randrange(1, 4))
            o[i], o[j] = o[j], o[i]
        orders.append(o)
    return orders


def place(buffers: dict[int, Buffer], partners: dict[tuple[int, int], int], trials: int = 24) -> int:
    """Assign offsets (multiples of ALIGN) trying several orders; returns the arena size."""
    best: tuple[int, dict[int, int]] | None = None
    for order in _orders(buffers, trials):
        for reserve in (False, True):
            size = _place_in_order([buffers[i] for i in order], partners, reserve)
            if best is None or size < best[0]:
                best = (size, {b.id: b.offset for b in buffers.values()})
    assert best is not None
    for b in buffers.values():
        b.offset = best[1][b.id]
    return best[0]


def _drift(buffers: dict[int, Buffer], partners: dict[tuple[int, int], int]) -> dict[int, int]:
    """Bytes a chain of in-place successors of each buffer reaches below its start."""
    succ: dict[int, list[tuple[int, int]]] = {}
    for (o, i), d in partners.items():
        succ.setdefault(i, []).append((o, d))
    memo: dict[int, int] = {}

    def walk(b: int) -> int:
        if b not in memo:
            memo[b] = 0
            memo[b] = max([0] + [max(0, d) + walk(o) for o, d in succ.get(b, [])])
        return memo[b]

    return {b: walk(b) for b in buffers}


def _place_in_order(order: list[Buffer], partners: dict[tuple[int, int], int], reserve: bool) -> int:
    drift = _drift({b.id: b for b in order}, partners)
    placed: list[Buffer] = []
    lo, hi = 0, 0
    for b in order:
        live = [x for x in placed if x.first <= b.last and b.first <= x.last]
        cands: set[int] = {0}
        preferred: set[int] = set()
        for x in live:
            cands.add(_round_up(x.offset + x.size))
            cands.add(_round_up(x.offset + x.size + drift[b.id]))
            cands.add(_round_down(x.offset - b.size))
            d = partners.get((b.id, x.id))
            if d is not None:
                c = _round_down(x.offset - d)
                cands.add(c)
                preferred.add(c)
            d = partners.get((x.id, b.id))
            if d is not None:
                c = _round_up(x.offset + d)
                cands.add(c)
                preferred.add(c)
        best = None
        for c in sorted(cands):
            if not _valid(b, c, live, partners):
                continue
            # Count the room the in-place successors will need below c, and
            # prefer that room to be free of buffers alive meanwhile.
            foot = c - drift[b.id] if reserve else c
            span = max(hi, c + b.size) - min(lo, foot) if placed else c + b.size - foot
            blocked = reserve and any(x.offset < c and foot < x.offset + x.size for x in live)
            key = (blocked, span, 0 if c in preferred else 1, -c)
            if best is None or key < best[0]:
                best = (key, c)
        assert best is not None  # the top of the arena is always free
        b.offset = best[1]
        placed.append(b)
        lo = min(lo, b.offset) if len(placed) > 1 else b.offset
        hi = max(hi, b.offset + b.size) if len(placed) > 1 else b.offset + b.size
    base = min((b.offset for b in placed), default=0)
    for b in placed:
        b.offset -= base
    return _round_up(max((b.offset + b.size for b in placed), default=0))


def _valid(b: Buffer, off: int, live: list[Buffer], partners: dict[tuple[int, int], int]) -> bool:
    for x in live:
        if off >= x.offset + x.size or off + b.size <= x.offset:
            continue  # disjoint
        d = partners.get((b.id, x.id))
        if d is not None and off <= x.offset - d:
            continue  # b written over x, which it consumes fast enough
        d = partners.get((x.id, b.id))
        if d is not None and x.offset <= off - d:
            continue
        return False
    return True


def plan_steps(model: Model, steps: list[Step]) -> Plan:
    buffers, tensor_buffer, scratch = build_buffers(model, steps)
    partners = _partners(steps, buffers, tensor_buffer)
    arena = place(buffers, partners)
    return Plan(buffers, tensor_buffer, arena, scratch)


# ---------------------------------------------------------------- rematerialisation


def _remat_candidates(model: Model, steps: list[Step]) -> list[tuple[int, int]]:
    """(producer step, element-wise consumer step) pairs worth trying."""
    producer = {t: s for s, st in enumerate(steps) for t in st.outputs}
    out = []
    outputs = set(model.outputs)
    for s, st in enumerate(steps):
        if not registry.spec(st.kernel).row_wise or st.const_inputs or st.params["bc"]["dims"] != 0:
            continue
        for t in st.inputs:
            p = producer.get(t)
            if p is None or registry.spec(steps[p].kernel).rows is None or steps[p].remat or t in outputs:
                continue
            if steps[p].params["batches"] != 1 or st.inputs[0] == st.inputs[1]:
                continue
            readers = [r for r, rs in enumerate(steps) if t in rs.inputs]
            if len(readers) < 2 or max(readers) != s:
                continue
            out.append((p, s))
    return out


def apply_remat(steps: list[Step], producer: int, consumer: int) -> list[Step]:
    """Make step ``consumer`` recompute the conv of step ``producer`` row by row."""
    steps = copy.deepcopy(steps)
    conv, elt = steps[producer], steps[consumer]
    t = conv.outputs[0]
    which = elt.inputs.index(t)
    row = conv.params["out_w"] * conv.params["out_c"]
    elt.remat = dict(
        step=producer,
        kernel=conv.kernel,
        conv_params=f"op{conv.op_index}_params",
        which=which,
        rows=conv.params["out_h"],
        row_bytes=row,
        line="line",
        conv_input=conv.inputs[0],
        tensor=t,
    )
    elt.inputs = [conv.inputs[0] if i == which else x for i, x in enumerate(elt.inputs)]
    elt.params = copy.deepcopy(elt.params)
    elt.params["bc"]["size"] = row  # the element-wise kernel now runs once per row
    other = elt.inputs[1 - which]
    elt.inplace = {other: 0}  # row r of the output over row r of the other input
    elt.scratch = [("line", row)] + [("conv", size) for _name, size in conv.scratch]
    return steps


def plan(model: Model, steps: list[Step], remat: bool = True) -> tuple[list[Step], Plan]:
    """Plan memory; with ``remat`` also try rematerialisation and keep what helps."""
    best = plan_steps(model, steps)
    if not remat:
        return steps, best
    improved = True
    while improved:
        improved = False
        for p, c in _remat_candidates(model, steps):
            trial = apply_remat(steps, p, c)
            tp = plan_steps(model, trial)
            if tp.arena_bytes < best.arena_bytes:
                steps, best, improved = trial, tp, True
                break
    return steps, best
