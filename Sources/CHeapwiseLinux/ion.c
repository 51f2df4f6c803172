/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "CHeapwiseLinux.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/types.h>

/*
 * The 4.12+ ION uapi, as Linux 5.10's drivers/staging/android/uapi/ion.h declares it. The
 * ioctl numbers encode the struct sizes (_IOWR), so a layout that drifted would be a
 * different, unknown ioctl (ENOTTY): the sizes are pinned below.
 */
enum ion_heap_type {
    ION_HEAP_TYPE_SYSTEM,
    ION_HEAP_TYPE_SYSTEM_CONTIG,
    ION_HEAP_TYPE_CARVEOUT,
    ION_HEAP_TYPE_CHUNK,
    ION_HEAP_TYPE_DMA,
    ION_HEAP_TYPE_CUSTOM,
};

#define ION_NUM_HEAP_IDS (sizeof(unsigned int) * 8)
#define ION_FLAG_CACHED 1
#define MAX_HEAP_NAME 32

struct ion_allocation_data {
    __u64 len;
    __u32 heap_id_mask;
    __u32 flags;
    __u32 fd;
    __u32 unused;
};

struct ion_heap_data {
    char name[MAX_HEAP_NAME];
    __u32 type;
    __u32 heap_id;
    __u32 reserved0;
    __u32 reserved1;
    __u32 reserved2;
};

struct ion_heap_query {
    __u32 cnt;
    __u32 reserved0;
    __u64 heaps;
    __u32 reserved1;
    __u32 reserved2;
};

#define ION_IOC_MAGIC 'I'
#define ION_IOC_ALLOC _IOWR(ION_IOC_MAGIC, 0, struct ion_allocation_data)
#define ION_IOC_HEAP_QUERY _IOWR(ION_IOC_MAGIC, 8, struct ion_heap_query)

_Static_assert(sizeof(struct ion_allocation_data) == 24, "ion_allocation_data is 24 bytes in the 5.10 uapi");
_Static_assert(offsetof(struct ion_allocation_data, fd) == 16, "ion_allocation_data.fd");
_Static_assert(sizeof(struct ion_heap_data) == 52, "ion_heap_data is 52 bytes in the 5.10 uapi");
_Static_assert(offsetof(struct ion_heap_data, heap_id) == 36, "ion_heap_data.heap_id");
_Static_assert(sizeof(struct ion_heap_query) == 24, "ion_heap_query is 24 bytes in the 5.10 uapi");
_Static_assert(offsetof(struct ion_heap_query, heaps) == 8, "ion_heap_query.heaps");
_Static_assert(ION_IOC_ALLOC == 0xc0184900, "ION_IOC_ALLOC as 5.10 numbers it");
_Static_assert(ION_IOC_HEAP_QUERY == 0xc0184908, "ION_IOC_HEAP_QUERY as 5.10 numbers it");
_Static_assert(HW_ION_HEAP_NAME_MAX == MAX_HEAP_NAME, "hw_ion_heap.name is MAX_HEAP_NAME bytes");

const uint32_t hw_ION_HEAP_TYPE_SYSTEM = ION_HEAP_TYPE_SYSTEM;
const uint32_t hw_ION_HEAP_TYPE_SYSTEM_CONTIG = ION_HEAP_TYPE_SYSTEM_CONTIG;
const uint32_t hw_ION_HEAP_TYPE_CARVEOUT = ION_HEAP_TYPE_CARVEOUT;
const uint32_t hw_ION_HEAP_TYPE_CHUNK = ION_HEAP_TYPE_CHUNK;
const uint32_t hw_ION_HEAP_TYPE_DMA = ION_HEAP_TYPE_DMA;
const uint32_t hw_ION_HEAP_TYPE_CUSTOM = ION_HEAP_TYPE_CUSTOM;
const uint32_t hw_ION_FLAG_CACHED = ION_FLAG_CACHED;
const uint32_t hw_ION_NUM_HEAP_IDS = ION_NUM_HEAP_IDS;

int hw_ion_heap_count(int ion_fd, uint32_t *count) {
    /* ion_query_heaps: a zero `heaps` pointer asks for the count (query->cnt = heap_cnt). */
    struct ion_heap_query query = {0};
    int result = ioctl(ion_fd, ION_IOC_HEAP_QUERY, &query);
    if (result == 0) *count = query.cnt;
    return result;
}

int hw_ion_query_heaps(int ion_fd, hw_ion_heap *heaps, uint32_t max, uint32_t *count) {
    if (max == 0 || max > 1024) {
        errno = EINVAL;
        return -1;
    }
    struct ion_heap_data data[max];
    memset(data, 0, sizeof(data));
    /* The reserved fields must be zero: validate_ioctl_arg refuses the query otherwise. */
    struct ion_heap_query query = {.cnt = max, .heaps = (__u64)(uintptr_t)data};
    int result = ioctl(ion_fd, ION_IOC_HEAP_QUERY, &query);
    if (result != 0) return result;
    uint32_t written = query.cnt < max ? query.cnt : max;
    for (uint32_t i = 0; i < written; i++) {
        memcpy(heaps[i].name, data[i].name, MAX_HEAP_NAME);
        heaps[i].name[MAX_HEAP_NAME - 1] = '\0';
        heaps[i].type = data[i].type;
        heaps[i].heap_id = data[i].heap_id;
    }
    *count = written;
    return 0;
}

int hw_ion_alloc(int ion_fd, uint64_t len, uint32_t heap_id_mask, uint32_t flags, int *out_fd) {
    struct ion_allocation_data data = {.len = len, .heap_id_mask = heap_id_mask, .flags = flags};
    int result = ioctl(ion_fd, ION_IOC_ALLOC, &data);
    if (result == 0) *out_fd = (int)data.fd;
    return result;
}
