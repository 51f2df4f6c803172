/* SPDX-License-Identifier: MIT */
/*
 * VFIO type1 (vfio.c): a userspace-managed IOMMU address space for one device.
 *
 * A container (/dev/vfio/vfio) is one IOMMU domain; attaching a device's IOMMU group
 * (/dev/vfio/N) to it and choosing the type1 IOMMU lets userspace map memory at IOVAs it
 * picks itself (VFIO_IOMMU_MAP_DMA), which is exactly the address space Heapwise models.
 * Each function is one ioctl or one read of the device's regions and returns what it
 * returns (-1 with errno set on failure), except hw_vfio_parse_iova_ranges, which only reads
 * a buffer the kernel filled. The uapi header stays inside vfio.c.
 */
#ifndef HW_VFIO_H
#define HW_VFIO_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* VFIO_API_VERSION, VFIO_TYPE1v2_IOMMU, VFIO_GROUP_FLAGS_VIABLE, VFIO_PCI_CONFIG_REGION_INDEX. */
extern const int hw_VFIO_API_VERSION;
extern const unsigned long hw_VFIO_TYPE1v2_IOMMU;
extern const uint32_t hw_VFIO_GROUP_FLAGS_VIABLE;
extern const uint32_t hw_VFIO_PCI_CONFIG_REGION_INDEX;
extern const uint32_t hw_VFIO_REGION_INFO_FLAG_READ;
extern const uint32_t hw_VFIO_REGION_INFO_FLAG_WRITE;
/* sizeof(struct vfio_iommu_type1_info): the smallest buffer VFIO_IOMMU_GET_INFO takes. */
extern const uint32_t hw_VFIO_IOMMU_INFO_SIZE;

/* VFIO_GET_API_VERSION: returns the version. */
int hw_vfio_get_api_version(int container);
/* VFIO_CHECK_EXTENSION: returns > 0 when the IOMMU type is supported. */
int hw_vfio_check_extension(int container, unsigned long extension);
/* VFIO_GROUP_GET_STATUS: *flags gets VFIO_GROUP_FLAGS_*. */
int hw_vfio_group_get_status(int group, uint32_t *flags);
/* VFIO_GROUP_SET_CONTAINER. */
int hw_vfio_group_set_container(int group, int container);
/* VFIO_SET_IOMMU. */
int hw_vfio_set_iommu(int container, unsigned long type);
/* VFIO_GROUP_GET_DEVICE_FD: returns the device fd; `name` is the PCI address (0000:00:03.0). */
int hw_vfio_group_get_device_fd(int group, const char *name);
/* VFIO_IOMMU_GET_INFO into `buffer` of `size` bytes (at least hw_VFIO_IOMMU_INFO_SIZE);
 * *needed is the argsz the kernel asks for (larger than `size`: call again with that much). */
int hw_vfio_iommu_get_info(int container, void *buffer, uint32_t size, uint32_t *needed);
/* Reads a VFIO_IOMMU_GET_INFO answer: the page-size bitmap and up to `max` IOVA ranges
 * (first and last address, inclusive) of the VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE
 * capability, *count of them. Returns 1 when that capability was found, 0 when the answer
 * has none (*count 0), or -1 when a capability offset or count points outside the buffer
 * (a malformed answer). */
int hw_vfio_parse_iova_ranges(const void *buffer, uint32_t size, uint64_t *page_sizes, uint64_t *first,
                              uint64_t *last, int max, int *count);
/* VFIO_DEVICE_GET_REGION_INFO for region `index`: its size, offset in the device fd, flags. */
int hw_vfio_device_region_info(int device, uint32_t index, uint64_t *size, uint64_t *offset, uint32_t *flags);
/* VFIO_IOMMU_MAP_DMA of `size` bytes at `vaddr` to `iova`, readable and writable by the device. */
int hw_vfio_map_dma(int container, const void *vaddr, uint64_t iova, uint64_t size);
/* VFIO_IOMMU_UNMAP_DMA of [iova, iova + size); *unmapped is how many bytes were mapped there. */
int hw_vfio_unmap_dma(int container, uint64_t iova, uint64_t size, uint64_t *unmapped);

#endif
