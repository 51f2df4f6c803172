/* SPDX-License-Identifier: MIT */
/*
 * Imports a libheapwise allocation into real devices, as a C user of the library would: V4L2
 * capture into the dma-bufs (V4L2_MEMORY_DMABUF) and a DRM framebuffer over them (PRIME +
 * DRM_IOCTL_MODE_ADDFB2). The lab runs these against vivid and vkms.
 */
#ifndef HEAPWISE_TEST_DEVICES_H
#define HEAPWISE_TEST_DEVICES_H

#include <stddef.h>
#include <heapwise/heapwise.h>

/* Opens the V4L2 capture node (or DRM card) whose driver is `driver`; -1 when none. */
int open_v4l2_device(const char *driver);
int open_drm_device(const char *driver);

/* Queues every image's buffer 0 to the capture device, captures one frame and dequeues it.
 * Returns the image vivid filled, or -1 with `why` set. */
int capture_into(int video, heapwise_allocation *allocation, uint32_t width, uint32_t height, char *why, size_t why_size);

/* Makes a framebuffer of image `image` (PRIME import of each plane's buffer, ADDFB2 with the
 * plan's pitches, offsets and modifier) and removes it again. Returns its id (> 0), or 0 with
 * `why` set. */
uint32_t framebuffer_of(int card, heapwise_allocation *allocation, size_t image, uint32_t width, uint32_t height, char *why,
                        size_t why_size);

#endif
