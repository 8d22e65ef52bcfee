#ifndef SLUICE_CHIREDIS_SHIM_H
#define SLUICE_CHIREDIS_SHIM_H

// No _GNU_SOURCE here (unlike CLibevent): with it glibc names fd_set's member `fds_bits`, without it
// `__fds_bits`, and clang rejects a target that loads both definitions. SwiftGlibc and Foundation's
// CDispatch declare it without, so this module can sit beside them (and beside XCTest in tests).

// libc headers first: event2 headers use fd_set and friends, and a module that includes them after libc
// fails with an `fd_set` / `__fds_bits` mismatch.
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
/// plain entry point. Returns `REDIS_OK` or `REDIS_ERR` (something already attached). The adapter's own
/// libevent calls stay in C; Swift reaches libevent only through Engine.
static inline int sluice_redis_attach(redisAsyncContext *context, struct event_base *base) {
    return redisLibeventAttach(context, base);
}

#endif
