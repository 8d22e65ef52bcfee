#ifndef SLUICE_CHIREDIS_SHIM_H
#define SLUICE_CHIREDIS_SHIM_H

// No _GNU_SOURCE here (unlike CLibevent): with it glibc names fd_set's member `fds_bits`, without it
// `__fds_bits`, and clang rejects a target that loads both definitions. SwiftGlibc and Foundation's
// CDispatch declare it without, so this module can sit beside them (and beside XCTest in tests).

// libc headers first: event2 headers need fd_set and friends declared the glibc way (ENGINEERING.md, trap 1).
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

/// `redisLibeventAttach` is a `static` function of the header-only adapter: this gives Swift one
/// plain entry point. Returns `REDIS_OK` or `REDIS_ERR` (something already attached).
static inline int sluice_redis_attach(redisAsyncContext *context, struct event_base *base) {
    return redisLibeventAttach(context, base);
}

/// A one-shot timer on `base` (`evtimer_new` is a macro).
static inline struct event *sluice_redis_timer_new(struct event_base *base, event_callback_fn cb, void *arg) {
    return event_new(base, -1, 0, cb, arg);
}

/// Arms a timer `usec` microseconds from now.
static inline int sluice_redis_timer_add_usec(struct event *ev, long long usec) {
    struct timeval tv;
    tv.tv_sec = (time_t)(usec / 1000000);
    tv.tv_usec = (suseconds_t)(usec % 1000000);
    return event_add(ev, &tv);
}

/// Makes a timer fire on the next loop iteration (a deferred completion), whether or not it is armed.
static inline void sluice_redis_timer_fire_soon(struct event *ev) {
    event_active(ev, EV_TIMEOUT, 0);
}

#endif
