/* SPDX-License-Identifier: MIT */
/*
 * ION (ion.c): the Android allocator that the dma-buf heaps replaced, in the kernel's
 * staging tree until Linux 5.10 (drivers/staging/android/ion, removed in 5.11).
 *
 * Only the uapi of 4.12 and later is spoken: ION_IOC_HEAP_QUERY lists the heaps, and
 * ION_IOC_ALLOC with a mask of heap ids returns a dma-buf fd directly (the older uapi,
 * with handles and ION_IOC_SHARE, is not). No build machine has the header (it never was
 * in linux-libc-dev), so ion.c declares the structs itself, from 5.10's
 * drivers/staging/android/uapi/ion.h, and pins their sizes.
 */
#ifndef HW_ION_H
#define HW_ION_H

#include <stdint.h>

/* MAX_HEAP_NAME: a heap name's bytes in struct ion_heap_data, with its NUL. */
#define HW_ION_HEAP_NAME_MAX 32

/* One heap of ION_IOC_HEAP_QUERY's answer: name (NUL-terminated), ion_heap_type, id. */
typedef struct {
    char name[HW_ION_HEAP_NAME_MAX];
    uint32_t type;
    uint32_t heap_id;
} hw_ion_heap;

/* ION_HEAP_TYPE_* (enum ion_heap_type) and ION_FLAG_CACHED. */
extern const uint32_t hw_ION_HEAP_TYPE_SYSTEM;
extern const uint32_t hw_ION_HEAP_TYPE_SYSTEM_CONTIG;
extern const uint32_t hw_ION_HEAP_TYPE_CARVEOUT;
extern const uint32_t hw_ION_HEAP_TYPE_CHUNK;
extern const uint32_t hw_ION_HEAP_TYPE_DMA;
extern const uint32_t hw_ION_HEAP_TYPE_CUSTOM;
extern const uint32_t hw_ION_FLAG_CACHED;
/* ION_NUM_HEAP_IDS: ids are bits of a 32-bit mask. */
extern const uint32_t hw_ION_NUM_HEAP_IDS;

/* ION_IOC_HEAP_QUERY with no buffer: *count is how many heaps the device has. */
int hw_ion_heap_count(int ion_fd, uint32_t *count);
/* ION_IOC_HEAP_QUERY into `heaps` (room for `max`): *count is how many the kernel wrote. */
int hw_ion_query_heaps(int ion_fd, hw_ion_heap *heaps, uint32_t max, uint32_t *count);
/* ION_IOC_ALLOC of `len` bytes from the heaps of `heap_id_mask` with `flags`: *out_fd is
 * the new dma-buf (O_RDWR | O_CLOEXEC, as ion_alloc exports it). */
int hw_ion_alloc(int ion_fd, uint64_t len, uint32_t heap_id_mask, uint32_t flags, int *out_fd);

#endif
