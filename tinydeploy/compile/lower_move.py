"""Lowering of the data movement ops beyond CONCATENATION and PAD (issue 17).

A mixin of :class:`tinydeploy.compile.lower.Lowering`, like :mod:`.lower_ops`. Every
op here copies values without requantizing them (TFLite Micro copies the raw values
too), so one lowering serves every element type: the kernels copy elements of the
tensor's size (int8 and bool 1 byte, int16 2, int32 and float32 4). Each op takes the
types its TFLite Micro kernel takes (MOVE_TYPES). Those whose output element copies
one input element at an offset that is a sum of one term per output dimension
(transposes, slices, gathers with constant indices, depth/space and batch/space
rearrangements, mirror padding, reversal, broadcasting, nearest-neighbour resizing)
lower to one kernel, td_remap, with a table of offsets per dimension; SPLIT, SPLIT_V
and UNPACK to td_split, PACK to td_concat; RESIZE_BILINEAR interpolates
(td_resize_bilinear_s8, int8 only).
"""

from __future__ import annotations

import numpy as np

from tinydeploy.compile.lower import ITEMSIZE, ConstArray, Step, _q, inplace_distance, unsupported
from tinydeploy.model.ir import Model, Op, Tensor


def _strides(shape: list[int]) -> list[int]:
    out, acc = [], 1
    for d in reversed(shape):
        out.append(acc)
        acc *= d
    return out[::-1]


def _ints(t: Tensor) -> list[int]:
    return [int(v) for v in np.asarray(t.data).ravel()]


_ANY = ("int8", "int16", "int32", "bool", "float32")
# The element types each op's kernel in TFLite Micro takes (its Prepare / Eval switch in
# tensorflow/lite/micro/kernels/, the pinned tflite-micro), among the types the AOT
# runtime holds; TFLite Micro also moves int64 (PACK, REVERSE_V2, BROADCAST_TO) and uint8
# (REVERSE_V2) tensors, which the AOT runtime does not hold.
MOVE_TYPES: dict[str, tuple[str, ...]] = {
    "TRANSPOSE": ("int8", "int16", "float32"),
    "SLICE": _ANY,
    "STRIDED_SLICE": _ANY,
    "GATHER": ("int8", "float32"),
    "GATHER_ND": ("int8", "float32"),
    "SPACE_TO_DEPTH": ("int8", "float32"),
    "DEPTH_TO_SPACE": ("int8", "float32"),
    "BATCH_TO_SPACE_ND": ("int8", "float32"),
    "SPACE_TO_BATCH_ND": ("int8", "float32"),
    "MIRROR_PAD": ("int8", "float32"),
    "RESIZE_NEAREST_NEIGHBOR": ("int8", "int16", "float32"),
    "REVERSE_V2": _ANY,
    "BROADCAST_TO": _ANY,
    "SPLIT": ("int8", "int16", "int32", "float32"),
    "SPLIT_V": ("int8", "int16", "int32", "float32"),
    "UNPACK": ("int8", "int16", "int32", "float32"),
    "PACK": ("int8", "int16", "int32", "float32"),
    # TFLite Micro also pads int8 and int16 (td_pad)
    "PAD": ("int32", "float32"),
    "PADV2": ("int32", "float32"),
}
# td_remap's table term of a padded position: below any sum of the other terms (inputs of
# at most 2^26 elements), so the offset sum is negative exactly where some dimension is in
# the padding; six of them still fit int32
PADDED = -(1 << 26)


