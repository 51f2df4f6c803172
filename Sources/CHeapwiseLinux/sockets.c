/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "CHeapwiseLinux.h"

#include <errno.h>
#include <string.h>
#include <signal.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * Unix-socket calls for passing dma-bufs between processes. Swift cannot use the CMSG_*
 * macros that lay out an SCM_RIGHTS control message, nor read `struct ucred`'s fields
 * portably, so each call is a plain function here; every one returns what the syscall
 * returns (-1 with errno set on failure) for the Swift funnel.
 */

int hw_socketpair(int fds[2]) {
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds);
}

int hw_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

/* The control buffer for HW_MAX_PASSED_FDS descriptors, aligned as a cmsghdr must be. */
union hw_fd_control {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int) * HW_MAX_PASSED_FDS)];
};

ssize_t hw_send_with_fds(int sock, const void *data, size_t length, const int *fds, int count) {
    if (count < 0 || count > HW_MAX_PASSED_FDS) {
        errno = EINVAL;
        return -1;
    }
    struct iovec iov = { .iov_base = (void *)data, .iov_len = length };
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1 };
    union hw_fd_control control;
    if (count > 0) {
        memset(&control, 0, sizeof(control));
        message.msg_control = control.bytes;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)count);
    }
    return sendmsg(sock, &message, MSG_NOSIGNAL);
}

ssize_t hw_recv_with_fds(int sock, void *data, size_t length, int *fds, int max_fds, int *out_count, int *truncated) {
    struct iovec iov = { .iov_base = data, .iov_len = length };
    union hw_fd_control control;
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes, .msg_controllen = sizeof(control) };
    *out_count = 0;
    *truncated = 0;
    ssize_t received = recvmsg(sock, &message, MSG_CMSG_CLOEXEC);
    if (received < 0) return -1;
    /* Every descriptor that arrived is handed to the caller, even past max_fds (closed
     * here, and reported as truncation), so none leaks into this process unowned. */
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const unsigned char *payload = CMSG_DATA(header);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, payload + i * sizeof(int), sizeof(int));
            if (*out_count < max_fds) {
                fds[(*out_count)++] = fd;
            } else {
                close(fd);
                *truncated = 1;
            }
        }
    }
    if (message.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) *truncated = 1;
    return received;
}

int hw_peer_credentials(int sock, int32_t *pid, uint32_t *uid, uint32_t *gid) {
    struct ucred credentials;
    socklen_t size = sizeof(credentials);
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) return -1;
    *pid = credentials.pid;
    *uid = credentials.uid;
    *gid = credentials.gid;
    return 0;
}

int hw_peer_groups(int sock, uint32_t *groups, int max, int *count) {
    socklen_t size = (socklen_t)(sizeof(gid_t) * (size_t)(max > 0 ? max : 0));
    *count = 0;
    if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups, &size) != 0) {
        if (errno == ERANGE) *count = (int)(size / sizeof(gid_t));
        return -1;
    }
    *count = (int)(size / sizeof(gid_t));
    return 0;
}

static int hw_unix_address(const char *path, struct sockaddr_un *address) {
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof(address->sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(address->sun_path, path, length);
    return 0;
}

int hw_unix_listen(const char *path, int backlog) {
    struct sockaddr_un address;
    if (hw_unix_address(path, &address) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(fd, backlog) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int hw_unix_connect(const char *path) {
    struct sockaddr_un address;
    if (hw_unix_address(path, &address) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int result;
    do { result = connect(fd, (struct sockaddr *)&address, sizeof(address)); } while (result != 0 && errno == EINTR);
    if (result != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int hw_accept(int listener) {
    return accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int hw_is_seqpacket_listener(int fd) {
    int type = 0, listening = 0;
    socklen_t size = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0) return -1;
    size = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0) return -1;
    return type == SOCK_SEQPACKET && listening ? 1 : 0;
}

int hw_signalfd(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    int error = pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (error != 0) {
        errno = error;
        return -1;
    }
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int hw_read_signal(int fd) {
    struct signalfd_siginfo info;
    ssize_t received = read(fd, &info, sizeof(info));
    if (received < 0) return errno == EAGAIN ? 0 : -1;
    if (received != (ssize_t)sizeof(info)) {
        errno = EIO;
        return -1;
    }
    return (int)info.ssi_signo;
}
