/* td_board.h for the fuzz build: fixed board facts (no generated project). */
#ifndef TD_BOARD_H
#define TD_BOARD_H

#define TD_BOARD_ID "fuzz"
#define TD_CPU "host"
#define TD_CLOCK_HZ 1000000u
#define TD_BAUD 115200u
#define TD_TIMER_DWT 0
#define TD_STACK_BYTES 4096u

#endif /* TD_BOARD_H */
