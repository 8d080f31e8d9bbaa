/*
 * fuzz_server.c - libFuzzer target for the tdlink protocol server (firmware/app).
 *
 * td_server.c is included here, so each input starts from the server's power-on
 * state (its statics are reset below). The input is the byte stream the host would
 * send: the fuzz HAL's hal_getc() hands it out one byte at a time, to the command
 * parser and to td-load's raw reader alike. Byte 0 picks the model variant
 * (bit 0: td_model_init fails, bit 1: float32 output). The clock advances on every
 * read of it, so td-load's timeout fires after a few thousand idle polls.
 *
 * Besides ASan/UBSan, the target checks the protocol's promises on every input and
 * traps when one breaks: every reply line starts with "m-" or "e-", holds printable
 * ASCII only, ends in "\r\n" and is at most TD_FUZZ_MAX_LINE bytes long, and every
 * command ('%' handed to the parser) is answered by exactly one "m-ready".
 *
 *   clang -fsanitize=fuzzer,address,undefined ...   (see bench/fuzz.py, tests/fuzz/)
 *   cc -DTD_FUZZ_REPLAY ...                           a main() that replays files
 */
#define TD_NO_MAIN 1
/* Smaller caps on repetition so one input runs in microseconds, not seconds; the
 * parsing of N against its cap is the same code. */
#define TD_MAX_RUNS 1000u
#define TD_MAX_SPIN 100000u
#define TD_INPUT_STORE_BYTES 8 /* the fuzz model's input: infer N W restores it each run */
#include "../app/td_server.c"

#include <stdio.h>
#include <stdlib.h>

#include "fuzz_model.h"

#define TD_FUZZ_MAX_LINE 4096u

static const uint8_t *g_data;
static size_t g_size, g_pos;
static uint64_t g_clock;

/* reply checking */
static char g_line[TD_FUZZ_MAX_LINE + 2u];
static size_t g_line_len;
static unsigned long g_ready_lines;

static void fuzz_fail(const char *why) {
  fprintf(stderr, "fuzz_server: protocol promise broken: %s\n", why);
  __builtin_trap();
}

/* ---- td_hal.h for the fuzzer ---- */
void hal_init(int argc, char **argv) {
  (void)argc;
  (void)argv;
}

int hal_getc(void) {
  g_clock += 1000u; /* 1 ms per poll at 1 MHz */
  if (g_pos >= g_size) return -1;
  return g_data[g_pos++];
}

static void end_line(void) {
  size_t i;
  if (g_line_len < 2u || (strncmp(g_line, "m-", 2) != 0 && strncmp(g_line, "e-", 2) != 0))
    fuzz_fail("line without m- or e- prefix");
  for (i = 0; i < g_line_len; i++) {
    if (g_line[i] < 0x20 || g_line[i] > 0x7E) fuzz_fail("non-printable byte in a reply");
  }
  g_line[g_line_len] = '\0';
  if (strcmp(g_line, "m-ready") == 0) g_ready_lines++;
  g_line_len = 0;
}

void hal_putc(char c) {
  if (c == '\n') {
    if (g_line_len == 0u || g_line[g_line_len - 1u] != '\r') fuzz_fail("line not ended by \\r\\n");
    g_line_len--;
    end_line();
    return;
  }
  if (g_line_len >= TD_FUZZ_MAX_LINE) fuzz_fail("reply line too long");
  g_line[g_line_len++] = c;
}

void hal_flush(void) {}
uint64_t hal_ticks(void) { return g_clock; }
uint32_t hal_tick_hz(void) { return 1000000u; }
const char *hal_tick_source(void) { return "fuzz"; }
uint32_t hal_stack_bytes(void) { return 4096u; }
uint32_t hal_stack_used(void) { return g_data && g_size > 1u && g_data[0] & 4u ? 4090u : 512u; }
uint32_t hal_static_ram(void) { return UINT32_MAX; }

/* ---- the target ---- */
static void reset_server(void) {
  memset(g_cmd, 0, sizeof g_cmd);
  g_cmd_len = 0;
  g_cmd_overflow = 0;
  g_model_ok = 0;
  g_load_expect = 0;
  g_load_pos = 0;
  g_input_ready = 0;
  memset(g_input_store, 0, sizeof g_input_store);
  g_output_ready = 0;
  g_last_ticks = 0;
  g_last_runs = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned long commands = 0;
  int c;
  uint8_t mode = size ? data[0] : 0;
  g_data = data;
  g_size = size;
  g_pos = size ? 1u : 0u;
  g_clock = 0;
  g_line_len = 0;
  g_ready_lines = 0;
  reset_server();
  fuzz_model_configure(mode & 1u, (mode >> 1) & 1u);
  td_server_start();
  while ((c = hal_getc()) >= 0) {
    if (c == '%') commands++;
    td_server_feed((char)c);
  }
  if (g_line_len != 0u) fuzz_fail("reply without a line end");
  if (g_ready_lines != commands + 1u)
    fuzz_fail("a command was not answered by exactly one m-ready");
  return 0;
}

#ifdef TD_FUZZ_REPLAY
/* Replay files (regressions, the seed corpus) without libFuzzer: any compiler. */
int main(int argc, char **argv) {
  int i;
  for (i = 1; i < argc; i++) {
    static uint8_t buf[1u << 20];
    size_t n;
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      perror(argv[i]);
      return 2;
    }
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
  }
  printf("replayed %d input(s)\n", argc - 1);
  return 0;
}
#endif
