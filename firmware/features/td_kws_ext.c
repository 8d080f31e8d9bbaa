/*
 * td_kws_ext.c - keyword-spotting commands for the tdlink server (td_server_ext),
 * compiled only into keyword-spotting firmware; generic firmware never sees it.
 *
 *   td-audio-load <bytes> <crc>%  m-td-audio-ready, then exactly <bytes> raw bytes:
 *                                 int16 little-endian samples at 16 kHz, at most 1 s
 *                                 (a shorter clip is zero-padded), then m-audio-done
 *                                 (CRC-32 of the bytes checked) or e-[...]
 *   td-kws%                       MFCC features of the loaded clip into the model's
 *                                 input, one inference: m-td-kws-{"class":k,"score":q,
 *                                 "feature_ticks":..,"infer_ticks":..,"tick_hz":..,
 *                                 "out":"<int8 outputs as hex>"}
 *   td-kws-feat%                  m-td-kws-feat-<the 490 int8 features as hex>
 *   td-audio-live%                m-audio-live: the loaded clip is dropped and the
 *                                 microphone sketch listens again
 *
 * Memory: the audio buffer and the MFCC work area are td_kws.h's, shared with the
 * microphone sketch (36 KB in all).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "td_hal.h"
#include "td_io.h"
#include "td_kws.h"
#include "td_mfcc.h"
#include "td_model.h"
#include "td_server.h"

#define TD_KWS_TIMEOUT_MS 5000u   /* td-audio-load: give up if the data stops arriving */

int16_t td_kws_audio[TD_MFCC_CLIP_SAMPLES];
td_mfcc_work td_kws_work;
volatile int td_kws_clip;
static int g_audio_ready;

static void kws_error(const char *msg) {
  td_puts("e-[");
  td_puts(msg);
  td_puts("]");
  td_endl();
}

/* The model's input must be the int8 49x10 feature map; fills q from its scale. */
static int model_ready(td_mfcc_quant *q) {
  const td_tensor_info *in = td_model_input_info();
  if (in == NULL || in->dtype != TD_INT8 || in->bytes != TD_MFCC_FEATURES) {
    kws_error("the model's input is not an int8 49x10 MFCC map (490 bytes)");
    return 0;
  }
  if (td_mfcc_quant_init(in->scale, in->zero_point, q) != TD_MFCC_OK) {
    kws_error("the model's input scale cannot be used by the feature quantizer");
    return 0;
  }
  return 1;
}

static void cmd_audio_load(const char *a_len, const char *a_crc) {
  uint32_t len, crc, got, i, k;
  if (a_len == 0 || a_crc == 0 || td_parse_u32(a_len, 0xFFFFFFFFu, &len) != 0) {
    kws_error("usage: td-audio-load <bytes> <crc32 as 8 hex digits>");
    return;
  }
  if (td_parse_hex32(a_crc, &crc) != 0) {
    kws_error("td-audio-load: crc32 must be 1..8 hex digits");
    return;
  }
  if (len == 0 || (len & 1u) || len > sizeof td_kws_audio) {
    kws_error("td-audio-load: bytes must be even, 2..32000 (int16 samples, at most 1 s at 16 kHz)");
    return;
  }
  g_audio_ready = 0;
  td_kws_clip = 1;  /* from here on the buffer is the clip's, not the microphone's */
  td_puts("m-td-audio-ready");
  td_endl();
  /* Samples arrive little-endian, the byte order of every target we build for
   * (Cortex-M and the host), so they land in td_kws_audio as they are. */
  got = td_read_bytes((uint8_t *)td_kws_audio, len, TD_KWS_TIMEOUT_MS);
  if (got < len) {
    td_puts("e-[td-audio-load timed out after ");
    td_put_u64(got);
    td_puts(" of ");
    td_put_u64(len);
    td_puts(" bytes]");
    td_endl();
    return;
  }
  for (i = len >> 1; i < TD_MFCC_CLIP_SAMPLES; i++) td_kws_audio[i] = 0;
  k = td_crc32(0, (const uint8_t *)td_kws_audio, len);
  if (k != crc) {
    td_puts("e-[td-audio-load crc32 mismatch: got ");
    td_put_hex32(k);
    td_puts(" expected ");
    td_put_hex32(crc);
    td_puts("]");
    td_endl();
    return;
  }
  g_audio_ready = 1;
  td_puts("m-audio-done");
  td_endl();
}

static void cmd_kws(int features_only) {
  td_mfcc_quant q;
  int8_t *in;
  const int8_t *out;
  const td_tensor_info *oi;
  uint64_t t0, t1, t2;
  int32_t i, best = 0;
  td_status st;
  if (!g_audio_ready) {
    kws_error("no audio: send td-audio-load first");
    return;
  }
  if (!model_ready(&q)) return;
  in = (int8_t *)td_model_input();
  t0 = hal_ticks();
  td_mfcc_compute(td_kws_audio, TD_MFCC_CLIP_SAMPLES, &q, &td_kws_work, in);
  t1 = hal_ticks();
  if (features_only) {
    td_puts("m-td-kws-feat-");
    for (i = 0; i < TD_MFCC_FEATURES; i++) td_put_hex8((uint8_t)in[i]);
    td_endl();
    return;
  }
  st = td_model_invoke();
  t2 = hal_ticks();
  if (st != TD_OK || td_model_check() != TD_OK) {
    kws_error("td_model_invoke failed");
    return;
  }
  oi = td_model_output_info();
  if (oi->dtype != TD_INT8) {
    kws_error("the model's output is not int8");
    return;
  }
  out = (const int8_t *)td_model_output();
  for (i = 1; i < oi->bytes; i++) {
    if (out[i] > out[best]) best = i;
  }
  td_puts("m-td-kws-{\"class\":");
  td_put_i32(best);
  td_puts(",\"score\":");
  td_put_i32(out[best]);
  td_puts(",\"feature_ticks\":");
  td_put_u64(t1 - t0);
  td_puts(",\"infer_ticks\":");
  td_put_u64(t2 - t1);
  td_puts(",\"tick_hz\":");
  td_put_u64(hal_tick_hz());
  td_puts(",\"out\":\"");
  for (i = 0; i < oi->bytes; i++) td_put_hex8((uint8_t)out[i]);
  td_puts("\"}");
  td_endl();
}

int td_server_ext(const char *cmd, char *a1, char *a2) {
  if (strcmp(cmd, "td-audio-load") == 0) {
    cmd_audio_load(a1, a2);
  } else if (strcmp(cmd, "td-audio-live") == 0) {
    g_audio_ready = 0;
    td_kws_clip = 0;
    td_puts("m-audio-live");
    td_endl();
  } else if (strcmp(cmd, "td-kws") == 0 || strcmp(cmd, "td-kws-feat") == 0) {
    if (a1 != 0)
      kws_error("td-kws takes no arguments");
    else
      cmd_kws(cmd[6] == '-');
  } else {
    return 0;
  }
  return 1;
}
