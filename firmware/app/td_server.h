/* td_server.h - the tdlink protocol server, for platforms that own main(). */
#ifndef TD_SERVER_H
#define TD_SERVER_H

#ifdef __cplusplus
extern "C" {
#endif

/* Initialise the model and print the banner and the first m-ready. Call hal_init() first. */
void td_server_start(void);

/* Hand one received byte to the command parser; replies go out through hal_putc(). */
void td_server_feed(char c);

#ifdef __cplusplus
}
#endif

#endif /* TD_SERVER_H */
