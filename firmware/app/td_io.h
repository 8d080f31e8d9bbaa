/*
 * td_io.h - small output formatting and CRC-32 for the protocol server.
 * No printf: the firmware stays small and has no heap or libc stdio.
 */
#ifndef TD_IO_H
#define TD_IO_H

#include <stddef.h>
#include <stdint.h>

void td_puts(const char *s);                /* a string, no newline */
void td_endl(void);                         /* "\r\n" (EEMBC line ending) */
void td_put_u64(uint64_t v);                /* decimal */
void td_put_i32(int32_t v);
void td_put_hex8(uint8_t v);                /* two lowercase hex digits */
void td_put_hex32(uint32_t v);              /* "0x" + eight hex digits */
void td_put_fixed3(float v);                /* "-1.234": the exact value rounded half up on
                                               the magnitude to three decimals (EEMBC
                                               results); "nan", "inf" above 1e15 */
void td_put_float(float v);                 /* "1.234567e-03": seven significant digits */
void td_put_json_str(const char *s);        /* a JSON string, printable ASCII: UTF-8 text
                                               as \uXXXX escapes (malformed bytes U+FFFD) */

/* n / d and, when rem is not NULL, n % d in *rem (d > 0), with four 32-bit divisions:
 * the firmware does not link libgcc's generic 64-bit division (about 1 KB). */
uint64_t td_udiv64(uint64_t n, uint16_t d, uint32_t *rem);

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320; same as zlib.crc32 / binascii.crc32). */
uint32_t td_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* Parse a whole decimal string into *out (<= max). 0 on success, -1 if malformed/too big. */
int td_parse_u32(const char *s, uint32_t max, uint32_t *out);

/* Value of one hex digit, or -1. */
int td_hexval(char c);

/* Parse 1..8 hex digits into *out. 0 on success, -1 if malformed. */
int td_parse_hex32(const char *s, uint32_t *out);

/* Receive exactly len raw bytes into dst, giving up when no byte arrives for
 * idle_ms milliseconds (device time). Returns the number of bytes received:
 * len on success, fewer on a timeout. */
uint32_t td_read_bytes(uint8_t *dst, uint32_t len, uint32_t idle_ms);

#endif /* TD_IO_H */
