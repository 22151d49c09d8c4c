/* loop — the one poll() loop that owns every descriptor: stdin, libcurl's
 * sockets, child pipes and the signal self-pipe; monotonic timers.
 * Implemented in core/loop.c. */
#ifndef WARROOM_LOOP_H
#define WARROOM_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;

typedef void (*loop_fd_fn)(struct loop *loop, int fd, short revents, void *arg);
typedef void (*loop_timer_fn)(struct loop *loop, void *arg);
typedef void (*loop_signal_fn)(struct loop *loop, int signo, void *arg);
typedef void (*loop_child_fn)(struct loop *loop, pid_t pid, int status, void *arg);
typedef void (*loop_pass_fn)(struct loop *loop, void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *loop);

/* Descriptors: events are poll() flags (POLLIN, POLLOUT). One callback per fd;
 * adding an fd already present replaces its callback and events. */
int loop_fd_add(struct loop *loop, int fd, short events, loop_fd_fn fn, void *arg);
int loop_fd_set_events(struct loop *loop, int fd, short events);
void loop_fd_del(struct loop *loop, int fd);

/* Timers on the monotonic clock. interval_ms 0 = one-shot. Ids are never 0.
 * A callback may add or cancel timers, its own included. */
uint64_t loop_timer_add(struct loop *loop, int64_t delay_ms, int64_t interval_ms,
                        loop_timer_fn fn, void *arg);
void loop_timer_cancel(struct loop *loop, uint64_t id);

/* Signals (SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGCHLD): the handler only
 * writes the self-pipe; fn runs from the loop. SIGPIPE is ignored. */
int loop_signals_watch(struct loop *loop, loop_signal_fn fn, void *arg);
/* Reaped children are reported here (SIGCHLD handled inside the loop). */
int loop_child_watch(struct loop *loop, pid_t pid, loop_child_fn fn, void *arg);
/* In a forked child before exec: default dispositions for the loop's signals
 * and SIGPIPE (an ignored SIGPIPE would survive exec). Async-signal-safe. */
void loop_child_reset_signals(void);

/* Called once at the end of every pass, after all callbacks: where the TUI
 * does its single doupdate(). */
void loop_on_pass(struct loop *loop, loop_pass_fn fn, void *arg);

int loop_run(struct loop *loop);                 /* until loop_stop(); 0 or -1 */
int loop_run_once(struct loop *loop, int max_wait_ms);
/* Runs until *done becomes true, loop_stop() or timeout_ms (<0: none) passes.
 * Returns 0 when *done, -1 on timeout or stop. For the headless CLI. */
int loop_run_until(struct loop *loop, const volatile bool *done, int64_t timeout_ms);
void loop_stop(struct loop *loop);
bool loop_stopped(const struct loop *loop);

int64_t loop_now_ms(void);     /* CLOCK_MONOTONIC, ms */
int64_t loop_wall_ms(void);    /* CLOCK_REALTIME, ms since the epoch (UTC) */

#endif
