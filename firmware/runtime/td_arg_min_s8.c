/*
 * td_arg_min_s8.c - ARG_MIN of an int8 tensor along one axis, int32 indices (the loops:
 * td_arg_min_max.h).
 */
#define TD_AM_NAME td_arg_min_s8
#define TD_AM_BEATS(v, best) ((v) < (best))
#include "td_arg_min_max.h"
