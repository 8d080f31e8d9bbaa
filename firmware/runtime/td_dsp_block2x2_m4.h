/*
 * td_dsp_block2x2_m4.h - td_block2x2 (td_dsp_block2x2.h) in assembly: per quad one
 * LDM of the four weight words, two LDRDs of the columns, eight SMLADs (16 MACs); two
 * quads per pass (an odd first quad is done alone), so the loop test costs one
 * instruction per quad. Inlined into its caller. td_block2x2_w8_m4 is the same over
 * int8 weights (TD_QUAD8, shared with td_dsp_record2x2_w8_m4.h).
 */
#ifndef TD_DSP_BLOCK2X2_M4_H
#define TD_DSP_BLOCK2X2_M4_H

#include "td_dsp.h"

#if TD_DSP_ASM
/* The 16 MACs of one input quad of the 2x2 block, the weights of both channels in
 * r4 r5 (channel 0) and r6 r8 (channel 1): two LDRDs of the columns, eight SMLADs. */
#define TD_QUAD_MACS                              \
  "ldrd r10, r12, [%[x]], #8\n\t"                \
  "smlad %[a00], r4, r10, %[a00]\n\t"            \
  "smlad %[a00], r5, r12, %[a00]\n\t"            \
  "smlad %[a01], r6, r10, %[a01]\n\t"            \
  "smlad %[a01], r8, r12, %[a01]\n\t"            \
  "ldrd r10, r12, [%[x]], #8\n\t"                \
  "smlad %[a10], r4, r10, %[a10]\n\t"            \
  "smlad %[a10], r5, r12, %[a10]\n\t"            \
  "smlad %[a11], r6, r10, %[a11]\n\t"            \
  "smlad %[a11], r8, r12, %[a11]\n\t"

/* One input quad: LDM of the four weight words, then the MACs. */
#define TD_QUAD                                   \
  "ldm %[w]!, {r4, r5, r6, r8}\n\t"               \
  TD_QUAD_MACS

/* The same quad from int8 weights: LDRD of the two channels' words, four SXTB16
 * into the registers TD_QUAD loads (15 instructions for 16 MACs). */
#define TD_QUAD8                                  \
  "ldrd r4, r6, [%[w]], #8\n\t"                  \
  "sxtb16 r5, r4, ror #8\n\t"                    \
  "sxtb16 r4, r4\n\t"                            \
  "sxtb16 r8, r6, ror #8\n\t"                    \
  "sxtb16 r6, r6\n\t"                            \
  TD_QUAD_MACS

TD_INLINE void td_block2x2_m4(const uint32_t *w, const uint32_t *x, int32_t quads,
                              int32_t *acc) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
  __asm__ volatile(
      "lsrs %[n], %[n], #1\n\t"
      "bcc 2f\n\t" TD_QUAD
      "2:\n\t"
      "cmp %[n], #0\n\t"
      "beq 3f\n\t"
      "1:\n\t" TD_QUAD TD_QUAD
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      "3:\n\t"
      : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [w] "+r"(w),
        [x] "+r"(x), [n] "+r"(quads)
      :
      : "r4", "r5", "r6", "r8", "r10", "r12", "cc", "memory");
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

/* td_block2x2_w8 the same way over int8 weights (TD_QUAD8), then the shift by dbl. */
TD_INLINE void td_block2x2_w8_m4(const uint32_t *w, const uint32_t *x, int32_t quads,
                                 int32_t *acc, int32_t dbl) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
  __asm__ volatile(
      "lsrs %[n], %[n], #1\n\t"
      "bcc 2f\n\t" TD_QUAD8
      "2:\n\t"
      "cmp %[n], #0\n\t"
      "beq 3f\n\t"
      "1:\n\t" TD_QUAD8 TD_QUAD8
      "subs %[n], %[n], #1\n\t"
      "bne 1b\n\t"
      "3:\n\t"
      : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [w] "+r"(w),
        [x] "+r"(x), [n] "+r"(quads)
      :
      : "r4", "r5", "r6", "r8", "r10", "r12", "cc", "memory");
  acc[0] = (int32_t)((uint32_t)a00 << dbl);
  acc[1] = (int32_t)((uint32_t)a01 << dbl);
  acc[2] = (int32_t)((uint32_t)a10 << dbl);
  acc[3] = (int32_t)((uint32_t)a11 << dbl);
}
#endif

#endif /* TD_DSP_BLOCK2X2_M4_H */
