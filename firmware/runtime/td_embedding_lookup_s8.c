/*
 * td_embedding_lookup_s8.c - EMBEDDING_LOOKUP: rows of a constant int8 table picked by
 * int32 ids (an activation, usually the model input).
 *
 * The rows are copied as stored (TFLite Micro copies the raw int8 values). An id outside
 * the table fails the inference with TD_ERR_INVOKE, as TFLite Micro's Eval fails; the
 * rows written before it are left in the output.
 */
#include "td_kernels.h"

td_status td_embedding_lookup_s8(const td_embedding_lookup_params *p, const int32_t *ids,
                                 int8_t *output) {
  int32_t i;
  int32_t k;
  if (p == NULL || ids == NULL || output == NULL || p->table == NULL || p->row_size < 0) {
    return TD_ERR_ARG;
  }
  for (i = 0; i < p->count; ++i) {
    const int32_t id = ids[i];
    const int8_t *row;
    if (id < 0 || id >= p->rows) {
      return TD_ERR_INVOKE;
    }
    row = p->table + id * p->row_size;
    for (k = 0; k < p->row_size; ++k) {
      *output++ = row[k];
    }
  }
  return TD_OK;
}