class MoveMixin:
    """The ``op_<name>`` methods of the data movement ops (see the module docstring)."""

    # provided by Lowering, which mixes this class in: model, steps, and the helpers
    # t, act, const, activation, _broadcast, _filter_quant, _quant_arrays, op_mean
    model: Model
    steps: list[Step]

    def _remap(
        self, op: Op, x: Tensor, y: Tensor, shape: list[int], tables: list[np.ndarray], pad_value: int | None = None
    ) -> None:
        """Output (viewed with ``shape``) element i0.. copies input sum(tables[d][id]), or is
        ``pad_value`` (an element's raw bits; PAD only) where a table holds PADDED."""
        if not shape:
            shape, tables = [1], [np.zeros(1, np.int64)]
        if len(shape) > 6:
            raise unsupported(self.model, op, "more than 6 dimensions")
        if int(np.prod(shape)) != y.size or y.size == 0:
            raise unsupported(self.model, op, "output shape does not match the operands")
        src = np.zeros(shape, np.int64)
        for d, tab in enumerate(tables):
            tab = np.asarray(tab, np.int64)
            if tab.size != shape[d]:
                raise ValueError(f"table {d} has {tab.size} entries for a dimension of {shape[d]}")
            view = [1] * len(shape)
            view[d] = shape[d]
            src = src + tab.reshape(view)
        padded = src < 0
        if (padded.any() and (pad_value is None or x.size > -PADDED)) or src.max() >= x.size:
            raise unsupported(self.model, op, "an index is out of range")
        name = f"op{op.index}_map"
        arr = ConstArray(name, "int32_t", np.concatenate([np.asarray(t, np.int64) for t in tables]), "params")
        size = ITEMSIZE[x.dtype]
        params = dict(
            size=y.size,
            dims=len(shape),
            shape=list(shape) + [0] * (6 - len(shape)),
            map=name,
            itemsize=size,
            pad_value=pad_value or 0,
        )
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_remap",
                "td_remap_params",
                params,
                [x.index],
                [y.index],
                [arr],
                {x.index: inplace_distance(np.where(padded, -1, src).ravel(), size, size)},
            )
        )

    def moved(self, op: Op, idx: int) -> Tensor:
        """An activation of a data movement op, of a type its TFLite Micro kernel takes
        (MOVE_TYPES) and the same type as the op's first input."""
        t = self.t(idx)
        allowed = MOVE_TYPES[op.opcode]
        first = self.t(op.inputs[1] if op.opcode == "SPLIT" else op.inputs[0]).dtype
        if t.dtype not in allowed:
            raise unsupported(
                self.model, op, f"tensor {t.name!r} is {t.dtype}; TFLite Micro's kernel takes {', '.join(allowed)}"
            )
        if t.dtype != first:
            raise unsupported(self.model, op, f"tensor {t.name!r} is {t.dtype}, the input {first}")
        return self.act(op, idx, t.dtype)

    def _mover_io(self, op: Op) -> tuple[Tensor, Tensor, list[int], list[int]]:
        x = self.moved(op, op.inputs[0])
        y = self.moved(op, op.outputs[0])
        xs = [int(v) for v in x.shape]
        return x, y, xs, _strides(xs)

    def op_transpose(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        perm = _ints(self.const(op, op.inputs[1], "permutation"))
        if sorted(perm) != list(range(len(xs))):
            raise unsupported(self.model, op, f"permutation {perm} is not one of the axes")
        shape = [xs[p] for p in perm]
        self._remap(op, x, y, shape, [np.arange(n) * st[p] for n, p in zip(shape, perm)])

    def op_slice(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        begin = _ints(self.const(op, op.inputs[1], "begin"))
        size = _ints(self.const(op, op.inputs[2], "size"))
        shape, tables = [], []
        for d, n in enumerate(xs):
            b = begin[d]
            s = n - b if size[d] == -1 else size[d]
            if b < 0 or s < 0 or b + s > n:
                raise unsupported(self.model, op, f"slice [{b}, {b + s}) of a dimension of {n}")
            shape.append(s)
            tables.append((b + np.arange(s)) * st[d])
        self._remap(op, x, y, shape, tables)

    def op_strided_slice(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        o = op.options
        if o.get("ellipsis_mask", 0) or o.get("new_axis_mask", 0) or o.get("offset", False):
            raise unsupported(self.model, op, "ellipsis, new-axis and offset masks are not supported")
        begin = _ints(self.const(op, op.inputs[1], "begin"))
        end = _ints(self.const(op, op.inputs[2], "end"))
        strides = _ints(self.const(op, op.inputs[3], "strides")) if len(op.inputs) > 3 else [1] * len(begin)
        bm, em, sm = (int(o.get(k, 0)) for k in ("begin_mask", "end_mask", "shrink_axis_mask"))
        shape: list[int] = []
        tables: list[np.ndarray] = []
        fixed = 0  # offset of the shrunk dimensions
        if not len(begin) == len(end) == len(strides) == len(xs):
            raise unsupported(self.model, op, "begin, end and strides must give every dimension")
        for d, n in enumerate(xs):
            if strides[d] == 0:
                raise unsupported(self.model, op, "a stride of 0")
            if sm >> d & 1:
                i = begin[d] + n if begin[d] < 0 else begin[d]
                if not 0 <= i < n:
                    raise unsupported(self.model, op, f"index {begin[d]} out of range")
                fixed += i * st[d]
                continue
            # Python's slice clamping is TFLite's StartForAxis / StopForAxis
            sl = slice(None if bm >> d & 1 else begin[d], None if em >> d & 1 else end[d], strides[d])
            idx = np.arange(n)[sl]
            if idx.size == 0:
                raise unsupported(self.model, op, "an empty slice")
            shape.append(int(idx.size))
            tables.append(idx * st[d])
        if tables:
            tables[0] = tables[0] + fixed
        else:
            shape, tables = [1], [np.array([fixed])]
        self._remap(op, x, y, shape, tables)

    def op_gather(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        ind = self.const(op, op.inputs[1], "indices")
        if int(op.options.get("batch_dims", 0)) != 0:
            raise unsupported(self.model, op, "batch_dims is not 0")
        axis = int(op.options.get("axis", 0))
        axis = axis + len(xs) if axis < 0 else axis
        idx = np.asarray(ind.data, np.int64).ravel()
        if idx.size and (idx.min() < 0 or idx.max() >= xs[axis]):
            raise unsupported(self.model, op, "an index is out of range")
        # the index dimensions flattened into one: the same bytes
        shape = xs[:axis] + [int(idx.size)] + xs[axis + 1 :]
        tables = [np.arange(n) * st[d] for d, n in enumerate(xs[:axis])]
        tables.append(idx * st[axis])
        tables += [np.arange(n) * st[axis + 1 + d] for d, n in enumerate(xs[axis + 1 :])]
        self._remap(op, x, y, shape, tables)

    def op_space_to_depth(self, op: Op) -> None:
        x, y, xs, _ = self._mover_io(op)
        b = int(op.options.get("block_size", 0))
        if len(xs) != 4 or b < 1 or xs[1] % b or xs[2] % b:
            raise unsupported(self.model, op, "height and width must be multiples of the block")
        n, h, w, c = xs
        # output [n][h/b][w/b][by][bx][c] = input [n][h/b*b + by][w/b*b + bx][c]
        shape = [n, h // b, w // b, b, b, c]
        tables = [
            np.arange(n) * h * w * c,
            np.arange(h // b) * b * w * c,
            np.arange(w // b) * b * c,
            np.arange(b) * w * c,
            np.arange(b) * c,
            np.arange(c),
        ]
        self._remap(op, x, y, shape, tables)

    def op_depth_to_space(self, op: Op) -> None:
        x, y, xs, _ = self._mover_io(op)
        b = int(op.options.get("block_size", 0))
        if len(xs) != 4 or b < 1 or xs[3] % (b * b):
            raise unsupported(self.model, op, "channels must be a multiple of block^2")
        n, h, w, ci = xs
        c = ci // (b * b)
        # output [n][h][by][w][bx][c] = input [n][h][w][(by * b + bx) * c + c']
        shape = [n, h, b, w, b, c]
        tables = [
            np.arange(n) * h * w * ci,
            np.arange(h) * w * ci,
            np.arange(b) * b * c,
            np.arange(w) * ci,
            np.arange(b) * c,
            np.arange(c),
        ]
        self._remap(op, x, y, shape, tables)

    def op_mirror_pad(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        pads = np.asarray(self.const(op, op.inputs[1], "paddings").data, np.int64).reshape(-1, 2)
        mode = op.options.get("mode", 0)
        symmetric = mode in (1, "SYMMETRIC")
        shape, tables = [], []
        for d, n in enumerate(xs):
            lo, hi = int(pads[d, 0]), int(pads[d, 1])
            limit = n if symmetric else n - 1
            if lo < 0 or hi < 0 or lo > limit or hi > limit:
                raise unsupported(self.model, op, f"padding {lo}, {hi} of a dimension of {n}")
            i = np.arange(n + lo + hi) - lo
            refl = np.where(i < 0, -i - (1 if symmetric else 0), i)
            refl = np.where(refl >= n, 2 * n - (1 if symmetric else 2) - refl, refl)
            shape.append(n + lo + hi)
            tables.append(refl * st[d])
        self._remap(op, x, y, shape, tables)

    def op_resize_nearest_neighbor(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        size = _ints(self.const(op, op.inputs[1], "size"))
        if len(xs) != 4 or len(size) != 2:
            raise unsupported(self.model, op, "expected a 4-D input and a size of 2")
        align = bool(op.options.get("align_corners", False))
        half = bool(op.options.get("half_pixel_centers", False))

        def nearest(out_size: int, in_size: int) -> np.ndarray:
            # GetNearestNeighbor, in float32 as TFLite computes it
            f32 = np.float32
            scale = f32(in_size - 1) / f32(out_size - 1) if align and out_size > 1 else f32(in_size) / f32(out_size)
            v = (np.arange(out_size, dtype=f32) + f32(0.5 if half else 0.0)) * scale
            r = np.sign(v) * np.floor(np.abs(v) + f32(0.5)) if align else np.floor(v)
            r = np.minimum(r.astype(np.int64), in_size - 1)
            return np.maximum(r, 0) if half else r

        n, h, w, c = xs
        oh, ow = size
        tables = [np.arange(n) * st[0], nearest(oh, h) * st[1], nearest(ow, w) * st[2], np.arange(c)]
        self._remap(op, x, y, [n, oh, ow, c], tables)

    def op_reverse_v2(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        axes = {a + len(xs) if a < 0 else a for a in _ints(self.const(op, op.inputs[1], "axis"))}
        if any(not 0 <= a < len(xs) for a in axes):
            raise unsupported(self.model, op, "an axis is out of range")
        self._remap(
            op, x, y, xs, [(np.arange(n)[::-1] if d in axes else np.arange(n)) * st[d] for d, n in enumerate(xs)]
        )

    def op_gather_nd(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        ind = np.asarray(self.const(op, op.inputs[1], "indices").data, np.int64)
        if ind.ndim < 1 or not 1 <= ind.shape[-1] <= len(xs):
            raise unsupported(self.model, op, "indices do not index the input's dimensions")
        nd = int(ind.shape[-1])
        rows = ind.reshape(-1, nd)
        if (rows < 0).any() or (rows >= np.array(xs[:nd])).any():
            raise unsupported(self.model, op, "an index is out of range")
        # one output dimension per slice (the index dimensions flattened), then the slice
        shape = [int(rows.shape[0])] + xs[nd:]
        tables = [rows @ np.array(st[:nd], np.int64)]
        tables += [np.arange(n) * st[nd + d] for d, n in enumerate(xs[nd:])]
        self._remap(op, x, y, shape, tables)

    def op_batch_to_space_nd(self, op: Op) -> None:
        x, y, xs, _ = self._mover_io(op)
        block = _ints(self.const(op, op.inputs[1], "block shape"))
        crops = _ints(self.const(op, op.inputs[2], "crops"))
        ys = [int(v) for v in y.shape]
        if len(xs) == 3:  # [batch, height, channels]: a width of 1
            xs, ys, block, crops = (
                [xs[0], xs[1], 1, xs[2]],
                [ys[0], ys[1], 1, ys[2]],
                block[:1] + [1],
                crops[:2] + [0, 0],
            )
        if len(xs) != 4 or len(block) != 2 or len(crops) != 4 or min(block) < 1:
            raise unsupported(self.model, op, "expected a 3-D or 4-D input and 2 block sizes")
        n, h, w, c = xs
        ob, oh, ow, _ = ys
        bh, bw = block
        if n != ob * bh * bw or oh + crops[0] + crops[1] != h * bh or ow + crops[2] + crops[3] != w * bw:
            raise unsupported(self.model, op, "output shape disagrees with block and crops")
        image = h * w * c
        th = np.arange(oh) + crops[0]
        tw = np.arange(ow) + crops[2]
        # input batch (row offset * bw + column offset) * ob + b, then the pixel
        tables = [
            np.arange(ob) * image,
            (th % bh) * bw * ob * image + (th // bh) * w * c,
            (tw % bw) * ob * image + (tw // bw) * c,
            np.arange(c),
        ]
        self._remap(op, x, y, [ob, oh, ow, c], tables)

    def op_space_to_batch_nd(self, op: Op) -> None:
        x, y, xs, _ = self._mover_io(op)
        if x.dtype == "int8" and _q(x) != _q(y):
            raise unsupported(self.model, op, "input and output quantization differ")
        block = _ints(self.const(op, op.inputs[1], "block shape"))
        pads = _ints(self.const(op, op.inputs[2], "paddings"))
        ys = [int(v) for v in y.shape]
        if len(xs) == 3 and len(ys) == 3:  # [batch, height, channels]: a width of 1
            xs, ys, block, pads = (
                [xs[0], xs[1], 1, xs[2]],
                [ys[0], ys[1], 1, ys[2]],
                block[:1] + [1],
                pads[:2] + [0, 0],
            )
        if len(xs) != 4 or len(ys) != 4 or len(block) != 2 or len(pads) != 4 or min(block) < 1 or min(pads) < 0:
            raise unsupported(self.model, op, "expected a 3-D or 4-D input, 2 block sizes and non-negative paddings")
        n, h, w, c = xs
        bh, bw = block
        if (
            ys != [n * bh * bw, (h + pads[0] + pads[1]) // bh, (w + pads[2] + pads[3]) // bw, c]
            or (h + pads[0] + pads[1]) % bh
            or (w + pads[2] + pads[3]) % bw
        ):
            raise unsupported(self.model, op, "output shape disagrees with block and paddings")
        if any(pads):
            # TFLite Micro never sets SpaceToBatchParams.output_offset, the value it pads
            # with: the padding holds whatever bytes its persistent buffer had (0 in a fresh
            # arena, anything after other models ran), so no result can match it
            raise unsupported(
                self.model,
                op,
                "non-zero paddings: TFLite Micro pads with an unset value (its output_offset); pad with PAD first",
            )
        _, oh, ow, _ = ys
        # output batch (row offset * bw + column offset) * n + b holds input pixel
        # (oh * bh + row offset, ow * bw + column offset) of batch b: a 6-D rearrangement
        tables = [
            np.arange(bh) * w * c,
            np.arange(bw) * c,
            np.arange(n) * h * w * c,
            np.arange(oh) * bh * w * c,
            np.arange(ow) * bw * c,
            np.arange(c),
        ]
        self._remap(op, x, y, [bh, bw, n, oh, ow, c], tables)

    def pad_wide(self, op: Op) -> None:
        """PAD / PADV2 of int32 and float32 tensors (TFLite Micro's kernel also takes int8
        and int16: td_pad): 0, or PADV2's constant, in the padding."""
        x, y, xs, st = self._mover_io(op)
        pads = np.asarray(self.const(op, op.inputs[1], "paddings").data, np.int64).reshape(-1, 2)
        value = np.zeros(1, x.dtype)
        if op.opcode == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
            c = self.const(op, op.inputs[2], "constant value")
            if c.dtype != x.dtype:
                raise unsupported(self.model, op, f"constant value {c.name!r} is {c.dtype}, the input {x.dtype}")
            value = np.asarray(c.data, x.dtype).ravel()[:1]
        if pads.shape[0] != len(xs) or pads.min() < 0:
            raise unsupported(self.model, op, "paddings must give every dimension, none negative")
        shape, tables = [], []
        for d, n in enumerate(xs):
            lo, hi = int(pads[d, 0]), int(pads[d, 1])
            i = np.arange(n + lo + hi) - lo
            shape.append(n + lo + hi)
            tables.append(np.where((i < 0) | (i >= n), PADDED, i * st[d]))
        self._remap(op, x, y, shape, tables, int(value.view(np.int32)[0]))

    def op_broadcast_to(self, op: Op) -> None:
        x, y, xs, st = self._mover_io(op)
        ys = [int(v) for v in y.shape]
        pad = len(ys) - len(xs)
        if pad < 0:
            raise unsupported(self.model, op, "the target shape has fewer dimensions")
        full, strides = [1] * pad + xs, [0] * pad + st
        if any(n not in (1, m) for n, m in zip(full, ys)):
            raise unsupported(self.model, op, "shapes are not broadcast-compatible")
        self._remap(op, x, y, ys, [np.arange(m) * (s if n == m else 0) for n, m, s in zip(full, ys, strides)])

    def _split(self, op: Op, x: Tensor, axis: int, pieces: list[int]) -> None:
        xs = [int(v) for v in x.shape]
        axis = axis + len(xs) if axis < 0 else axis
        if not 0 <= axis < len(xs) or sum(pieces) != xs[axis] or len(pieces) != len(op.outputs):
            raise unsupported(self.model, op, "the pieces do not match the input")
        outs = [self.moved(op, i) for i in op.outputs]
        inner = int(np.prod(xs[axis + 1 :], dtype=np.int64))
        for t, p in zip(outs, pieces):
            if t.size != int(np.prod(xs[:axis], dtype=np.int64)) * p * inner:
                raise unsupported(self.model, op, f"output {t.name!r} has the wrong size")
        name = f"op{op.index}_copy_bytes"
        size = ITEMSIZE[x.dtype]
        arr = ConstArray(name, "int32_t", np.array([p * inner * size for p in pieces], np.int64), "params")
        params = dict(outer=int(np.prod(xs[:axis], dtype=np.int64)), num_outputs=len(outs), copy_bytes=name)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_split",
                "td_split_params",
                params,
                [x.index],
                [t.index for t in outs],
                [arr],
                {},
            )
        )

    def op_split(self, op: Op) -> None:
        x = self.moved(op, op.inputs[1])
        axis = _ints(self.const(op, op.inputs[0], "axis"))[0]
        n = int(op.options.get("num_splits", len(op.outputs)))
        dim = int(x.shape[axis])
        if n < 1 or dim % n:
            raise unsupported(self.model, op, f"{dim} does not split into {n} equal pieces")
        self._split(op, x, axis, [dim // n] * n)

    def op_split_v(self, op: Op) -> None:
        x = self.moved(op, op.inputs[0])
        sizes = _ints(self.const(op, op.inputs[1], "size_splits"))
        axis = _ints(self.const(op, op.inputs[2], "axis"))[0]
        dim = int(x.shape[axis])
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
        self._split(op, x, axis, sizes)

    def op_unpack(self, op: Op) -> None:
        x = self.moved(op, op.inputs[0])
        axis = int(op.options.get("axis", 0))
        self._split(op, x, axis, [1] * int(x.shape[axis]))

    def op_pack(self, op: Op) -> None:
        y = self.moved(op, op.outputs[0])
        ins = [self.moved(op, i) for i in op.inputs]
        if len({t.index for t in ins}) != len(ins):
            raise unsupported(self.model, op, "the same tensor packed twice")
        shape = [int(v) for v in ins[0].shape]
        axis = int(op.options.get("axis", 0))
        axis = axis + len(shape) + 1 if axis < 0 else axis
        if any([int(v) for v in t.shape] != shape for t in ins):
            raise unsupported(self.model, op, "the inputs differ in shape")
        inner = int(np.prod(shape[axis:], dtype=np.int64)) * ITEMSIZE[y.dtype]
        name = f"op{op.index}_copy_bytes"
        arr = ConstArray(name, "int32_t", np.full(len(ins), inner, np.int64), "params")
        # PACK is CONCATENATION along a new axis: the raw-bytes concatenation kernel
        params = dict(outer=int(np.prod(shape[:axis], dtype=np.int64)), num_inputs=len(ins), copy_bytes=name)
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_concat",
                "td_concat_params",
                params,
                [t.index for t in ins],
                [y.index],
                [arr],
                {},
            )
        )

    def op_resize_bilinear(self, op: Op) -> None:
        x, y = self.act(op, op.inputs[0]), self.act(op, op.outputs[0])
        xs = [int(v) for v in x.shape]
        size = _ints(self.const(op, op.inputs[1], "size"))
        align = bool(op.options.get("align_corners", False))
        half = bool(op.options.get("half_pixel_centers", False))
        if len(xs) != 4 or len(size) != 2 or [int(v) for v in y.shape] != [xs[0], *size, xs[3]]:
            raise unsupported(self.model, op, "expected a 4-D input and a size of 2 matching the output")
        if align and half:
            raise unsupported(self.model, op, "align_corners with half_pixel_centers")

        def records(out_size: int, in_size: int) -> list[int]:
            # ResizeBilinearInteger's scale in 1/1024 steps (C integer division)
            scale = ((1 << 10) * in_size + out_size // 2) // out_size
            if align and out_size > 1:
                scale = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
            out = []
            for v in range(out_size):
                sv = v * scale + (scale // 2 - (1 << 9) if half else 0)
                lo = max(int(sv / (1 << 10)), 0)  # truncation toward zero, as in C
                hi = min((sv + (1 << 10) - 1) // (1 << 10), in_size - 1)
                out += [lo, hi, sv - (1 << 10) * lo]
            return out

        n, h, w, c = xs
        pre = f"op{op.index}"
        arrays = [
            ConstArray(f"{pre}_rows", "int32_t", np.array(records(size[0], h)), "params"),
            ConstArray(f"{pre}_cols", "int32_t", np.array(records(size[1], w)), "params"),
        ]
        params = dict(
            batches=n,
            in_h=h,
            in_w=w,
            channels=c,
            out_h=size[0],
            out_w=size[1],
            rows=arrays[0].name,
            cols=arrays[1].name,
        )
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_resize_bilinear_s8",
                "td_resize_bilinear_params",
                params,
                [x.index],
                [y.index],
                arrays,
                {},
            )
        )
