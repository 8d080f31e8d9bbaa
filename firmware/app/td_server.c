/*
 * td_server.c - the tdlink protocol server: one main loop over td_model.h.
 *
 * Compatible with the MLPerf Tiny / EEMBC runner: commands are text ending in
 * '%', arguments separated by spaces, replies are lines ending "\r\n", and every
 * command ends with "m-ready". Errors are "e-[...]" lines; the server never
 * crashes or blocks on malformed, oversized or out-of-order input.
 *
 *   name%                 m-name-dut-[tinydeploy]
 *   profile%              m-profile-[...] m-model-[<model id>]  (TD_MLPERF_ID if set,
 *                         e.g. kws01, else the model's name)
 *   help%                 the command list, one line each
 *   timestamp%            m-lap-us-<us>
 *   db load N%            m-[Expecting N bytes]      (N = input tensor bytes at most)
 *   db <hex>%             ... m-load-done            (when N bytes have arrived)
 *   db print [N] [off]%   m-buffer-xx-xx-... : N (16) loaded bytes from off (0), 8 a line
 *   infer N [W]%          m-warmup-start-W m-warmup-done m-infer-start-N
 *                         m-lap-us-<t0> m-lap-us-<t1> m-infer-done m-results-[...]
 *                         (t0, t1: the tick counter around the timed runs only)
 *   results%              m-results-[<dequantized outputs, 3 decimals>]
 *   td-info%              m-td-info-{json: model, runtime, board, tensors}
 *   td-out%               m-td-out-<raw output bytes as hex>
 *   td-mem%               m-td-mem-{json: arena, static RAM, stack high-water}
 *   td-cycles%            m-td-cycles-{json: ticks of the last timed inferences}
 *   td-load <len> <crc>%  m-td-load-ready, then exactly <len> raw bytes,
 *                         then m-load-done (CRC-32 checked) or e-[...]
 *   td-spin N%            m-td-spin-{json}: ticks of a loop of exactly 2N+c instructions
 *   td-prof%              m-td-prof-{json}: ticks of every op of the last inference
 *                         (a model compiled with profiling; else an error line)
 *                         (calibrates host-side instruction counting under QEMU -icount)
 *   anything else         offered to td_server_ext() (firmware extensions), else e-[Unknown command]
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "td_board.h"
#include "td_hal.h"
#include "td_io.h"
#include "td_server.h"
#include "td_model.h"

#define TD_FW_VERSION "tinydeploy-fw-0.1"

/* The server names and prints int32 and bool tensors (td_model.h version 2) and int16
 * ones (version 3: 16x8 models). */
#if TD_MODEL_API_VERSION < 3
#error "td_server.c needs td_model.h version 3 (TD_INT32, TD_BOOL, TD_INT16)"
#endif
#define TD_CMD_MAX 1024u            /* longest command line; longer ones are refused */
#ifndef TD_MAX_RUNS
#define TD_MAX_RUNS 1000000u        /* cap on infer N and W (the fuzz build lowers it) */
#endif
#ifndef TD_MAX_SPIN
#define TD_MAX_SPIN 100000000u      /* cap on td-spin N */
#endif
#ifndef TD_LOAD_TIMEOUT_MS          /* td_board.h may set it (Renode boards) */
#define TD_LOAD_TIMEOUT_MS 5000u    /* td-load: give up if the data stops arriving */
#endif
#define TD_STACK_GUARD_BYTES 16u    /* painted words at the stack limit that must survive */

static char g_cmd[TD_CMD_MAX + 1u];
static uint32_t g_cmd_len;
static int g_cmd_overflow;

static int g_model_ok;              /* td_model_init() succeeded */
static uint32_t g_load_expect;      /* db load N: bytes announced */
static uint32_t g_load_pos;         /* bytes received so far */
static int g_input_ready;           /* a complete input is in the buffer */

/* Inference may overwrite the input tensor (the arena reuses its memory, as in
 * TFLite Micro), so `infer N W` restores the loaded input before every run from
 * this copy. The project generator sizes it to the model's input (td_board.h);
 * without it only the first run of `infer N W` sees the loaded input. */
