/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "CHeapwiseTestSupport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void hwt_name(const char *name) {
    if (name != NULL) prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

pid_t hwt_fork_pause(const char *name) {
    pid_t pid = fork();
    if (pid == 0) {
        hwt_name(name);
        for (;;) pause();
    }
    return pid;
}

pid_t hwt_fork_receiver(int socket_fd, int close_fd, int uid, const char *name) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    hwt_name(name);
    close(close_fd);
    if (uid >= 0) {
        if (setgroups(0, NULL) != 0 || setgid((gid_t)uid) != 0 || setuid((uid_t)uid) != 0) _exit(97);
        /* Changing uid makes a process non-dumpable, and /proc/PID/fdinfo of a non-dumpable
         * process is root's only (ptrace_may_access); a user's own program is dumpable. */
        prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    }
    for (;;) {
        char byte;
        struct iovec io = { .iov_base = &byte, .iov_len = 1 };
        union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int) * 16)]; } control;
        struct msghdr message = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control) };
        ssize_t received = recvmsg(socket_fd, &message, MSG_CMSG_CLOEXEC);
        if (received < 0 && errno == EINTR) continue;
        if (received <= 0) break;
        int32_t fds[16];
        int count = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&message); c != NULL; c = CMSG_NXTHDR(&message, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < n && count < 16; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                fds[count++] = fd;
            }
        }
        if (write(socket_fd, fds, sizeof(int32_t) * (size_t)count) < 0 && count > 0) _exit(98);
        if (count == 0 && write(socket_fd, "", 1) < 0) _exit(98);
    }
    for (;;) pause();
}

pid_t hwt_fork_churner(int fd) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    hwt_name("hw-churner");
    for (;;) {
        pid_t child = fork();
        if (child == 0) _exit(0);
        for (int i = 0; i < 64; i++) {
            int copy = dup(fd);
            if (copy >= 0) close(copy);
        }
        if (child > 0) waitpid(child, NULL, 0);
    }
}

void hwt_kill(pid_t pid) {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
}

pid_t hwt_fork_broker_client(const char *path, const unsigned char *hello, size_t hello_length,
                             const unsigned char *request, size_t request_length, int stage) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    hwt_name("hw-doomed");
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    strncpy(address.sun_path, path, sizeof(address.sun_path) - 1);
    if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) _exit(1);
    static unsigned char reply[262144];
    static char control[CMSG_SPACE(sizeof(int) * 253)];
    if (stage >= 1) (void)send(fd, hello, hello_length, MSG_NOSIGNAL);
    if (stage >= 2) (void)send(fd, request, request_length, MSG_NOSIGNAL);
    for (int replies = 0; replies < (stage >= 4 ? 2 : stage >= 3 ? 1 : 0); replies++) {
        struct iovec iov = { .iov_base = reply, .iov_len = sizeof(reply) };
        struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
        if (recvmsg(fd, &message, 0) <= 0) break;  /* the fds, if any, stay open in this process */
    }
    for (;;) pause();
}
