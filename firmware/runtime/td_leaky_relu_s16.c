/*
 * td_leaky_relu_s16.c - LEAKY_RELU of 16x8 models, int16 (the arithmetic: td_leaky_relu.h).
 */
#define TD_LR_NAME td_leaky_relu_s16
#define TD_LR_T int16_t
#define TD_LR_MIN (-32768)
#define TD_LR_MAX 32767
#include "td_leaky_relu.h"
