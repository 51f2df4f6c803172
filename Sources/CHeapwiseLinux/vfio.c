/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "CHeapwiseLinux.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

/*
 * linux/vfio.h is part of linux-libc-dev (the kernel's own uapi copy). The kernel checks
 * argsz against the size of each struct up to its last fixed field, so the layouts the
 * Linux 6.1 header declares are pinned here.
 */
_Static_assert(sizeof(struct vfio_group_status) == 8, "struct vfio_group_status");
_Static_assert(sizeof(struct vfio_iommu_type1_info) == 24, "struct vfio_iommu_type1_info");
_Static_assert(offsetof(struct vfio_iommu_type1_info, cap_offset) == 16, "vfio_iommu_type1_info.cap_offset");
_Static_assert(sizeof(struct vfio_info_cap_header) == 8, "struct vfio_info_cap_header");
_Static_assert(sizeof(struct vfio_iommu_type1_info_cap_iova_range) == 16, "struct vfio_iommu_type1_info_cap_iova_range");
_Static_assert(sizeof(struct vfio_iova_range) == 16, "struct vfio_iova_range");
_Static_assert(sizeof(struct vfio_region_info) == 32, "struct vfio_region_info");
_Static_assert(sizeof(struct vfio_iommu_type1_dma_map) == 32, "struct vfio_iommu_type1_dma_map");
_Static_assert(sizeof(struct vfio_iommu_type1_dma_unmap) == 24, "struct vfio_iommu_type1_dma_unmap");

const int hw_VFIO_API_VERSION = VFIO_API_VERSION;
const unsigned long hw_VFIO_TYPE1v2_IOMMU = VFIO_TYPE1v2_IOMMU;
const uint32_t hw_VFIO_GROUP_FLAGS_VIABLE = VFIO_GROUP_FLAGS_VIABLE;
const uint32_t hw_VFIO_PCI_CONFIG_REGION_INDEX = VFIO_PCI_CONFIG_REGION_INDEX;
const uint32_t hw_VFIO_REGION_INFO_FLAG_READ = VFIO_REGION_INFO_FLAG_READ;
const uint32_t hw_VFIO_REGION_INFO_FLAG_WRITE = VFIO_REGION_INFO_FLAG_WRITE;
const uint32_t hw_VFIO_IOMMU_INFO_SIZE = sizeof(struct vfio_iommu_type1_info);

int hw_vfio_get_api_version(int container) { return ioctl(container, VFIO_GET_API_VERSION); }

int hw_vfio_check_extension(int container, unsigned long extension) {
    return ioctl(container, VFIO_CHECK_EXTENSION, extension);
}

int hw_vfio_group_get_status(int group, uint32_t *flags) {
    struct vfio_group_status status = {.argsz = sizeof(status)};
    int result = ioctl(group, VFIO_GROUP_GET_STATUS, &status);
    if (result == 0) *flags = status.flags;
    return result;
}

int hw_vfio_group_set_container(int group, int container) {
    return ioctl(group, VFIO_GROUP_SET_CONTAINER, &container);
}

int hw_vfio_set_iommu(int container, unsigned long type) { return ioctl(container, VFIO_SET_IOMMU, type); }

int hw_vfio_group_get_device_fd(int group, const char *name) {
    return ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name);
}

int hw_vfio_iommu_get_info(int container, void *buffer, uint32_t size, uint32_t *needed) {
    if (size < sizeof(struct vfio_iommu_type1_info)) {
        errno = EINVAL;
        return -1;
    }
    memset(buffer, 0, size);
    struct vfio_iommu_type1_info *info = buffer;
    info->argsz = size;
    int result = ioctl(container, VFIO_IOMMU_GET_INFO, info);
    if (result == 0) *needed = info->argsz;
    return result;
}

int hw_vfio_parse_iova_ranges(const void *buffer, uint32_t size, uint64_t *page_sizes, uint64_t *first,
                              uint64_t *last, int max, int *count) {
    const struct vfio_iommu_type1_info *info = buffer;
    *count = 0;
    if (size < sizeof(*info) || max < 0) return -1;
    *page_sizes = (info->flags & VFIO_IOMMU_INFO_PGSIZES) ? info->iova_pgsizes : 0;
    if (!(info->flags & VFIO_IOMMU_INFO_CAPS)) return 0;
    uint32_t offset = info->cap_offset;
    /* Each capability names the next by offset; a chain longer than the buffer has room for
     * capabilities loops, so stop after that many. */
    for (uint32_t hops = 0; offset != 0 && hops < size / sizeof(struct vfio_info_cap_header); hops++) {
        if (offset < sizeof(*info) || offset > size - sizeof(struct vfio_info_cap_header)) return -1;
        const struct vfio_info_cap_header *header = (const void *)((const char *)buffer + offset);
        if (header->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
            if (offset > size - sizeof(struct vfio_iommu_type1_info_cap_iova_range)) return -1;
            const struct vfio_iommu_type1_info_cap_iova_range *cap = (const void *)header;
            uint64_t end = (uint64_t)offset + sizeof(*cap) + (uint64_t)cap->nr_iovas * sizeof(struct vfio_iova_range);
            if (end > size) return -1;
            int n = cap->nr_iovas < (uint32_t)max ? (int)cap->nr_iovas : max;
            for (int i = 0; i < n; i++) {
                first[i] = cap->iova_ranges[i].start;
                last[i] = cap->iova_ranges[i].end;
            }
            *count = n;
            return 1;
        }
        offset = header->next;
    }
    return 0;
}

int hw_vfio_device_region_info(int device, uint32_t index, uint64_t *size, uint64_t *offset, uint32_t *flags) {
    struct vfio_region_info info = {.argsz = sizeof(info), .index = index};
    int result = ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &info);
    if (result == 0) {
        *size = info.size;
        *offset = info.offset;
        *flags = info.flags;
    }
    return result;
}

int hw_vfio_map_dma(int container, const void *vaddr, uint64_t iova, uint64_t size) {
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uint64_t)(uintptr_t)vaddr,
        .iova = iova,
        .size = size,
    };
    return ioctl(container, VFIO_IOMMU_MAP_DMA, &map);
}

int hw_vfio_unmap_dma(int container, uint64_t iova, uint64_t size, uint64_t *unmapped) {
    struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof(unmap), .iova = iova, .size = size};
    int result = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap);
    if (result == 0) *unmapped = unmap.size;
    return result;
}
