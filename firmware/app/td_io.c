/* td_io.c - see td_io.h. */
#include "td_io.h"

#include "td_hal.h"

void td_puts(const char *s) {
  while (*s) hal_putc(*s++);
}

void td_endl(void) {
  hal_putc('\r');
  hal_putc('\n');
  hal_flush();
}

void td_put_u64(uint64_t v) {
  char buf[21];
  int i = 20;
  buf[i] = '\0';
  do {
    buf[--i] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v != 0u);
  td_puts(&buf[i]);
}

void td_put_i32(int32_t v) {
  if (v < 0) {
    hal_putc('-');
    td_put_u64((uint64_t)(-(int64_t)v));
  } else {
    td_put_u64((uint64_t)v);
  }
}

static const char kHex[] = "0123456789abcdef";

void td_put_hex8(uint8_t v) {
  hal_putc(kHex[v >> 4]);
  hal_putc(kHex[v & 0xFu]);
}

void td_put_hex32(uint32_t v) {
  int shift;
  td_puts("0x");
  for (shift = 28; shift >= 0; shift -= 4) hal_putc(kHex[(v >> shift) & 0xFu]);
}

void td_put_fixed3(float v) {
  uint64_t milli;
  if (v != v) { td_puts("nan"); return; }
  if (v < 0.0f) { hal_putc('-'); v = -v; }
  if (v > 1.0e15f) { td_puts("inf"); return; }
  milli = (uint64_t)(v * 1000.0f + 0.5f);  /* round half up on the magnitude */
  td_put_u64(milli / 1000u);
  hal_putc('.');
  hal_putc((char)('0' + (int)(milli / 100u % 10u)));
  hal_putc((char)('0' + (int)(milli / 10u % 10u)));
  hal_putc((char)('0' + (int)(milli % 10u)));
}

void td_put_float(float v) {
  /* Approximate decimal for people; the exact value travels as IEEE bits elsewhere. */
  int exp10 = 0;
  uint32_t digits;
  int i;
  char buf[8];
  if (v != v) { td_puts("null"); return; }
  if (v == 0.0f) { td_puts("0.0"); return; }
  if (v < 0.0f) { hal_putc('-'); v = -v; }
  if (v > 3.0e38f) { td_puts("3.4e38"); return; }
  while (v >= 10.0f) { v /= 10.0f; exp10++; }
  while (v < 1.0f) { v *= 10.0f; exp10--; }
  digits = (uint32_t)(v * 1000000.0f + 0.5f);
  if (digits >= 10000000u) { digits /= 10u; exp10++; }
  for (i = 6; i >= 0; i--) { buf[i] = (char)('0' + (int)(digits % 10u)); digits /= 10u; }
  hal_putc(buf[0]);
  hal_putc('.');
  for (i = 1; i < 7; i++) hal_putc(buf[i]);
  hal_putc('e');
  td_put_i32(exp10);
}

void td_put_json_str(const char *s) {
  hal_putc('"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      hal_putc('\\');
      hal_putc((char)c);
    } else if (c < 0x20u || c >= 0x7Fu) {
      td_puts("\\u00");
      td_put_hex8(c);
    } else {
      hal_putc((char)c);
    }
  }
  hal_putc('"');
}

uint32_t td_crc32(uint32_t crc, const uint8_t *data, size_t len) {
  size_t i;
  int bit;
  crc = ~crc;
  for (i = 0; i < len; i++) {
    crc ^= data[i];
    for (bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

int td_parse_u32(const char *s, uint32_t max, uint32_t *out) {
  uint32_t v = 0;
  if (s == 0 || *s == '\0') return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    if (v > (max - (uint32_t)(*s - '0')) / 10u) return -1;  /* v*10 + d would exceed max */
    v = v * 10u + (uint32_t)(*s - '0');
  }
  *out = v;
  return 0;
}

int td_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int td_parse_hex32(const char *s, uint32_t *out) {
  uint32_t v = 0, i;
  if (s == 0 || s[0] == '\0') return -1;
  for (i = 0; s[i]; i++) {
    if (i >= 8u || td_hexval(s[i]) < 0) return -1;
    v = (v << 4) | (uint32_t)td_hexval(s[i]);
  }
  *out = v;
  return 0;
}

uint32_t td_read_bytes(uint8_t *dst, uint32_t len, uint32_t idle_ms) {
  uint64_t idle = (uint64_t)(hal_tick_hz() / 1000u) * idle_ms;
  uint64_t last = hal_ticks();
  uint32_t got = 0;
  while (got < len) {
    int c = hal_getc();
    if (c < 0) {
      if (hal_ticks() - last > idle) break;
      continue;
    }
    dst[got++] = (uint8_t)c;
    last = hal_ticks();
  }
  return got;
}
