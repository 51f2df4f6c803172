/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "CHeapwiseLinux.h"

#include <dlfcn.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <malloc.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/memfd.h>

/*
 * The uapi headers come from the build machine (Debian's linux-libc-dev). Where one is
 * missing, the structures are declared here exactly as in Linux 6.1, and the
 * _Static_asserts below pin their sizes either way, since the kernel checks the size encoded
 * in the ioctl number.
 */
#if __has_include(<linux/dma-heap.h>)
#include <linux/dma-heap.h>
#else
#include <linux/types.h>
struct dma_heap_allocation_data {
    __u64 len;
    __u32 fd;
    __u32 fd_flags;
    __u64 heap_flags;
};
#define DMA_HEAP_IOC_MAGIC 'H'
#define DMA_HEAP_IOCTL_ALLOC _IOWR(DMA_HEAP_IOC_MAGIC, 0x0, struct dma_heap_allocation_data)
#endif

#if __has_include(<linux/dma-buf.h>)
#include <linux/dma-buf.h>
#else
#include <linux/types.h>
struct dma_buf_sync { __u64 flags; };
#define DMA_BUF_SYNC_READ (1 << 0)
#define DMA_BUF_SYNC_WRITE (2 << 0)
#define DMA_BUF_SYNC_RW (DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE)
#define DMA_BUF_SYNC_START (0 << 2)
#define DMA_BUF_SYNC_END (1 << 2)
#define DMA_BUF_NAME_LEN 32
#define DMA_BUF_BASE 'b'
#define DMA_BUF_IOCTL_SYNC _IOW(DMA_BUF_BASE, 0, struct dma_buf_sync)
#define DMA_BUF_SET_NAME _IOW(DMA_BUF_BASE, 1, const char *)
#endif

/* Sync-file export/import arrived in Linux 6.0's header; older headers lack them. */
#ifndef DMA_BUF_IOCTL_EXPORT_SYNC_FILE
struct dma_buf_export_sync_file { __u32 flags; __s32 fd; };
struct dma_buf_import_sync_file { __u32 flags; __s32 fd; };
#define DMA_BUF_IOCTL_EXPORT_SYNC_FILE _IOWR(DMA_BUF_BASE, 2, struct dma_buf_export_sync_file)
#define DMA_BUF_IOCTL_IMPORT_SYNC_FILE _IOW(DMA_BUF_BASE, 3, struct dma_buf_import_sync_file)
#endif

#if __has_include(<linux/udmabuf.h>)
#include <linux/udmabuf.h>
#else
#include <linux/types.h>
struct udmabuf_create { __u32 memfd; __u32 flags; __u64 offset; __u64 size; };
#define UDMABUF_CREATE _IOW('u', 0x42, struct udmabuf_create)
#define UDMABUF_FLAGS_CLOEXEC 0x01
#endif

_Static_assert(sizeof(struct dma_heap_allocation_data) == 24, "dma_heap_allocation_data is 24 bytes in the uapi");
_Static_assert(sizeof(struct dma_buf_sync) == 8, "dma_buf_sync is 8 bytes in the uapi");
_Static_assert(sizeof(struct dma_buf_export_sync_file) == 8, "dma_buf_export_sync_file is 8 bytes");
_Static_assert(sizeof(struct dma_buf_import_sync_file) == 8, "dma_buf_import_sync_file is 8 bytes");
_Static_assert(sizeof(struct udmabuf_create) == 24, "udmabuf_create is 24 bytes in the uapi");

const uint32_t hw_UDMABUF_FLAGS_CLOEXEC = UDMABUF_FLAGS_CLOEXEC;

const uint64_t hw_DMA_BUF_SYNC_READ = DMA_BUF_SYNC_READ;
const uint64_t hw_DMA_BUF_SYNC_WRITE = DMA_BUF_SYNC_WRITE;
const uint64_t hw_DMA_BUF_SYNC_RW = DMA_BUF_SYNC_RW;
const uint64_t hw_DMA_BUF_SYNC_START = DMA_BUF_SYNC_START;
const uint64_t hw_DMA_BUF_SYNC_END = DMA_BUF_SYNC_END;
const int hw_DMA_BUF_NAME_LEN = DMA_BUF_NAME_LEN;

const int hw_MFD_CLOEXEC = MFD_CLOEXEC;
const int hw_MFD_ALLOW_SEALING = MFD_ALLOW_SEALING;
const int hw_F_ADD_SEALS = F_ADD_SEALS;
const int hw_F_GET_SEALS = F_GET_SEALS;
const int hw_F_SEAL_SHRINK = F_SEAL_SHRINK;
const int hw_F_SEAL_WRITE = F_SEAL_WRITE;

int hw_dma_heap_alloc(int heap_fd, uint64_t len, uint32_t fd_flags, uint64_t heap_flags, int *out_fd) {
    struct dma_heap_allocation_data data = { .len = len, .fd = 0, .fd_flags = fd_flags, .heap_flags = heap_flags };
    int ret = ioctl(heap_fd, DMA_HEAP_IOCTL_ALLOC, &data);
    if (ret == 0) *out_fd = (int)data.fd;
    return ret;
}

