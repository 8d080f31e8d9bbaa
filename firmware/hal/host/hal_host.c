/*
 * hal_host.c - the firmware as a native program, for fast tests of the protocol
 * server and the model C code on the development machine.
 *
 *   ./fw            serve on stdin/stdout
 *   ./fw --pty      create a pseudo-terminal, print "td-pty <path>" on stdout,
 *                   and serve on it; exits when the other side closes it
 *
 * Time is CLOCK_MONOTONIC in nanoseconds; the stack cannot be measured here.
 */
#define _XOPEN_SOURCE 600
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "td_board.h"
#include "td_hal.h"

static int g_in = 0, g_out = 1;
static int g_peer_seen;         /* the pty's other side has been opened once */
static char g_obuf[4096];
static size_t g_olen;

static void die_quietly(void) { _exit(0); }

void hal_init(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--pty") == 0) {
    struct termios tio;
    int fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0) {
      perror("td-pty");
      exit(2);
    }
    if (tcgetattr(fd, &tio) == 0) {
      cfmakeraw(&tio);
      tcsetattr(fd, TCSANOW, &tio);
    }
    printf("td-pty %s\n", ptsname(fd));
    fflush(stdout);
    g_in = g_out = fd;
  } else if (argc > 1) {
    fprintf(stderr, "usage: %s [--pty]\n", argv[0]);
    exit(2);
  }
}

int hal_getc(void) {
  struct pollfd p;
  unsigned char c;
  ssize_t n;
  hal_flush();
  p.fd = g_in;
  p.events = POLLIN;
  p.revents = 0;
  /* Wait a little so the idle loop does not spin a host CPU at 100 %. */
  if (poll(&p, 1, 10) <= 0) return -1;
  if (p.revents & POLLIN) {
    n = read(g_in, &c, 1);
    if (n == 1) {
      g_peer_seen = 1;
      return c;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) die_quietly(); /* EOF / peer gone */
    return -1;
  }
  if ((p.revents & (POLLHUP | POLLERR)) && (g_in == 0 || g_peer_seen)) die_quietly();
  if (p.revents & POLLHUP) usleep(10000); /* pty not opened yet by the host */
  return -1;
}

void hal_putc(char c) {
  if (g_olen == sizeof g_obuf) hal_flush();
  g_obuf[g_olen++] = c;
}

void hal_flush(void) {
  size_t off = 0;
  while (off < g_olen) {
    ssize_t n = write(g_out, g_obuf + off, g_olen - off);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      die_quietly();
    }
    off += (size_t)n;
  }
  g_olen = 0;
}

uint64_t hal_ticks(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint32_t hal_tick_hz(void) { return 1000000000u; }
const char *hal_tick_source(void) { return "clock_gettime"; }
uint32_t hal_stack_bytes(void) { return 0u; }
uint32_t hal_stack_used(void) { return UINT32_MAX; }
uint32_t hal_static_ram(void) { return UINT32_MAX; }