#ifndef TD_INPUT_STORE_BYTES
#define TD_INPUT_STORE_BYTES 0
#endif
#if TD_INPUT_STORE_BYTES > 0
static uint32_t g_input_store[(TD_INPUT_STORE_BYTES + 3) / 4];  /* word-aligned */

/* n bytes, by words when both ends are word-aligned. The volatile stores keep the
 * compiler from turning the loop into a memcpy() call: newlib's memcpy is 308 bytes
 * of flash that the rest of the firmware need not pull in. */
typedef uint32_t td_word_alias __attribute__((may_alias));
static void copy_bytes(void *dst, const void *src, uint32_t n) {
  volatile uint8_t *d = (volatile uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  if ((((uintptr_t)dst | (uintptr_t)src) & 3u) == 0u) {
    for (; n >= 4u; n -= 4u, d += 4, s += 4)
      *(volatile td_word_alias *)d = *(const td_word_alias *)s;
  }
  for (; n > 0u; n--) *d++ = *s++;
}
#endif

static void input_loaded(void) {
#if TD_INPUT_STORE_BYTES > 0
  const td_tensor_info *info = td_model_input_info();
  if (info->bytes > 0 && (uint32_t)info->bytes <= TD_INPUT_STORE_BYTES)
    copy_bytes(g_input_store, td_model_input(), (uint32_t)info->bytes);
#endif
  g_input_ready = 1;
}

/* Copy the loaded input back into the tensor; part of every timed run (a word copy). */
static td_status invoke_on_loaded_input(void) {
#if TD_INPUT_STORE_BYTES > 0
  const td_tensor_info *info = td_model_input_info();
  if (info->bytes > 0 && (uint32_t)info->bytes <= TD_INPUT_STORE_BYTES)
    copy_bytes(td_model_input(), g_input_store, (uint32_t)info->bytes);
#endif
  return td_model_invoke();
}
static int g_output_ready;          /* an inference has run since the last load */
static uint64_t g_last_ticks;       /* ticks of the last timed block of inferences */
static uint32_t g_last_runs;

static void ready(void) {
  td_puts("m-ready");
  td_endl();
}

static void error(const char *msg) {
  td_puts("e-[");
  td_puts(msg);
  td_puts("]");
  td_endl();
}

/* Free text from the model (its name) on a reply line: control and non-ASCII bytes
 * become '?', so a name can never break the line framing. */
static void put_printable(const char *s) {
  for (; s && *s; s++) hal_putc((*s >= 0x20 && *s < 0x7F) ? *s : '?');
}

static void put_lap_at(uint64_t t) {
  /* EEMBC timestamp: microseconds of the tick counter. */
  uint16_t per_us = (uint16_t)(hal_tick_hz() / 1000000u);  /* < 4295: a uint32_t rate */
  td_puts("m-lap-us-");
  td_put_u64(td_udiv64(t, per_us ? per_us : 1u, 0));
  td_endl();
}

static void put_lap(void) { put_lap_at(hal_ticks()); }

/* Equal strings; newlib's strcmp is unrolled (about 700 bytes of flash). */
static int same(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

static const char *dtype_name(td_dtype t) {
  switch (t) {
    case TD_INT8:
      return "int8";
    case TD_INT16:
      return "int16";
    case TD_INT32:
      return "int32";
    case TD_BOOL:
      return "bool";
    default:
      return "float32";
  }
}

static void put_tensor_json(const td_tensor_info *t) {
  int32_t i;
  union {
    float f;
    uint32_t u;
  } bits;
  td_puts("{\"dtype\":\"");
  td_puts(dtype_name(t->dtype));
  td_puts("\",\"shape\":[");
  for (i = 0; i < t->dims && i < TD_MAX_DIMS; i++) {
    if (i) hal_putc(',');
    td_put_i32(t->shape[i]);
  }
  td_puts("],\"bytes\":");
  td_put_i32(t->bytes);
  td_puts(",\"scale\":");
  td_put_float(t->scale);
  bits.f = t->scale;
  td_puts(",\"scale_bits\":\"");
  td_put_hex32(bits.u);
  td_puts("\",\"zero_point\":");
  td_put_i32(t->zero_point);
  hal_putc('}');
}

static void cmd_info(void) {
  td_puts("m-td-info-{\"fw\":\"" TD_FW_VERSION "\",\"board\":");
  td_put_json_str(TD_BOARD_ID);
  td_puts(",\"cpu\":");
  td_put_json_str(TD_CPU);
  td_puts(",\"clock_hz\":");
  td_put_u64(TD_CLOCK_HZ);
  td_puts(",\"timer\":");
  td_put_json_str(hal_tick_source());
  td_puts(",\"tick_hz\":");
  td_put_u64(hal_tick_hz());
  td_puts(",\"model\":");
  td_put_json_str(td_model_name());
  td_puts(",\"hash\":");
  td_put_json_str(td_model_hash());
  td_puts(",\"runtime\":");
  td_put_json_str(td_model_runtime());
  td_puts(",\"init_ok\":");
  td_puts(g_model_ok ? "true" : "false");
  if (g_model_ok) {
    td_puts(",\"input\":");
    put_tensor_json(td_model_input_info());
    td_puts(",\"output\":");
    put_tensor_json(td_model_output_info());
  }
  hal_putc('}');
  td_endl();
}

static void cmd_mem(void) {
  uint32_t used = hal_stack_used(), ram = hal_static_ram();
  td_puts("m-td-mem-{\"arena_bytes\":");
  td_put_u64(td_model_arena_bytes());
  td_puts(",\"model_static_bytes\":");
  td_put_u64(td_model_static_bytes());
  td_puts(",\"static_ram_bytes\":");
  if (ram == UINT32_MAX)
    td_puts("null");
  else
    td_put_u64(ram);
  td_puts(",\"stack_bytes\":");
  td_put_u64(hal_stack_bytes());
  td_puts(",\"stack_used_bytes\":");
  if (used == UINT32_MAX)
    td_puts("null");
  else
    td_put_u64(used);
  td_puts(",\"arena_guard_ok\":");
  td_puts(g_model_ok && td_model_check() == TD_OK ? "true" : "false");
  hal_putc('}');
  td_endl();
}

static void cmd_cycles(void) {
  td_puts("m-td-cycles-{\"ticks\":");
  td_put_u64(g_last_ticks);
  td_puts(",\"runs\":");
  td_put_u64(g_last_runs);
  td_puts(",\"tick_hz\":");
  td_put_u64(hal_tick_hz());
  td_puts(",\"timer\":");
  td_put_json_str(hal_tick_source());
  hal_putc('}');
  td_endl();
}

/* After inferences: the arena's guard words (td_model_check) and the painted words at
 * the stack limit must be intact, or the outputs cannot be trusted. Reports an e-[...]
 * line and returns 0 when they are not. Both are sticky: the device needs a reset. */
static int guards_ok(void) {
  uint32_t used = hal_stack_used(), total = hal_stack_bytes();
  if (td_model_check() != TD_OK) {
    error(
        "arena guard overwritten: the model wrote outside its arena; outputs discarded, reset the device");
    return 0;
  }
  if (used != UINT32_MAX && total > TD_STACK_GUARD_BYTES && used > total - TD_STACK_GUARD_BYTES) {
    td_puts("e-[stack overflow: ");
    td_put_u64(used);
    td_puts(" of ");
    td_put_u64(total);
    td_puts(
        " stack bytes used, the guard at the stack limit is overwritten; outputs discarded, reset the device]");
    td_endl();
    return 0;
  }
  return 1;
}

static int need_model(void) {
  if (!g_model_ok)
    error("model failed to initialise (td_model_init); only name, profile, td-info, td-mem work");
  return g_model_ok;
}

static void cmd_results(void) {
  const td_tensor_info *o = td_model_output_info();
  const void *buf = td_model_output();
  int32_t i, n;
  td_puts("m-results-[");
  n = o->bytes / td_dtype_bytes(o->dtype);
  for (i = 0; i < n; i++) {
    if (i) hal_putc(',');
    if (o->dtype == TD_INT8) {
      int32_t q = ((const int8_t *)buf)[i];
      td_put_fixed3(o->scale * (float)(q - o->zero_point));
    } else if (o->dtype == TD_INT16) {  /* 16x8 models */
      int32_t q = ((const int16_t *)buf)[i];
      td_put_fixed3(o->scale * (float)(q - o->zero_point));
    } else if (o->dtype == TD_INT32) {  /* class indices (ARG_MAX): exact integers */
      td_put_i32(((const int32_t *)buf)[i]);
    } else if (o->dtype == TD_BOOL) {
      hal_putc(((const uint8_t *)buf)[i] ? '1' : '0');
    } else {
      td_put_fixed3(((const float *)buf)[i]);
    }
  }
  td_puts("]");
  td_endl();
}

static void cmd_out(void) {
  const uint8_t *buf = (const uint8_t *)td_model_output();
  int32_t i;
  td_puts("m-td-out-");
  for (i = 0; i < td_model_output_info()->bytes; i++) td_put_hex8(buf[i]);
  td_endl();
}

static void cmd_infer(const char *a_n, const char *a_w) {
  uint32_t n = 1, w = 0, i;
  uint64_t t0, t1;
  td_status st = TD_OK;
  if (a_n && td_parse_u32(a_n, TD_MAX_RUNS, &n) != 0) {
    error("infer N: N must be a whole number 1..1000000");
    return;
  }
  if (a_w && td_parse_u32(a_w, TD_MAX_RUNS, &w) != 0) {
    error("infer N W: W must be a whole number 0..1000000");
    return;
  }
  if (n == 0) {
    error("Inference iterations must be >0");
    return;
  }
  if (!need_model()) return;
  if (!g_input_ready) {
    error("no input loaded: send db load N% and db <hex>% (or td-load) first");
    return;
  }
  td_puts("m-warmup-start-");
  td_put_u64(w);
  td_endl();
  for (i = 0; i < w && st == TD_OK; i++) st = invoke_on_loaded_input();
  td_puts("m-warmup-done");
  td_endl();
  td_puts("m-infer-start-");
  td_put_u64(n);
  td_endl();
  /* hal_timer_sync() may move the tick counter on (to a timer period boundary), so it
   * comes before the first timestamp: both laps and td-cycles cover only the runs. */
  hal_timer_sync();
  t0 = hal_ticks();
  for (i = 0; i < n && st == TD_OK; i++) st = invoke_on_loaded_input();
  t1 = hal_ticks();
  g_last_ticks = t1 - t0;
  g_last_runs = n;
  put_lap_at(t0);
  put_lap_at(t1);
  if (st != TD_OK) {
    td_puts("e-[td_model_invoke failed with status ");
    td_put_i32((int32_t)st);
    td_puts("]");
    td_endl();
    g_output_ready = 0;
    return;
  }
  if (!guards_ok()) {
    g_output_ready = 0;
    return;
  }
  td_puts("m-infer-done");
  td_endl();
  g_output_ready = 1;
  cmd_results();
}

/* db print [N] [off]: the loaded input as the EEMBC firmware shows its buffer. */
static void cmd_db_print(const uint8_t *in, uint32_t cap, const char *a_n, const char *a_off) {
  uint32_t n = 16u, off = 0u, i;
  if ((a_n && td_parse_u32(a_n, cap, &n) != 0) || (a_off && td_parse_u32(a_off, cap, &off) != 0)) {
    error("usage: db print [N] [offset], within the input tensor");
    return;
  }
#if TD_INPUT_STORE_BYTES > 0
  if (g_input_ready && cap <= TD_INPUT_STORE_BYTES) in = (const uint8_t *)g_input_store;
#endif
  if (n > cap - off) n = cap - off;
  for (i = 0; i < n; i++) {
    if (i % 8u == 0u)
      td_puts("m-buffer-");
    else
      hal_putc('-');
    td_put_hex8(in[off + i]);
    if (i % 8u == 7u || i + 1u == n) td_endl();
  }
}

static void cmd_db(char *sub, char *arg, char *arg2) {
  uint8_t *in;
  uint32_t cap, i, len;
  int bad;
  if (sub == 0) {
    error("Command 'db' requires a subcommand");
    return;
  }
  if (!need_model()) return;
  in = (uint8_t *)td_model_input();
  cap = (uint32_t)td_model_input_info()->bytes;
  if (same(sub, "print")) {
    cmd_db_print(in, cap, arg, arg2);
    return;
  }
  if (arg2 != 0) {
    error("too many arguments");
    return;
  }
  if (same(sub, "load")) {
    uint32_t n;
    if (arg == 0 || td_parse_u32(arg, 0xFFFFFFFFu, &n) != 0 || n == 0) {
      error("Command 'db load' requires the number of bytes (>0)");
      return;
    }
    if (n > cap) {
      td_puts("e-[db load ");
      td_put_u64(n);
      td_puts(" bytes exceeds the input tensor size of ");
      td_put_u64(cap);
      td_puts(" bytes]");
      td_endl();
      return;
    }
    g_load_expect = n;
    g_load_pos = 0;
    g_input_ready = 0;
    g_output_ready = 0;
    td_puts("m-[Expecting ");
    td_put_u64(n);
    td_puts(" bytes]");
    td_endl();
    return;
  }
  if (arg != 0) {
    error("db: unexpected argument after hex data");
    return;
  }
  if (g_load_expect == 0) {
    error("db <hex> before 'db load N'");
    return;
  }
  /* validate everything before touching the buffer (a loop, not strlen: smaller) */
  for (len = 0, bad = 0; sub[len]; len++) bad |= td_hexval(sub[len]) < 0;
  if (len & 1u) {
    error("Insufficent number of hex digits");
    return;
  }
  if (bad) {
    error("Invalid hex digit");
    return;
  }
  for (i = 0; i < len && g_load_pos < g_load_expect; i += 2u) {
    in[g_load_pos++] = (uint8_t)((td_hexval(sub[i]) << 4) | td_hexval(sub[i + 1u]));
  }
  if (g_load_pos == g_load_expect) {
    input_loaded();
    g_load_expect = 0;
    td_puts("m-load-done");
    td_endl();
  }
}

static void cmd_td_load(const char *a_len, const char *a_crc) {
  uint32_t len, crc, got;
  uint8_t *in;
  if (!need_model()) return;
  if (a_len == 0 || a_crc == 0 || td_parse_u32(a_len, 0xFFFFFFFFu, &len) != 0) {
    error("usage: td-load <len> <crc32 as 8 hex digits>");
    return;
  }
  if (td_parse_hex32(a_crc, &crc) != 0) {
    error("td-load: crc32 must be 1..8 hex digits");
    return;
  }
  if (len == 0 || len != (uint32_t)td_model_input_info()->bytes) {
    td_puts("e-[td-load length ");
    td_put_u64(len);
    td_puts(" must equal the input tensor size of ");
    td_put_u64((uint64_t)td_model_input_info()->bytes);
    td_puts(" bytes]");
    td_endl();
    return;
  }
  in = (uint8_t *)td_model_input();
  g_input_ready = 0;
  g_output_ready = 0;
  g_load_expect = 0;
  td_puts("m-td-load-ready");
  td_endl();
  got = td_read_bytes(in, len, TD_LOAD_TIMEOUT_MS);
  if (got < len) {
    td_puts("e-[td-load timed out after ");
    td_put_u64(got);
    td_puts(" of ");
    td_put_u64(len);
    td_puts(" bytes]");
    td_endl();
    return;
  }
  if (td_crc32(0, in, len) != crc) {
    td_puts("e-[td-load crc32 mismatch: got ");
    td_put_hex32(td_crc32(0, in, len));
    td_puts(" expected ");
    td_put_hex32(crc);
    td_puts("]");
    td_endl();
    return;
  }
  input_loaded();
  td_puts("m-load-done");
  td_endl();
}

/* A loop of exactly 2 instructions per iteration (subs + bne), in assembly so the
 * compiler cannot change it. On the host, a volatile C loop stands in. */
static void spin(uint32_t n) {
#if defined(__arm__) && defined(__thumb__)
  if (n == 0) return;
  /* Unified syntax spelled out: GCC reads inline assembly for ARMv6-M (Cortex-M0/M0+)
   * in divided syntax, where "subs" with an immediate does not assemble. GCC restores
   * its own syntax mode after the block. */
  __asm__ volatile(".syntax unified\n1: subs %0, %0, #1\n\tbne 1b" : "+l"(n) : : "cc");
#else
  volatile uint32_t k = n;
  while (k) k--;
#endif
}

static void cmd_spin(const char *a_n) {
  uint32_t n;
  uint64_t t0, t;
  if (a_n == 0 || td_parse_u32(a_n, TD_MAX_SPIN, &n) != 0) {
    error("usage: td-spin N (N <= 100000000)");
    return;
  }
  hal_timer_sync();
  t0 = hal_ticks();
  spin(n);
  t = hal_ticks() - t0;
  td_puts("m-td-spin-{\"n\":");
  td_put_u64(n);
  td_puts(",\"loop_instructions\":");
  td_put_u64(2ull * n);
  td_puts(",\"ticks\":");
  td_put_u64(t);
  td_puts(",\"tick_hz\":");
  td_put_u64(hal_tick_hz());
  hal_putc('}');
  td_endl();
}

/* Per-op ticks, exported by a model.c compiled with profiling (weak: absent otherwise). */
#if defined(__GNUC__) || defined(__clang__)
extern uint32_t td_model_profile(const int16_t **ops, const uint32_t **ticks, uint32_t *overhead)
    __attribute__((weak));
#define TD_HAVE_PROFILE() (td_model_profile != 0)
#else
#define TD_HAVE_PROFILE() 0
#define td_model_profile(o, t, v) 0u
#endif

static void cmd_prof(void) {
  const int16_t *ops = 0;
  const uint32_t *ticks = 0;
  uint32_t overhead = 0, n, i;
  if (!TD_HAVE_PROFILE()) {
    error("no per-op profile in this firmware: build it with tinydeploy profile");
    return;
  }
  if (!g_output_ready) {
    error("no profile: run infer first");
    return;
  }
  n = td_model_profile(&ops, &ticks, &overhead);
  td_puts("m-td-prof-{\"tick_hz\":");
  td_put_u64(hal_tick_hz());
  td_puts(",\"overhead_ticks\":");
  td_put_u64(overhead);
  td_puts(",\"ops\":[");
  for (i = 0; i < n; i++) {
    if (i) hal_putc(',');
    hal_putc('[');
    td_put_i32(ops[i]);
    hal_putc(',');
    td_put_u64(ticks[i]);
    hal_putc(']');
  }
  td_puts("]}");
  td_endl();
}

static char *next_token(char **p) {
  char *s = *p, *start;
  while (*s == ' ') s++;
  if (*s == '\0') {
    *p = s;
    return 0;
  }
  start = s;
  while (*s && *s != ' ') s++;
  if (*s) *s++ = '\0';
  *p = s;
  return start;
}

static void dispatch(char *line) {
  char *p = line;
  char *cmd = next_token(&p);
  char *a1 = next_token(&p);
  char *a2 = next_token(&p);
  char *a3 = next_token(&p);
  char *a4 = next_token(&p);
  if (cmd == 0) {
    /* A bare '%' is the resync probe: answer only m-ready. */
  } else if (a4 != 0 || (a3 != 0 && !same(cmd, "db"))) {
    error("too many arguments");
  } else if (same(cmd, "name")) {
    td_puts("m-name-dut-[tinydeploy]");
    td_endl();
  } else if (same(cmd, "profile")) {
    td_puts("m-profile-[" TD_FW_VERSION "]");
    td_endl();
    td_puts("m-model-[");
#ifdef TD_MLPERF_ID
    put_printable(TD_MLPERF_ID); /* the runner's model id (kws01, vww01, ic01, ad01) */
#else
    put_printable(td_model_name());
#endif
    td_puts("]");
    td_endl();
  } else if (same(cmd, "help")) {
    td_puts(TD_FW_VERSION);
    td_endl();
    td_puts("name profile timestamp results infer db-load db-HEX db-print help");
    td_endl();
    td_puts("td-info td-out td-mem td-cycles td-load td-spin td-prof");
    td_endl();
  } else if (same(cmd, "timestamp")) {
    put_lap();
  } else if (same(cmd, "db")) {
    cmd_db(a1, a2, a3);
  } else if (same(cmd, "infer")) {
    cmd_infer(a1, a2);
  } else if (same(cmd, "results")) {
    if (need_model()) {
      if (g_output_ready)
        cmd_results();
      else
        error("no results: run infer first");
    }
  } else if (same(cmd, "td-info")) {
    cmd_info();
  } else if (same(cmd, "td-out")) {
    if (need_model()) {
      if (g_output_ready)
        cmd_out();
      else
        error("no output: run infer first");
    }
  } else if (same(cmd, "td-mem")) {
    cmd_mem();
  } else if (same(cmd, "td-cycles")) {
    cmd_cycles();
  } else if (same(cmd, "td-load")) {
    cmd_td_load(a1, a2);
  } else if (same(cmd, "td-prof")) {
    cmd_prof();
  } else if (same(cmd, "td-spin")) {
    cmd_spin(a1);
  } else if (td_server_ext(cmd, a1, a2)) {
    /* answered by a firmware extension (td_server.h) */
  } else {
    td_puts("e-[Unknown command: ");
    /* echo at most 32 printable characters of what we got */
    {
      int i;
      for (i = 0; cmd[i] && i < 32; i++) hal_putc((cmd[i] >= 0x20 && cmd[i] < 0x7F) ? cmd[i] : '?');
    }
    td_puts("]");
    td_endl();
  }
  ready();
}

/* No extension in generic firmware: a firmware that adds commands links its own
 * td_server_ext() (e.g. firmware/features/td_kws_ext.c), which replaces this one. */
/* Default: a tick source without a periodic interrupt needs no phase alignment. */
__attribute__((weak)) void hal_timer_sync(void) {}

__attribute__((weak)) int td_server_ext(const char *cmd, char *a1, char *a2) {
  (void)cmd;
  (void)a1;
  (void)a2;
  return 0;
}

static void on_byte(char c) {
  if (c == '%') {
    if (g_cmd_overflow) {
      error("command too long (more than 1024 characters); ignored");
      ready();
    } else {
      g_cmd[g_cmd_len] = '\0';
      dispatch(g_cmd);
    }
    g_cmd_len = 0;
    g_cmd_overflow = 0;
    return;
  }
  if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  if ((unsigned char)c < 0x20u || (unsigned char)c >= 0x7Fu)
    c = '?';  /* junk byte: keep it visible, not harmful */
  if (g_cmd_len < TD_CMD_MAX) {
    g_cmd[g_cmd_len++] = c;
  } else {
    g_cmd_overflow = 1;
  }
}

/* Entry points: start once, then feed received bytes one at a time. A platform
 * that owns main() (Arduino: setup()/loop()) builds with TD_NO_MAIN and calls
 * these itself. */
void td_server_start(void) {
  g_model_ok = td_model_init() == TD_OK;
  if (!g_model_ok) error("td_model_init failed");
  td_puts("m-init-done");
  td_endl();
  ready();
}

void td_server_feed(char c) { on_byte(c); }

#ifndef TD_NO_MAIN
int main(int argc, char **argv) {
  hal_init(argc, argv);
  td_server_start();
  for (;;) {
    int c = hal_getc();
    if (c >= 0) td_server_feed((char)c);
  }
}
#endif