int hw_dma_buf_sync(int dmabuf_fd, uint64_t flags) {
    struct dma_buf_sync sync = { .flags = flags };
    return ioctl(dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
}

int hw_dma_buf_set_name(int dmabuf_fd, const char *name) {
    return ioctl(dmabuf_fd, DMA_BUF_SET_NAME, name);
}

int hw_dma_buf_export_sync_file(int dmabuf_fd, uint32_t flags, int *out_fd) {
    struct dma_buf_export_sync_file arg = { .flags = flags, .fd = -1 };
    int ret = ioctl(dmabuf_fd, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &arg);
    if (ret == 0) *out_fd = arg.fd;
    return ret;
}

int hw_dma_buf_import_sync_file(int dmabuf_fd, uint32_t flags, int sync_fd) {
    struct dma_buf_import_sync_file arg = { .flags = flags, .fd = sync_fd };
    return ioctl(dmabuf_fd, DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &arg);
}

int hw_udmabuf_create(int udmabuf_fd, int memfd, uint32_t flags, uint64_t offset, uint64_t size) {
    struct udmabuf_create create = { .memfd = (uint32_t)memfd, .flags = flags, .offset = offset, .size = size };
    return ioctl(udmabuf_fd, UDMABUF_CREATE, &create);
}

int hw_memfd_create(const char *name, unsigned int flags) {
    return (int)syscall(SYS_memfd_create, name, flags);
}

int hw_stat_mode(const char *path, uint32_t *mode) {
    struct stat info;
    if (stat(path, &info) != 0) return -1;
    *mode = (uint32_t)info.st_mode;
    return 0;
}

int hw_openat(int directory, const char *name, int flags) {
    return openat(directory, name, flags);
}

int hw_statx_identity(int directory, const char *name, uint64_t *device, uint64_t *inode) {
    struct statx info;
    if (statx(directory, name, AT_STATX_DONT_SYNC, STATX_INO, &info) != 0) return -1;
    *device = ((uint64_t)info.stx_dev_major << 32) | info.stx_dev_minor;
    *inode = info.stx_ino;
    return 0;
}

int hw_malloc_trim(void) {
    return malloc_trim(0);
}

static void hw_decimal(int number, char name[16]) {
    char digits[16];
    int count = 0;
    unsigned value = (unsigned)number;
    do { digits[count++] = (char)('0' + value % 10); value /= 10; } while (value != 0 && count < 15);
    for (int i = 0; i < count; i++) name[i] = digits[count - 1 - i];
    name[count] = 0;
}

int hw_statx_identity_number(int directory, int number, uint64_t *device, uint64_t *inode) {
    char name[16];
    hw_decimal(number, name);
    return hw_statx_identity(directory, name, device, inode);
}

int hw_openat_number(int directory, int number, int flags) {
    char name[16];
    hw_decimal(number, name);
    return openat(directory, name, flags);
}

struct hw_task {
    void *context;
    void (*body)(void *, int);
    int index;
};

static void *hw_task_main(void *argument) {
    struct hw_task *task = argument;
    task->body(task->context, task->index);
    return NULL;
}

int hw_run_concurrently(int count, void *context, void (*body)(void *context, int index)) {
    if (count <= 0) return 0;
    if (count > 64) count = 64;
    pthread_t threads[64];
    struct hw_task tasks[64];
    int started[64] = {0};
    int failure = 0;
    for (int i = 1; i < count; i++) {
        tasks[i] = (struct hw_task){ context, body, i };
        int error = pthread_create(&threads[i], NULL, hw_task_main, &tasks[i]);
        if (error == 0) started[i] = 1; else failure = error;
    }
    body(context, 0);
    for (int i = 1; i < count; i++) {
        if (started[i]) pthread_join(threads[i], NULL); else body(context, i);
    }
    return failure;
}

int hw_processor_count(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
    int count = CPU_COUNT(&set);
    return count > 0 ? count : 1;
}

long hw_getdents64(int directory, void *buffer, unsigned long length) {
    return syscall(SYS_getdents64, directory, buffer, length);
}

int hw_stat_inode(const char *path, uint64_t *inode) {
    struct stat info;
    if (stat(path, &info) != 0) return -1;
    *inode = (uint64_t)info.st_ino;
    return 0;
}

int hw_fcntl_int(int fd, int cmd, int arg) {
    return fcntl(fd, cmd, arg);
}

long hw_page_size_at_load = 4096;

__attribute__((constructor)) static void hw_read_page_size(void) {
    long size = sysconf(_SC_PAGESIZE);
    if (size > 0) hw_page_size_at_load = size;
}

const char *hw_loaded_image(const void *address) {
    Dl_info info;
    if (dladdr(address, &info) == 0 || info.dli_fname == NULL) return NULL;
    /* For the main program glibc gives argv[0], a bare name when it was found on PATH: the
     * kernel's link says where the file really is. */
    if (strchr(info.dli_fname, '/') == NULL) return "/proc/self/exe";
    return info.dli_fname;
}
