/* fuzz_model.h - knobs of the fuzz model (fuzz_model.c). */
#ifndef FUZZ_MODEL_H
#define FUZZ_MODEL_H

/* Reset the model's state; make td_model_init() fail, and/or give a float32 output. */
void fuzz_model_configure(int init_fails, int float_out);

#endif /* FUZZ_MODEL_H */
