/* Prints the two int16 tables of firmware/runtime/td_softmax_s16.c: TFLite's
 * LUTPopulateInt16<float> (kernels/internal/common.h) for SOFTMAX's exp and 1/(1+x)
 * tables (micro/kernels/softmax_common.cc), in float as TFLite computes them.
 *   gcc -O2 -ffp-contract=off scripts/softmax_s16_lut.c -lm && ./a.out */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

static float f_exp(float v) { return expf(v); }
static float f_recip(float v) { return 1.0f / (1.0f + v); }

static void populate(float input_scale, int32_t input_zp, float output_scale, int32_t output_zp,
                     float (*transform)(float), int16_t *lut) {
  const float input_min = input_scale * (float)(-32768 - input_zp);
  const float input_max = input_scale * (float)(32767 - input_zp);
  const float output_min = output_scale * (float)(-32768 - output_zp);
  const float output_max = output_scale * (float)(32767 - output_zp);
  const int nb_steps = 512;
  const float step = (input_max - input_min) / nb_steps;
  const float half_step = step / 2;
  const float output_scaling_inv = (float)(32767 - (-32768) + 1) / (output_max - output_min);
  const float table_min = -32768.0f, table_max = 32767.0f;
  int i;
  for (i = 0; i < nb_steps; i++) {
    const float val = transform(input_min + i * step);
    const float val_midpoint = transform(input_min + i * step + half_step);
    const float val_next = transform(input_min + (i + 1) * step);
    const float sample_val = roundf(val * output_scaling_inv);
    const float midpoint_interp_val = roundf((val_next * output_scaling_inv + roundf(val * output_scaling_inv)) / 2);
    const float midpoint_val = roundf(val_midpoint * output_scaling_inv);
    const float midpoint_err = midpoint_interp_val - midpoint_val;
    const float bias = roundf(midpoint_err / 2);
    lut[i] = (int16_t)fminf(fmaxf(sample_val - bias, table_min), table_max);
  }
  lut[nb_steps] = (int16_t)fminf(fmaxf(roundf(transform(input_max) * output_scaling_inv), table_min), table_max);
}

static void print(const char *name, const int16_t *lut) {
  int i;
  printf("static const int16_t %s[513] = {\n", name);
  for (i = 0; i < 513; i++) printf("%s%d,%s", i % 12 == 0 ? "    " : " ", lut[i], i % 12 == 11 || i == 512 ? "\n" : "");
  printf("};\n");
}

int main(void) {
  const int32_t range = 32767 - (-32768);
  int16_t exp_lut[513], recip_lut[513];
  populate(10.0f / range, 32767, 2.0f / range, 0, f_exp, exp_lut);
  populate(1.0f / range, -32768, 2.0f / range, 0, f_recip, recip_lut);
  print("k_exp_lut", exp_lut);
  print("k_one_over_one_plus_x_lut", recip_lut);
  return 0;
}
