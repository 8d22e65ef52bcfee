#ifndef SLUICE_CLIBEVENT_SHIM_H
#define SLUICE_CLIBEVENT_SHIM_H


// libc headers first: event2 headers use fd_set and friends, and a module that includes them after libc
// fails with an `fd_set` / `__fds_bits` mismatch.
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

#include <event2/event.h>
#include <event2/thread.h>

/// `evtimer_new` is a macro (trap 2).
static inline struct event *sluice_timer_new(struct event_base *base, event_callback_fn cb, void *arg) {
    return event_new(base, -1, 0, cb, arg);
}

/// `evsignal_new` is a macro (trap 2).
static inline struct event *sluice_signal_new(struct event_base *base, int signum, event_callback_fn cb, void *arg) {
    return event_new(base, signum, EV_SIGNAL | EV_PERSIST, cb, arg);
}

/// Arms a timer `usec` microseconds from now.
static inline int sluice_event_add_usec(struct event *ev, long long usec) {
    struct timeval tv;
    tv.tv_sec = (time_t)(usec / 1000000);
    tv.tv_usec = (suseconds_t)(usec % 1000000);
    return event_add(ev, &tv);
}

/// Sets `SO_REUSEPORT`, `SO_REUSEADDR` and `TCP_NODELAY`-style integer options.
static inline int sluice_setsockopt_int(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value));
}

// GNU extensions, declared here rather than through _GNU_SOURCE: that macro changes glibc's
// fd_set member names and clashes with Swift's Glibc module in the same build.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);

/// `accept4` is a GNU extension the Glibc module does not export.
static inline int sluice_accept4(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/// Names the calling thread (a GNU extension), for `top -H` and debuggers.
static inline void sluice_set_thread_name(const char *name) {
    pthread_setname_np(pthread_self(), name);
}

#endif
