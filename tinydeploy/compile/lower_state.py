"""Lowering of the ops with a variable tensor: SVDF (its activation state persists
between inferences).

A mixin of :class:`tinydeploy.compile.lower.Lowering`. The state is an activation the
step both reads and writes; the memory planner keeps a variable tensor alive over the
whole inference (nothing else may use its bytes) and the first td_model_init() fills it
with its zero point, as TFLite Micro's ResetVariableTensors does.
"""

from __future__ import annotations

import numpy as np

from tinydeploy.compile import quant
from tinydeploy.compile.lower import ConstArray, Step, _q, unsupported
from tinydeploy.model.ir import Model, Op

STATE_TYPES = {"int8": ("int8_t", 1), "int16": ("int16_t", 2)}


def _effective_scale(a: float, b: float, c: float) -> float:
    """a * b / c of three float scales, in double. The svdf_common.cc we read multiplies
    and divides in float before its static_cast<double>; the installed tflite-micro, the
    oracle, computes in double: its state after an inference matches the double
    multiplier on every value and the float one not (tests/integration/test_aot_ops.py,
    test_svdf_multiplier_is_the_oracles)."""
    return float(a) * float(b) / float(c)


class StateMixin:
    """The ``op_<name>`` methods of the stateful ops (see the module docstring)."""

    # provided by Lowering, which mixes this class in: model, steps, and the helpers
    # t, act, const
    model: Model
    steps: list[Step]

    def op_svdf(self, op: Op) -> None:
        """PrepareSvdf (svdf_common.cc) for the int8 kernel: inputs x [batches, input_size],
        weights_feature [num_filters, input_size], weights_time [num_filters, memory_size],
        bias [num_units] and the variable state [batches, num_filters x memory_size]."""
        if len(op.inputs) != 5:
            raise unsupported(self.model, op, f"{len(op.inputs)} inputs; SVDF has 5")
        x = self.act(op, op.inputs[0])
        y = self.act(op, op.outputs[0])
        wf = self.const(op, op.inputs[1], "feature weights")
        wt = self.const(op, op.inputs[2], "time weights")
        if op.inputs[3] < 0:  # TFLite Micro's Prepare reads the bias scale unconditionally
            raise unsupported(self.model, op, "SVDF without a bias (TFLite Micro requires one)")
        bias = self.const(op, op.inputs[3], "bias")
        state = self.t(op.inputs[4])
        if state.data is not None or not state.is_variable:
            raise unsupported(self.model, op, f"state {state.name!r} is not a variable tensor")
        if wf.dtype != "int8" or wt.dtype not in STATE_TYPES or state.dtype != wt.dtype or bias.dtype != "int32":
            raise unsupported(
                self.model,
                op,
                f"feature weights {wf.dtype}, time weights {wt.dtype}, state {state.dtype}, bias {bias.dtype}: "
                "int8 feature weights, int32 bias, and time weights and state both int8 or both int16 are supported",
            )
        for t in (wf, wt, state):
            if t.quant is None or not t.quant.scale or len(t.quant.scale) != 1:
                raise unsupported(self.model, op, f"tensor {t.name!r} needs one (per-tensor) scale")
        rank = int(op.options.get("rank", 0))
        if len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 or len(y.shape) != 2:
            raise unsupported(self.model, op, "input, weights and output must be 2-D")
        batches, input_size = (int(v) for v in x.shape)
        num_filters, memory_size = (int(v) for v in wt.shape)
        if rank < 1 or num_filters % rank or int(wf.shape[0]) != num_filters or int(wf.shape[1]) != input_size:
            raise unsupported(self.model, op, f"rank {rank} and the weight shapes do not match")
        num_units = num_filters // rank
        if [int(v) for v in y.shape] != [batches, num_units] or int(np.asarray(bias.data).size) != num_units:
            raise unsupported(self.model, op, "output or bias shape does not match the units")
        if [int(v) for v in state.shape] != [batches, num_filters * memory_size]:
            raise unsupported(self.model, op, f"state shape {list(state.shape)} does not match the weights")
        s_in, z_in = _q(x)
        s_out, z_out = _q(y)
        s_state, z_state = _q(state)
        s_wf, s_wt = float(wf.quant.scale[0]), float(wt.quant.scale[0])  # type: ignore[union-attr]
        m1, sh1 = quant.quantize_multiplier(_effective_scale(s_in, s_wf, s_state))
        m2, sh2 = quant.quantize_multiplier(_effective_scale(s_state, s_wt, s_out))
        ctype, itemsize = STATE_TYPES[wt.dtype]
        pre = f"op{op.index}"
        arrays = [
            ConstArray(f"{pre}_weights_feature", "int8_t", np.asarray(wf.data).astype(np.int64), "weights"),
            ConstArray(f"{pre}_weights_time", ctype, np.asarray(wt.data).astype(np.int64), "weights"),
            ConstArray(f"{pre}_bias", "int32_t", np.asarray(bias.data).reshape(-1).astype(np.int64), "weights"),
        ]
        params = dict(
            batches=batches,
            input_size=input_size,
            num_filters=num_filters,
            num_units=num_units,
            rank=rank,
            memory_size=memory_size,
            state_itemsize=itemsize,
            input_offset=-z_in,
            state_zero_point=z_state,
            output_offset=z_out,
            multiplier_1=m1,
            shift_1=sh1,
            multiplier_2=m2,
            shift_2=sh2,
            weights_feature=arrays[0].name,
            weights_time=arrays[1].name,
            bias=arrays[2].name,
        )
        # the state is read and written in place: an input of the step, alive throughout
        self.steps.append(
            Step(op.index, op.opcode, "td_svdf_s8", "td_svdf_params", params, [x.index, state.index], [y.index], arrays)
        )
