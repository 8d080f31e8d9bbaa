/*
 * td_kws.h - the keyword-spotting firmware's audio memory, shared by td_kws_ext.c (the
 * tdlink commands) and the microphone sketch (kws_main.cpp), so the firmware holds ONE
 * audio buffer and ONE MFCC work area:
 *
 *   td_kws_audio   32,000 B   1 s of int16 audio at 16 kHz: the clip loaded with
 *                             td-audio-load, or in the sketch the ring of the last second
 *                             of microphone audio
 *   td_kws_work     4,096 B   the MFCC front end's FFT work area (td_mfcc_work)
 *
 * A clip loaded with td-audio-load takes the buffer over from the microphone
 * (td_kws_clip = 1: the sketch drops microphone samples and stops listening) until
 * td-audio-live% hands it back.
 */
#ifndef TD_KWS_H
#define TD_KWS_H

#include <stdint.h>

#include "td_mfcc.h"

#ifdef __cplusplus
extern "C" {
#endif

extern int16_t td_kws_audio[TD_MFCC_CLIP_SAMPLES];
extern td_mfcc_work td_kws_work;
extern volatile int td_kws_clip;  /* 1 while td_kws_audio holds a clip from td-audio-load */

#ifdef __cplusplus
}
#endif

#endif /* TD_KWS_H */
