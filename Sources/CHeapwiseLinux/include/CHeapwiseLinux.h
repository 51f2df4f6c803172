/* SPDX-License-Identifier: MIT */
/*
 * CHeapwiseLinux: the smallest C surface Swift needs to talk to the dma-buf uapi.
 *
 * Swift cannot call variadic ioctl(2) directly, and it cannot import the _IOW/_IOWR macros
 * that build ioctl numbers, so each ioctl Heapwise uses is a plain function here, which uses
 * the kernel's request number itself. A request number is exported only where one Swift
 * function serves several requests (V4L2's VIDIOC_G_FMT/S_FMT/TRY_FMT). Every symbol is
 * prefixed hw_.
 */
#ifndef CHEAPWISE_LINUX_H
#define CHEAPWISE_LINUX_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- udmabuf_create.flags (linux/udmabuf.h) ---- */
extern const uint32_t hw_UDMABUF_FLAGS_CLOEXEC;

/* ---- flag values from linux/dma-buf.h ---- */
extern const uint64_t hw_DMA_BUF_SYNC_READ;
extern const uint64_t hw_DMA_BUF_SYNC_WRITE;
extern const uint64_t hw_DMA_BUF_SYNC_RW;
extern const uint64_t hw_DMA_BUF_SYNC_START;
extern const uint64_t hw_DMA_BUF_SYNC_END;
/* DMA_BUF_NAME_LEN: names are at most this many bytes including the NUL. */
extern const int hw_DMA_BUF_NAME_LEN;

/* ---- memfd seals and flags (fcntl.h, linux/memfd.h) ---- */
extern const int hw_MFD_CLOEXEC;
extern const int hw_MFD_ALLOW_SEALING;
extern const int hw_F_ADD_SEALS;
extern const int hw_F_GET_SEALS;
extern const int hw_F_SEAL_SHRINK;
extern const int hw_F_SEAL_WRITE;

/*
 * Each wrapper returns what the syscall returns (-1 with errno set on failure), so the Swift
 * funnel applies one errno policy to all of them.
 */

/* DMA_HEAP_IOCTL_ALLOC: on success *out_fd is the new dma-buf fd. */
int hw_dma_heap_alloc(int heap_fd, uint64_t len, uint32_t fd_flags, uint64_t heap_flags, int *out_fd);

/* DMA_BUF_IOCTL_SYNC with DMA_BUF_SYNC_{START,END} | DMA_BUF_SYNC_{READ,WRITE,RW}. */
int hw_dma_buf_sync(int dmabuf_fd, uint64_t flags);

/* DMA_BUF_SET_NAME: the name is copied by the kernel (at most DMA_BUF_NAME_LEN - 1 bytes). */
int hw_dma_buf_set_name(int dmabuf_fd, const char *name);

/* DMA_BUF_IOCTL_EXPORT_SYNC_FILE (Linux 6.0+): flags are DMA_BUF_SYNC_READ/WRITE. */
int hw_dma_buf_export_sync_file(int dmabuf_fd, uint32_t flags, int *out_fd);

/* DMA_BUF_IOCTL_IMPORT_SYNC_FILE (Linux 6.0+). */
int hw_dma_buf_import_sync_file(int dmabuf_fd, uint32_t flags, int sync_fd);

/* UDMABUF_CREATE: returns the new dma-buf fd. */
int hw_udmabuf_create(int udmabuf_fd, int memfd, uint32_t flags, uint64_t offset, uint64_t size);

/* memfd_create(2), called through syscall(2) so older C libraries work too. */
int hw_memfd_create(const char *name, unsigned int flags);

/* fcntl(2) is variadic as well. */
int hw_fcntl_int(int fd, int cmd, int arg);

/* stat(2), reduced to st_mode: Swift sees `stat` as both a struct and a function and cannot
 * call the function by name. */
int hw_stat_mode(const char *path, uint32_t *mode);
/// stat(2)'s st_ino, following links: the inode of the file an fd names in /proc/PID/fd/N.
int hw_stat_inode(const char *path, uint64_t *inode);

/* Reading /proc by directory descriptor (dma-buf accounting): openat(2) is variadic, which
 * Swift cannot call; statx(2) and getdents64(2) are wrapped to keep their structs here. */
int hw_openat(int directory, const char *name, int flags);
/* The device and inode of the file `name` in `directory` names, following links, with
 * AT_STATX_DONT_SYNC and only STATX_INO asked for, so a file on a network file system is not
 * revalidated (a dead server cannot stall the walk). */
int hw_statx_identity(int directory, const char *name, uint64_t *device, uint64_t *inode);
/* The same two calls for an entry named by a number (an fd in /proc/PID/fd, /proc/PID/fdinfo),
 * formatted here: the walk makes one per fd, and a Swift String for each costs as much. */
int hw_statx_identity_number(int directory, int number, uint64_t *device, uint64_t *inode);
int hw_openat_number(int directory, int number, int flags);
/* One getdents64(2) call: bytes of struct linux_dirent64 records, 0 at the end. */
long hw_getdents64(int directory, void *buffer, unsigned long length);
/* malloc_trim(0), which Glibc's Swift module does not export (malloc.h): hands freed heap
 * memory back to the kernel before a peak-memory measurement. */
