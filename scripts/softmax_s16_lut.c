/* Prints the two int16 tables of firmware/runtime/td_softmax_s16.c, the exp and 1/(1+x)
 * tables TFLite Micro's int16 SOFTMAX builds in its Prepare (same inputs, same float
 * arithmetic).
 *   gcc -O2 -ffp-contract=off scripts/softmax_s16_lut.c -lm && ./a.out */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

static float f_exp(float v) { return expf(v); }
static float f_recip(float v) { return 1.0f / (1.0f + v); }

/* 513 table entries over the int16 input range: entry i is f at the i-th of 512 equal steps,
 * less half the error a linear interpolation between entries i and i+1 would make at the
 * step's middle (so interpolated lookups err both ways), clamped to int16. The arithmetic is
 * float, in the order TFLite's table builder uses: the tables must match it bit for bit. */
static void populate(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp,
                     float (*f)(float), int16_t *table) {
  const float lo = in_scale * (float)(-32768 - in_zp);
  const float hi = in_scale * (float)(32767 - in_zp);
  const float out_lo = out_scale * (float)(-32768 - out_zp);
  const float out_hi = out_scale * (float)(32767 - out_zp);
  const int steps = 512;
  const float width = (hi - lo) / steps;
  const float half = width / 2;
  const float to_q = (float)(32767 - (-32768) + 1) / (out_hi - out_lo);
  int i;
  for (i = 0; i < steps; i++) {
    const float here = f(lo + i * width);
    const float mid = f(lo + i * width + half);
    const float next = f(lo + (i + 1) * width);
    const float q = roundf(here * to_q);
    const float mid_linear = roundf((next * to_q + roundf(here * to_q)) / 2);
    const float err = mid_linear - roundf(mid * to_q);
    table[i] = (int16_t)fminf(fmaxf(q - roundf(err / 2), -32768.0f), 32767.0f);
  }
  table[steps] = (int16_t)fminf(fmaxf(roundf(f(hi) * to_q), -32768.0f), 32767.0f);
}

static void print(const char *name, const int16_t *lut) {
  int i;
  printf("static const int16_t %s[513] = {\n", name);
  for (i = 0; i < 513; i++)
    printf("%s%d,%s", i % 12 == 0 ? "    " : " ", lut[i], i % 12 == 11 || i == 512 ? "\n" : "");
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
