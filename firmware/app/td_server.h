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

/* Extension hook: a command the server does not know (cmd, with up to two
 * arguments a1/a2, NULL when absent) is offered here before "Unknown command".
 * Return 1 when handled: the extension prints its reply lines (m-... or e-[...])
 * and the server then prints m-ready; return 0 to let the server refuse it. A
 * weak default returns 0; firmware with extra commands links a definition. It may
 * read raw bytes with hal_getc() (binary uploads), like td-load. */
int td_server_ext(const char *cmd, char *a1, char *a2);

#ifdef __cplusplus
}
#endif

#endif /* TD_SERVER_H */