int hw_malloc_trim(void);
/* Runs body(context, i) for i in 0..<count, each on its own thread (the first on the caller's),
 * and returns when all have finished: the /proc walk reads disjoint sets of processes in
 * parallel. Returns 0, or the errno of a failed pthread_create (those indices then run on the
 * caller's thread, so every index always runs). */
int hw_run_concurrently(int count, void *context, void (*body)(void *context, int index));
/* The processors this process may run on (sched_getaffinity), at least 1. */
int hw_processor_count(void);

/* ---- The running code's own file (shim.c) ---- */
/* dladdr(3)'s dli_fname for the executable or shared object holding `address` ("/proc/self/exe"
 * for a main program started by a bare name, which glibc reports as argv[0]), or NULL:
 * where an installed heapwise or libheapwise.so finds PREFIX (dladdr is a GNU extension the
 * Glibc module does not show). The string belongs to the dynamic loader. */
const char *hw_loaded_image(const void *address);

/* ---- Unix sockets (sockets.c): passing dma-bufs between processes ---- */
/* The most descriptors one message carries (SCM_RIGHTS), in either direction: the kernel's
 * SCM_MAX_FD (include/net/scm.h), so a broker reply of many buffers is one message. */
#define HW_MAX_PASSED_FDS 253
/* socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC): message boundaries kept, as a broker's. */
int hw_socketpair(int fds[2]);
/* pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start, so a program another thread
 * spawns meanwhile never inherits one (the Glibc module does not show pipe2, a GNU extension). */
int hw_pipe_cloexec(int fds[2]);
/* sendmsg(2) of `length` bytes with `count` (0 to HW_MAX_PASSED_FDS) descriptors attached. */
ssize_t hw_send_with_fds(int sock, const void *data, size_t length, const int *fds, int count);
/* recvmsg(2) with MSG_CMSG_CLOEXEC: up to `max_fds` descriptors into `fds` (*out_count of them);
 * *truncated is set when descriptors or bytes did not fit (extra descriptors are closed). */
ssize_t hw_recv_with_fds(int sock, void *data, size_t length, int *fds, int max_fds, int *out_count, int *truncated);
/* getsockopt(SO_PEERCRED): the peer's pid, uid and gid as the kernel recorded them at connect. */
int hw_peer_credentials(int sock, int32_t *pid, uint32_t *uid, uint32_t *gid);
/* getsockopt(SO_PEERGROUPS, 4.13 and later): the peer's supplementary groups at connect.
 * Up to `max` into `groups`, the number in *count; ERANGE (with *count the number needed)
 * when they do not fit. */
int hw_peer_groups(int sock, uint32_t *groups, int max, int *count);
/* socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK), bind(path), listen(backlog).
 * ENAMETOOLONG for a path longer than sun_path holds. */
int hw_unix_listen(const char *path, int backlog);
/* socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC) and connect(path): a blocking client socket. */
int hw_unix_connect(const char *path);
/* accept4(SOCK_CLOEXEC | SOCK_NONBLOCK). */
int hw_accept(int listener);
/* getsockopt(SO_TYPE) and SO_ACCEPTCONN, for a socket handed over by systemd (LISTEN_FDS):
 * 1 when it is a listening SOCK_SEQPACKET socket, 0 when it is another kind. */
int hw_is_seqpacket_listener(int fd);
/* Blocks `signals` for the calling thread (pthread_sigmask) and returns a signalfd for them
 * (SFD_CLOEXEC | SFD_NONBLOCK), so a poll loop reads SIGTERM and SIGHUP as data. */
int hw_signalfd(const int *signals, int count);
/* Reads one signal from a signalfd: its number, 0 when none is pending, -1 with errno. */
int hw_read_signal(int fd);

/*
 * The MMU page size, sysconf(_SC_PAGESIZE), written only by a constructor in shim.c when the
 * program loads (before any Swift code runs; the 4096 it starts at is never seen by an
 * allocation). Every allocation rounds its length with it: from C it is a plain load, where
 * a Swift global would be initialised lazily, through a swift_once call on each use.
 */
extern long hw_page_size_at_load;
static inline long hw_page_size(void) { return hw_page_size_at_load; }


/*
 * Baselines for `heapwise bench alloc`: the same syscalls as Heapwise's allocators in plain
 * C, each call timing one allocate+free with CLOCK_MONOTONIC into *ns. Return 0, or -1 with
 * errno from the failing call. hw_now_ns is the same clock, for timing the Heapwise side
 * identically.
 */
uint64_t hw_now_ns(void);
int hw_baseline_heap(int heap_fd, uint64_t len, uint64_t *ns);
int hw_baseline_udmabuf(int udmabuf_fd, uint64_t len, uint64_t *ns);
int hw_baseline_memfd(uint64_t len, uint64_t *ns);
int hw_baseline_ion(int ion_fd, uint64_t len, uint32_t heap_id_mask, uint64_t *ns);

#include "hw_drm.h"

#include "hw_v4l2.h"

#include "hw_vfio.h"
/* ION (Linux 4.12-5.10 staging), its structs and ioctls: ion.c. */
#include "hw_ion.h"

#endif
