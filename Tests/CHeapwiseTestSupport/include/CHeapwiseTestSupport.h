/* SPDX-License-Identifier: MIT */
#ifndef CHEAPWISE_TEST_SUPPORT_H
#define CHEAPWISE_TEST_SUPPORT_H

#include <sys/types.h>

/* Processes for the accounting tests, forked in C because the child of a multithreaded
 * Swift process may only make async-signal-safe calls (fork(2)): each child below makes
 * nothing but system calls, and lives until it is sent SIGKILL. Each takes a command name
 * (PR_SET_NAME), or inherits the forking thread's. */

/* A child that holds everything it inherited (every fd and every mapping) and pauses. */
pid_t hwt_fork_pause(const char *name);

/* A child that, when uid >= 0, drops to that uid and gid (staying dumpable, so that user may
 * read its /proc files), closes close_fd (the parent's end), then receives fds over the
 * SOCK_SEQPACKET socket socket_fd (SCM_RIGHTS) and answers each message with the fd numbers
 * it received (int32 each), holding them until killed. */
pid_t hwt_fork_receiver(int socket_fd, int close_fd, int uid, const char *name);

/* A child that churns: forks short-lived grandchildren (which inherit fd and exit at once)
 * and dups and closes fd, in a loop, so a /proc walk meets processes that exit and fds that
 * close while it reads. */
pid_t hwt_fork_churner(int fd);

/* A broker client to be killed mid-request: connects to the SOCK_SEQPACKET socket at path,
 * then goes as far as `stage` says (0 connect only, 1 send hello, 2 send hello and request,
 * 3 send both and read one reply, 4 send both, read both replies and keep the fds) and
 * pauses until killed. The messages are prebuilt by the caller. */
pid_t hwt_fork_broker_client(const char *path, const unsigned char *hello, size_t hello_length,
                             const unsigned char *request, size_t request_length, int stage);


/* SIGKILL and reap. */
void hwt_kill(pid_t pid);

#endif
