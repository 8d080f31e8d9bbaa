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

/* The combined sigmoid/tanh table of TFLite (common.h): sigmoid(i / 24) in 0.16,
 * 256 entries. */
static const uint16_t lstm_sigmoid_table[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

/* int16 sigmoid as TFLite's integer reference computes it: |3x| picks a segment of the
 * table (9 fraction bits), linear between its ends, mirrored for x < 0; input Q3.12,
 * output Q0.15. */
static int32_t lstm_sigmoid(int32_t x) {
  const int32_t v = x * 3;
  const uint32_t mag = (uint32_t)(v < 0 ? -v : v);
  const uint32_t seg = mag >> 9;
  uint32_t result;
  if (seg >= 255u) {
    result = 0x7FFFu << 10;
  } else {
    const uint32_t y0 = lstm_sigmoid_table[seg];
    const uint32_t y1 = lstm_sigmoid_table[seg + 1u];
    result = (y0 << 9) + (mag & 0x1FFu) * (y1 - y0);
  }
  result = v >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
  return (int32_t)(int16_t)(uint16_t)(result >> 10);
}

/* int16 tanh from the same table (8 fraction bits, centred): the input is
 * (x * multiplier + round) >> shift (the compiler passes 3 and 0 where TFLite's multiplier
 * is 0), output in Q0.15. */
static int32_t lstm_tanh(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
  const int32_t v = (x * multiplier + round) >> shift;
  const uint32_t mag = (uint32_t)(v < 0 ? -v : v);
  const uint32_t seg = mag >> 8;
  int32_t result;
  if (seg >= 255u) {
    result = 0xFFFF << 8;
  } else {
    const uint32_t y0 = lstm_sigmoid_table[seg];
    const uint32_t y1 = lstm_sigmoid_table[seg + 1u];
    result = (int32_t)((y0 << 8) + (mag & 0xFFu) * (y1 - y0));
  }
  result = v >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
  return (int32_t)(int16_t)(uint16_t)(uint32_t)(result >> 8);
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
