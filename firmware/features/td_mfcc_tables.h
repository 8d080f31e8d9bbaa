/* td_mfcc_tables.h - constant tables of td_mfcc.c (internal), generated into
 * td_mfcc_tables.c by examples/keyword_spotting/features.py --write-c-tables. */
#ifndef TD_MFCC_TABLES_H
#define TD_MFCC_TABLES_H

#include <stdint.h>

#define TD_MFCC_MEL 40

extern const int16_t td_mfcc_window[480];      /* periodic Hann, Q15 */
extern const int16_t td_mfcc_tw_re[256];       /* cos(2 pi k / 512), Q15 */
extern const int16_t td_mfcc_tw_im[256];       /* -sin(2 pi k / 512), Q15 */
extern const int16_t td_mfcc_mel_start[40];    /* first FFT bin of each mel band */
extern const int16_t td_mfcc_mel_len[40];      /* bins in the band */
extern const int16_t td_mfcc_mel_offset[40];   /* first weight of the band in td_mfcc_mel_weight */
extern const int16_t td_mfcc_mel_weight[];     /* triangle weights, Q15 */
extern const int32_t td_mfcc_log2_frac[257];   /* log2(1 + i/256), Q16 */
extern const int16_t td_mfcc_dct[400];         /* DCT-II rows x row gains, [10][40], Q15 */

#endif /* TD_MFCC_TABLES_H */
