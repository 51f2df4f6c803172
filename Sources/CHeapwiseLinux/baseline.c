/* SPDX-License-Identifier: MIT */
/*
 * The raw C side `heapwise bench alloc` compares Heapwise against: the same ioctls and
 * syscalls its allocators make, with nothing else, so the ratio measures Heapwise's own cost.
 * Each call times one allocate+free.
 */
#define _GNU_SOURCE
#include "CHeapwiseLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

uint64_t hw_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* DMA_HEAP_IOCTL_ALLOC, close. */
int hw_baseline_heap(int heap_fd, uint64_t len, uint64_t *ns) {
    uint64_t start = hw_now_ns();
    int fd;
    if (hw_dma_heap_alloc(heap_fd, len, O_RDWR | O_CLOEXEC, 0, &fd) != 0) return -1;
    close(fd);
    *ns = hw_now_ns() - start;
    return 0;
}

/* ION_IOC_ALLOC (cached, as IONHeap allocates), close. */
int hw_baseline_ion(int ion_fd, uint64_t len, uint32_t heap_id_mask, uint64_t *ns) {
    uint64_t start = hw_now_ns();
    int fd;
    if (hw_ion_alloc(ion_fd, len, heap_id_mask, hw_ION_FLAG_CACHED, &fd) != 0) return -1;
    close(fd);
    *ns = hw_now_ns() - start;
    return 0;
}

/* memfd_create, ftruncate, F_SEAL_SHRINK, UDMABUF_CREATE, close both. */
int hw_baseline_udmabuf(int udmabuf_fd, uint64_t len, uint64_t *ns) {
    uint64_t start = hw_now_ns();
    int memfd = hw_memfd_create("heapwise-baseline", hw_MFD_CLOEXEC | hw_MFD_ALLOW_SEALING);
    if (memfd < 0) return -1;
    if (ftruncate(memfd, (off_t)len) != 0 || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) != 0) {
        int saved = errno;
        close(memfd);
        errno = saved;
        return -1;
    }
    int fd = hw_udmabuf_create(udmabuf_fd, memfd, hw_UDMABUF_FLAGS_CLOEXEC, 0, len);
    int saved = errno;
    close(memfd);
    if (fd < 0) {
        errno = saved;
        return -1;
    }
    close(fd);
    *ns = hw_now_ns() - start;
    return 0;
}

/* memfd_create, ftruncate, close. */
int hw_baseline_memfd(uint64_t len, uint64_t *ns) {
    uint64_t start = hw_now_ns();
    int memfd = hw_memfd_create("heapwise-baseline", hw_MFD_CLOEXEC);
    if (memfd < 0) return -1;
    if (ftruncate(memfd, (off_t)len) != 0) {
        int saved = errno;
        close(memfd);
        errno = saved;
        return -1;
    }
    close(memfd);
    *ns = hw_now_ns() - start;
    return 0;
}
