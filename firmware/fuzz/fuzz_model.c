/*
 * fuzz_model.c - a tiny td_model.h implementation for fuzzing the protocol server.
 *
 * int8 input [1, 8]; output [1, 4], int8 or float32 as fuzz_model_configure() says.
 * The input buffer is exactly 8 bytes, so AddressSanitizer catches any loader that
 * writes one byte past it. Some input bytes make invoke or the guard check fail, so
 * the server's error paths are fuzzed too.
 */
#include <string.h>

#include "fuzz_model.h"
#include "td_model.h"

static int8_t g_input[8];
static float g_output_f32[4];
static int8_t g_output_s8[4];
static int g_ready;
static int g_init_fails;
static int g_float_out;

static const td_tensor_info k_in = {TD_INT8, 2, {1, 8, 0, 0, 0}, 8, 0.125f, 3};
static const td_tensor_info k_out_s8 = {TD_INT8, 2, {1, 4, 0, 0, 0}, 4, 0.5f, -2};
static const td_tensor_info k_out_f32 = {TD_FLOAT32, 2, {1, 4, 0, 0, 0}, 16, 0.0f, 0};

void fuzz_model_configure(int init_fails, int float_out) {
  g_init_fails = init_fails;
  g_float_out = float_out;
  g_ready = 0;
  memset(g_input, 0, sizeof g_input);
  memset(g_output_f32, 0, sizeof g_output_f32);
  memset(g_output_s8, 0, sizeof g_output_s8);
}

td_status td_model_init(void) {
  if (g_init_fails) return TD_ERR_INIT;
  g_ready = 1;
  return TD_OK;
}

void *td_model_input(void) { return g_input; }
void *td_model_output(void) { return g_float_out ? (void *)g_output_f32 : (void *)g_output_s8; }
const td_tensor_info *td_model_input_info(void) { return &k_in; }
const td_tensor_info *td_model_output_info(void) { return g_float_out ? &k_out_f32 : &k_out_s8; }

td_status td_model_invoke(void) {
  int i;
  if (!g_ready) return TD_ERR_INIT;
  if (g_input[0] == 0x7F && g_input[1] == 0x7F) return TD_ERR_INVOKE;
  for (i = 0; i < 4; i++) {
    int32_t v = (int32_t)g_input[2 * i] * g_input[2 * i + 1];
    g_output_s8[i] = (int8_t)(v >> 7);
    /* extreme floats: nan, inf and huge values exercise the number printers */
    g_output_f32[i] = (g_input[2 * i] == -128) ? (float)v * 1.0e30f * 1.0e10f : (float)v / 3.0f;
  }
  return TD_OK;
}

td_status td_model_check(void) {
  /* a stand-in for a corrupted arena guard */
  return (g_input[0] == 0x7E && g_input[1] == 0x7E) ? TD_ERR_CORRUPT : TD_OK;
}

/* td-prof: per-op ticks of the last inference (td_server.c declares it weak). */
uint32_t td_model_profile(const int16_t **ops, const uint32_t **ticks, uint32_t *overhead) {
  static const int16_t k_ops[3] = {0, 1, 2};
  static uint32_t k_ticks[3];
  k_ticks[0] = (uint8_t)g_input[0];
  k_ticks[1] = (uint8_t)g_input[1];
  k_ticks[2] = 0xFFFFFFFFu;
  *ops = k_ops;
  *ticks = k_ticks;
  *overhead = 7u;
  return 3u;
}

uint32_t td_model_arena_bytes(void) { return 0u; }
uint32_t td_model_static_bytes(void) { return (uint32_t)(sizeof g_input + sizeof g_output_f32); }
const char *td_model_name(void) { return "fuzz\"model\\\x01"; }
const char *td_model_hash(void) { return "0123456789abcdef"; }
const char *td_model_runtime(void) { return "fuzz"; }
