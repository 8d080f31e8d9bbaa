"""Lowering of the ops with a variable tensor: SVDF (its activation state persists
between inferences) and UNIDIRECTIONAL_SEQUENCE_LSTM (its hidden and cell states).

A mixin of :class:`tinydeploy.compile.lower.Lowering`. The state is an activation the
step both reads and writes; the memory planner keeps a variable tensor alive over the
whole inference (nothing else may use its bytes) and the first td_model_init() fills it
with its zero point, as TFLite Micro's ResetVariableTensors does.
"""

from __future__ import annotations

import math

import numpy as np

from tinydeploy.compile import quant
from tinydeploy.compile.lower import ConstArray, Step, _q, unsupported
from tinydeploy.model.ir import Model, Op

STATE_TYPES = {"int8": ("int8_t", 1), "int16": ("int16_t", 2)}

# UNIDIRECTIONAL_SEQUENCE_LSTM's inputs (TFLite's lstm_shared.h): per gate in the order
# input, forget, cell, output: the input weights, recurrent weights and bias
LSTM_INPUT_WEIGHTS = (1, 2, 3, 4)
LSTM_RECURRENT_WEIGHTS = (5, 6, 7, 8)
LSTM_BIASES = (12, 13, 14, 15)
LSTM_VARIANTS = {9: "peephole", 10: "peephole", 11: "peephole", 16: "projection", 17: "projection"}
LSTM_VARIANTS.update({i: "layer normalization" for i in range(20, 24)})
LSTM_HIDDEN, LSTM_CELL = 18, 19
# TFLite Micro's fixed gate scales: the FC outputs in Q3.12, the sigmoid/tanh outputs in Q0.15
LSTM_GATE_SCALE = 2.0**-12
LSTM_NONLINEAR_SCALE = 2.0**-15


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

    def op_unidirectional_sequence_lstm(self, op: Op) -> None:
        """UnidirectionalSequenceLstmPrepare (unidirectional_sequence_lstm.cc,
        lstm_eval_common.cc) for the integer kernel: int8 input and hidden state, int8
        weights, int32 biases, an int16 cell state; no peephole, projection or layer norm
        (TFLite Micro's kernel refuses them too)."""
        if len(op.inputs) != 24:
            raise unsupported(self.model, op, f"{len(op.inputs)} inputs; UNIDIRECTIONAL_SEQUENCE_LSTM has 24")
        for i, variant in LSTM_VARIANTS.items():
            if op.inputs[i] >= 0:
                raise unsupported(self.model, op, f"an LSTM with {variant} (TFLite Micro's kernel has none)")
        x = self.act(op, op.inputs[0])
        y = self.act(op, op.outputs[0])
        h, cell = self.t(op.inputs[LSTM_HIDDEN]), self.t(op.inputs[LSTM_CELL])
        for st in (h, cell):
            if st.data is not None or not st.is_variable:
                raise unsupported(self.model, op, f"state {st.name!r} is not a variable tensor")
        if x.dtype != "int8" or y.dtype != "int8" or h.dtype != "int8" or cell.dtype != "int16":
            raise unsupported(
                self.model,
                op,
                f"input {x.dtype}, output {y.dtype}, hidden state {h.dtype}, cell state {cell.dtype}: "
                "the int8 LSTM (int8 activations and hidden state, int16 cell state) is supported",
            )
        wi = [self.const(op, op.inputs[i], "input weights") for i in LSTM_INPUT_WEIGHTS]
        wr = [self.const(op, op.inputs[i], "recurrent weights") for i in LSTM_RECURRENT_WEIGHTS]
        bias = [self.const(op, op.inputs[i], "bias") for i in LSTM_BIASES]
        for w in wi + wr:
            if w.dtype != "int8" or w.quant is None or len(w.quant.scale) != 1 or any(w.quant.zero_point):
                raise unsupported(self.model, op, f"weights {w.name!r} must be int8 with one scale and zero point 0")
        if any(b.dtype != "int32" for b in bias):
            raise unsupported(self.model, op, "the gate biases must be int32")
        if len(x.shape) != 3 or len(y.shape) != 3:
            raise unsupported(self.model, op, "input and output must be 3-D")
        if op.options.get("diagonal_recurrent_tensors"):
            raise unsupported(self.model, op, "diagonal recurrent weights (TFLite Micro's kernel has none)")
        time_major = bool(op.options.get("time_major", False))
        d0, d1, input_size = (int(v) for v in x.shape)
        time_steps, batches = (d0, d1) if time_major else (d1, d0)
        units = int(wr[0].shape[0])
        shapes_ok = all([int(v) for v in w.shape] == [units, input_size] for w in wi)
        shapes_ok &= all([int(v) for v in w.shape] == [units, units] for w in wr)
        shapes_ok &= all(int(np.asarray(b.data).size) == units for b in bias)
        shapes_ok &= [int(v) for v in y.shape] == [d0, d1, units]
        shapes_ok &= int(np.prod(h.shape)) == batches * units and int(np.prod(cell.shape)) == batches * units
        if not shapes_ok:
            raise unsupported(self.model, op, "the weight, bias, state and output shapes do not match")
        activation = op.options.get("fused_activation_function", "NONE")
        if activation != "TANH":
            raise unsupported(self.model, op, f"cell gate activation {activation}; TFLite Micro's kernel runs TANH")
        s_in, z_in = _q(x)
        s_h, z_h = _q(h)
        s_c, z_c = _q(cell)
        if z_c != 0:
            raise unsupported(self.model, op, f"cell state zero point {z_c}; TFLite Micro's is 0")
        # CalculateOpDataFullyConnected: input scale x weight scale / 2^-12, in double
        in_q = [quant.quantize_multiplier(float(s_in) * float(w.quant.scale[0]) / LSTM_GATE_SCALE) for w in wi]  # type: ignore[union-attr]
        rec_q = [quant.quantize_multiplier(float(s_h) * float(w.quant.scale[0]) / LSTM_GATE_SCALE) for w in wr]  # type: ignore[union-attr]
        # CreateInterGateMulParams: in double from float scales
        fm, fs = quant.quantize_multiplier(LSTM_NONLINEAR_SCALE * float(s_c) / float(s_c))
        im, ish = quant.quantize_multiplier(LSTM_NONLINEAR_SCALE * LSTM_NONLINEAR_SCALE / float(s_c))
        om, osh = quant.quantize_multiplier(LSTM_NONLINEAR_SCALE * LSTM_NONLINEAR_SCALE / float(s_h))
        # CreateLstmCellStateInfo: the cell scale's power of two, the clip in cell steps
        # CheckedLog2 in float, rounded half away from zero; not checked to be exact
        power = int(quant.tflite_round(float(np.float32(math.log(float(s_c))) * np.float32(1.0 / math.log(2.0)))))
        clip = float(np.float32(op.options.get("cell_clip", 0.0) or 0.0))
        q_clip = int(min(max(clip / float(s_c), -32768.0), 32767.0)) if clip > 0 else 0
        if clip > 0 and q_clip == 0:
            raise unsupported(self.model, op, f"cell clip {clip} is below one cell state step ({s_c})")
        left = 15 + power - 3  # lstm_eval.cc's Tanh: (15 + cell_state_scale_power) - 3
        if left > 14:  # TFLite's int16 Tanh would overflow its int32 x * (3 << left)
            raise unsupported(self.model, op, f"cell state scale {s_c} is above 4 (2^{power})")
        tanh_mul, tanh_shift = (3 << left, 0) if left >= 0 else (3, -left)
        pre = f"op{op.index}"
        arrays = [
            ConstArray(
                f"{pre}_input_weights",
                "int8_t",
                np.concatenate([np.asarray(w.data).reshape(-1) for w in wi]).astype(np.int64),
                "weights",
            ),
            ConstArray(
                f"{pre}_recurrent_weights",
                "int8_t",
                np.concatenate([np.asarray(w.data).reshape(-1) for w in wr]).astype(np.int64),
                "weights",
            ),
            ConstArray(
                f"{pre}_bias",
                "int32_t",
                np.concatenate([np.asarray(b.data).reshape(-1) for b in bias]).astype(np.int64),
                "weights",
            ),
        ]
        params = dict(
            batches=batches,
            time_steps=time_steps,
            input_size=input_size,
            units=units,
            time_major=int(time_major),
            input_offset=-z_in,
            hidden_offset=-z_h,
            hidden_zero_point=z_h,
            input_multiplier=[m for m, _ in in_q],
            input_shift=[s for _, s in in_q],
            recurrent_multiplier=[m for m, _ in rec_q],
            recurrent_shift=[s for _, s in rec_q],
            forget_multiplier=fm,
            forget_shift=fs,
            input_gate_multiplier=im,
            input_gate_shift=ish,
            output_multiplier=om,
            output_shift=osh,
            cell_clip=q_clip,
            cell_tanh_multiplier=tanh_mul,
            cell_tanh_shift=tanh_shift,
            input_weights=arrays[0].name,
            recurrent_weights=arrays[1].name,
            bias=arrays[2].name,
        )
        # both states are read and written in place: inputs of the step, alive throughout
        self.steps.append(
            Step(
                op.index,
                op.opcode,
                "td_lstm_s8",
                "td_lstm_params",
                params,
                [x.index, h.index, cell.index],
                [y.index],
                arrays,
            )
        )
