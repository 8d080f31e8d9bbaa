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

uint64_t td_udiv64(uint64_t n, uint16_t d, uint32_t *rem) {
  /* Long division in base 2^16: every step divides a 32-bit value, as r < d < 2^16. */
  uint64_t q = 0;
  uint32_t r = 0;
  int s;
  for (s = 48; s >= 0; s -= 16) {
    uint32_t cur = (r << 16) | ((uint32_t)(n >> s) & 0xFFFFu);
    q = (q << 16) | (cur / d);
    r = cur % d;
  }
  if (rem) *rem = r;
  return q;
}

void td_put_u64(uint64_t v) {
  char buf[21];
  int i = 20;
  uint32_t digit;
  buf[i] = '\0';
  do {
    v = td_udiv64(v, 10u, &digit);
    buf[--i] = (char)('0' + digit);
  } while (v != 0u);
  td_puts(&buf[i]);
}

void td_put_i32(int32_t v) {
  uint32_t u = (uint32_t)v;
  if (v < 0) {
    hal_putc('-');
    u = 0u - u;
  }
  td_put_u64(u);
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

#define F32_INF_BITS 0x7F800000u   /* magnitude bits above this are a NaN */
#define F32_1E15_BITS 0x58635FA9u  /* 1.0e15f: larger magnitudes print as "inf" */

void td_put_fixed3(float v) {
  /* Integers only, from the IEEE bits: v = m * 2^e exactly, so the three decimals
   * are the exact value rounded half up on the magnitude (no float rounding of
   * v * 1000, no soft-float or 64-bit division helpers from libgcc). */
  union {
    float f;
    uint32_t u;
  } bits;
  uint32_t mag, m, frac, milli = 0;
  uint64_t whole;
  int e;
  bits.f = v;
  mag = bits.u & 0x7FFFFFFFu;
  if (mag > F32_INF_BITS) {
    td_puts("nan");
    return;
  }
  if ((bits.u >> 31) != 0u && mag != 0u) hal_putc('-');
  if (mag > F32_1E15_BITS) {
    td_puts("inf");
    return;
  }  /* covers inf itself */
  m = mag & 0x7FFFFFu;
  e = (int)(mag >> 23);
  if (e != 0)
    m |= 0x800000u;
  else
    e = 1;  /* subnormal: no implicit bit */
  e -= 150;                                /* bias 127 + 23 fraction bits */
  if (e >= 0) {
    whole = (uint64_t)m << e;              /* e <= 26 below 1e15 */
  } else {
    int s = -e;                            /* v = whole + frac / 2^s */
    whole = s < 32 ? m >> s : 0u;
    frac = s < 32 ? m & ((1u << s) - 1u) : m;
    /* frac * 1000 < 2^34: below half a thousandth when s > 34 */
    if (s <= 34) milli = (uint32_t)(((uint64_t)frac * 1000u + ((uint64_t)1u << (s - 1))) >> s);
    if (milli == 1000u) {
      whole++;
      milli = 0;
    }
  }
  td_put_u64(whole);
  hal_putc('.');
  hal_putc((char)('0' + milli / 100u));
  hal_putc((char)('0' + milli / 10u % 10u));
  hal_putc((char)('0' + milli % 10u));
}

void td_put_float(float v) {
  /* Approximate decimal for people; the exact value travels as IEEE bits elsewhere. */
  int exp10 = 0;
  uint32_t digits;
  int i;
  char buf[8];
  if (v != v) {
    td_puts("null");
    return;
  }
  if (v == 0.0f) {
    td_puts("0.0");
    return;
  }
  if (v < 0.0f) {
    hal_putc('-');
    v = -v;
  }
  if (v > 3.0e38f) {
    td_puts("3.4e38");
    return;
  }
  while (v >= 10.0f) {
    v /= 10.0f;
    exp10++;
  }
  while (v < 1.0f) {
    v *= 10.0f;
    exp10--;
  }
  digits = (uint32_t)(v * 1000000.0f + 0.5f);
  if (digits >= 10000000u) {
    digits /= 10u;
    exp10++;
  }
  for (i = 6; i >= 0; i--) {
    buf[i] = (char)('0' + (int)(digits % 10u));
    digits /= 10u;
  }
  hal_putc(buf[0]);
  hal_putc('.');
  for (i = 1; i < 7; i++) hal_putc(buf[i]);
  hal_putc('e');
  td_put_i32(exp10);
}

/* The code point of the UTF-8 sequence at s in *cp and its length, or 0 when the
 * bytes there are not well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF). Stops at a NUL: it is not a continuation byte. */
static int utf8_decode(const unsigned char *s, uint32_t *cp) {
  uint32_t c = s[0], min;
  int n, i;
  if (c < 0xC2u) return 0;  /* ASCII, a stray continuation byte, or an overlong lead */
  if (c < 0xE0u) {
    n = 2;
    c &= 0x1Fu;
    min = 0x80u;
  } else if (c < 0xF0u) {
    n = 3;
    c &= 0x0Fu;
    min = 0x800u;
  } else if (c < 0xF5u) {
    n = 4;
    c &= 0x07u;
    min = 0x10000u;
  } else
    return 0;
  for (i = 1; i < n; i++) {
    if ((s[i] & 0xC0u) != 0x80u) return 0;
    c = (c << 6) | (s[i] & 0x3Fu);
  }
  if (c < min || c > 0x10FFFFu || (c >= 0xD800u && c <= 0xDFFFu)) return 0;
  *cp = c;
  return n;
}

static void put_u_escape(uint32_t unit) {
  td_puts("\\u");
  td_put_hex8((uint8_t)(unit >> 8));
  td_put_hex8((uint8_t)unit);
}

void td_put_json_str(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  hal_putc('"');
  for (; p && *p; p++) {
    uint32_t c = *p;
    if (c == '"' || c == '\\') {
      hal_putc('\\');
      hal_putc((char)c);
    } else if (c >= 0x20u && c < 0x7Fu) {
      hal_putc((char)c);
    } else {
      /* Everything else as \uXXXX: the line stays printable ASCII, and a JSON parser
       * gets the characters back (UTF-8 decoded here; a malformed byte is U+FFFD). */
      int n = c < 0x80u ? 1 : utf8_decode(p, &c);
      if (n == 0) {
        c = 0xFFFDu;
        n = 1;
      }
      p += n - 1;
      if (c >= 0x10000u) {  /* a UTF-16 surrogate pair, as JSON spells it */
        c -= 0x10000u;
        put_u_escape(0xD800u + (c >> 10));
        c = 0xDC00u + (c & 0x3FFu);
      }
      put_u_escape(c);
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
