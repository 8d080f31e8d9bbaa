/*
 * td_lstm_s8.c - UNIDIRECTIONAL_SEQUENCE_LSTM, int8 (TFLite Micro's integer reference,
 * lstm_eval.h: LstmStep with ActivationType int8, CellType int16, BiasType int32).
 *
 * One step (a batch row b at time t) for each unit j:
 *   gate g in (input, forget, cell, output):
 *     a = sat16(mbqm(W_g[j] . (x + input_offset) + bias_g[j], input_multiplier[g]))
 *     r = sat16(mbqm(R_g[j] . (h + hidden_offset), recurrent_multiplier[g]))
 *     gate = sigmoid16(sat16(a + r))  (tanh16 for the cell gate)   Q3.12 -> Q0.15
 *   c = sat16(sat16(mbqm(forget * c, forget)) + sat16(mbqm(input * cell, input_gate)))
 *   c = clamp(c, -cell_clip, cell_clip) when cell_clip > 0
 *   h' = clamp8(mbqm(tanh16(c) * output, output) + hidden_zero_point)
 * The gates of unit j read only the old hidden state h and the cell state c[j], so each
 * unit is finished at once: h' goes into the step's output row, which is copied to the
 * hidden state once every unit is done. The result is the same values as TFLite Micro's
 * four scratch buffers; no scratch here. The output must not overlap the input or the
 * states; the states persist between calls (td_model_init sets them to their zero point).
 */
#include "td_fixedpoint.h"
#include "td_kernels.h"
#include "td_sigmoid_s16.h"

/* The gates in Q3.12 (4096 per unit): the shared sigmoid takes steps of 1/(3 * 4096). */
static int32_t lstm_sigmoid(int32_t x) { return td_sigmoid_q15(x * 3); }

/* The cell's tanh: its input is (x * multiplier + round) >> shift (the compiler passes 3 and
 * 0 where TFLite's multiplier is 0), output in Q0.15. */
static int32_t lstm_tanh(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
  return td_tanh_q15((x * multiplier + round) >> shift);
}

static int32_t lstm_sat16(int32_t v) { return td_clamp32(v, INT16_MIN, INT16_MAX); }

/* One gate of unit j: the input FC (with bias) plus the recurrent FC (none), each
 * rescaled to Q3.12 and saturated to int16, their saturating sum. TFLite sums in int32;
 * |w (x + offset)| <= 128 * 255, so an int32 sum holds 65793 terms. */
static int32_t lstm_gate(const td_lstm_params *p, int32_t g, int32_t j, const int8_t *x,
                         const int8_t *h) {
  const int8_t *w = p->input_weights + (g * p->units + j) * p->input_size;
  const int8_t *r = p->recurrent_weights + (g * p->units + j) * p->units;
  int32_t acc = 0;
  int32_t rec = 0;
  int32_t i;
  for (i = 0; i < p->input_size; ++i) {
    acc += (int32_t)w[i] * ((int32_t)x[i] + p->input_offset);
  }
  acc += p->bias[g * p->units + j];
  for (i = 0; i < p->units; ++i) {
    rec += (int32_t)r[i] * ((int32_t)h[i] + p->hidden_offset);
  }
  acc = lstm_sat16(td_mbqm(acc, p->input_multiplier[g], p->input_shift[g]));
  rec = lstm_sat16(td_mbqm(rec, p->recurrent_multiplier[g], p->recurrent_shift[g]));
  return lstm_sat16(acc + rec);
}

td_status td_lstm_s8(const td_lstm_params *p, const int8_t *input, int8_t *hidden, int16_t *cell,
                     int8_t *output) {
  int32_t b;
  int32_t t;
  int32_t j;
  if (p == NULL || input == NULL || hidden == NULL || cell == NULL || output == NULL ||
      p->input_weights == NULL || p->recurrent_weights == NULL || p->bias == NULL || p->units < 1 ||
      p->cell_tanh_shift < 0 || p->cell_tanh_shift > 30) {
    return TD_ERR_ARG;
  }
  for (b = 0; b < p->batches; ++b) {
    int8_t *h = hidden + b * p->units;
    int16_t *c = cell + b * p->units;
    for (t = 0; t < p->time_steps; ++t) {
      const int32_t row = p->time_major ? t * p->batches + b : b * p->time_steps + t;
      const int8_t *x = input + row * p->input_size;
      int8_t *y = output + row * p->units;
      for (j = 0; j < p->units; ++j) {
        const int32_t ig = lstm_sigmoid(lstm_gate(p, 0, j, x, h));
        const int32_t fg = lstm_sigmoid(lstm_gate(p, 1, j, x, h));
        const int32_t cg = lstm_tanh(lstm_gate(p, 2, j, x, h), 3, 0);
        const int32_t og = lstm_sigmoid(lstm_gate(p, 3, j, x, h));
        int32_t cj = lstm_sat16(td_mbqm(fg * (int32_t)c[j], p->forget_multiplier, p->forget_shift));
        const int32_t ic =
            lstm_sat16(td_mbqm(ig * cg, p->input_gate_multiplier, p->input_gate_shift));
        cj = lstm_sat16(cj + ic);
        if (p->cell_clip > 0) {
          cj = td_clamp32(cj, -p->cell_clip, p->cell_clip);
        }
        c[j] = (int16_t)cj;
        y[j] = (int8_t)td_clamp32(
            td_mbqm(lstm_tanh(cj, p->cell_tanh_multiplier, p->cell_tanh_shift) * og,
                    p->output_multiplier, p->output_shift) +
                p->hidden_zero_point,
            INT8_MIN, INT8_MAX);
      }
      for (j = 0; j < p->units; ++j) {
        h[j] = y[j];
      }
    }
  }
  return TD_OK;
}
