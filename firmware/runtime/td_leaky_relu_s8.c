/*
 * td_leaky_relu_s8.c - LEAKY_RELU, int8 (the arithmetic: td_leaky_relu.h).
 */
#define TD_LR_NAME td_leaky_relu_s8
#define TD_LR_T int8_t
#define TD_LR_MIN (-128)
#define TD_LR_MAX 127
#include "td_leaky_relu.h"
