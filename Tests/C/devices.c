/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <drm.h>      /* libdrm-dev's copy of the uapi header (pkg-config libdrm) */
#include <drm_mode.h>
#include <linux/videodev2.h>

static int retry_ioctl(int fd, unsigned long request, void *argument) {
    int result;
    do result = ioctl(fd, request, argument);
    while (result < 0 && errno == EINTR);
    return result;
}

int open_v4l2_device(const char *driver) {
    for (int n = 0; n < 16; n++) {
        char node[32];
        snprintf(node, sizeof node, "/dev/video%d", n);
        int fd = open(node, O_RDWR | O_CLOEXEC);
        if (fd < 0) continue;
        struct v4l2_capability capability = {0};
        uint32_t caps = 0;
        if (retry_ioctl(fd, VIDIOC_QUERYCAP, &capability) == 0) {
            caps = capability.capabilities & V4L2_CAP_DEVICE_CAPS ? capability.device_caps : capability.capabilities;
            if (strcmp((const char *)capability.driver, driver) == 0 && (caps & V4L2_CAP_VIDEO_CAPTURE) && (caps & V4L2_CAP_STREAMING))
                return fd;
        }
        close(fd);
    }
    return -1;
}

int open_drm_device(const char *driver) {
    for (int n = 0; n < 8; n++) {
        char node[32], name[64] = {0};
        snprintf(node, sizeof node, "/dev/dri/card%d", n);
        int fd = open(node, O_RDWR | O_CLOEXEC);
        if (fd < 0) continue;
        struct drm_version version = {.name = name, .name_len = sizeof name - 1};
        if (retry_ioctl(fd, DRM_IOCTL_VERSION, &version) == 0 && strcmp(name, driver) == 0) return fd;
        close(fd);
    }
    return -1;
}

int capture_into(int video, heapwise_allocation *allocation, uint32_t width, uint32_t height, char *why, size_t why_size) {
    const heapwise_choice *choice = heapwise_allocation_choice(allocation);
    heapwise_plane plane;
    if (!heapwise_choice_plane(choice, 0, &plane)) {
        snprintf(why, why_size, "the allocation's plan has no plane 0");
        return -1;
    }
    /* The pipeline's XRGB8888 is V4L2's XBGR32: the same bytes in memory, and the same code
     * ('XR24'); other formats would need videodev2.h's name for them. */
    struct v4l2_format format = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    format.fmt.pix.width = width;
    format.fmt.pix.height = height;
    format.fmt.pix.pixelformat = heapwise_choice_fourcc(choice);
    format.fmt.pix.bytesperline = plane.stride;
    format.fmt.pix.field = V4L2_FIELD_NONE;
    if (retry_ioctl(video, VIDIOC_S_FMT, &format) < 0) {
        snprintf(why, why_size, "VIDIOC_S_FMT: %s", strerror(errno));
        return -1;
    }
    if (format.fmt.pix.pixelformat != heapwise_choice_fourcc(choice) || format.fmt.pix.bytesperline != plane.stride) {
        snprintf(why, why_size, "vivid changed the format to %.4s, %u bytes per line", (const char *)&format.fmt.pix.pixelformat,
                 format.fmt.pix.bytesperline);
        return -1;
    }
    size_t images = heapwise_allocation_image_count(allocation);
    struct v4l2_requestbuffers request = {.count = (uint32_t)images, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF};
    if (retry_ioctl(video, VIDIOC_REQBUFS, &request) < 0 || request.count < images) {
        snprintf(why, why_size, "VIDIOC_REQBUFS (DMABUF, %zu): %s", images, strerror(errno));
        return -1;
    }
    int captured = -1;
    for (size_t i = 0; i < images; i++) {
        heapwise_buffer *buffer = heapwise_allocation_buffer(allocation, i, 0);
        struct v4l2_buffer queued = {.index = (uint32_t)i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF};
        queued.m.fd = heapwise_buffer_fd(buffer);
        queued.length = (uint32_t)heapwise_buffer_size(buffer);
        if (retry_ioctl(video, VIDIOC_QBUF, &queued) < 0) {
            snprintf(why, why_size, "VIDIOC_QBUF of dma-buf %d: %s", queued.m.fd, strerror(errno));
            goto release;
        }
    }
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (retry_ioctl(video, VIDIOC_STREAMON, &type) < 0) {
        snprintf(why, why_size, "VIDIOC_STREAMON: %s", strerror(errno));
        goto release;
    }
    struct pollfd ready = {.fd = video, .events = POLLIN};
    struct v4l2_buffer done = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF};
    if (poll(&ready, 1, 20000) != 1 || retry_ioctl(video, VIDIOC_DQBUF, &done) < 0)
        snprintf(why, why_size, "no frame within 20 s: %s", strerror(errno));
    else if (done.bytesused == 0)
        snprintf(why, why_size, "vivid returned an empty frame");
    else
        captured = (int)done.index;
    retry_ioctl(video, VIDIOC_STREAMOFF, &type);
release:;
    struct v4l2_requestbuffers none = {.count = 0, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF};
    retry_ioctl(video, VIDIOC_REQBUFS, &none);
    return captured;
}

uint32_t framebuffer_of(int card, heapwise_allocation *allocation, size_t image, uint32_t width, uint32_t height, char *why,
                        size_t why_size) {
    const heapwise_choice *choice = heapwise_allocation_choice(allocation);
    struct drm_mode_fb_cmd2 framebuffer = {.width = width, .height = height, .pixel_format = heapwise_choice_fourcc(choice)};
    uint64_t modifier = heapwise_choice_modifier(choice);
    if (modifier != 0) framebuffer.flags = DRM_MODE_FB_MODIFIERS;
    uint32_t handles[4] = {0};
    uint32_t id = 0;
    size_t planes = heapwise_choice_plane_count(choice);
    for (size_t i = 0; i < planes && i < 4; i++) {
        heapwise_plane plane;
        if (!heapwise_choice_plane(choice, i, &plane)) {
            snprintf(why, why_size, "the plan has no plane %zu", i);
            goto close_handles;
        }
        struct drm_prime_handle prime = {.fd = heapwise_buffer_fd(heapwise_allocation_buffer(allocation, image, plane.buffer))};
        if (retry_ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime) < 0) {
            snprintf(why, why_size, "DRM_IOCTL_PRIME_FD_TO_HANDLE of dma-buf %d: %s", prime.fd, strerror(errno));
            goto close_handles;
        }
        handles[i] = framebuffer.handles[i] = prime.handle;
        framebuffer.pitches[i] = plane.stride;
        framebuffer.offsets[i] = (uint32_t)plane.offset;
        framebuffer.modifier[i] = modifier;
    }
    if (retry_ioctl(card, DRM_IOCTL_MODE_ADDFB2, &framebuffer) < 0) {
        snprintf(why, why_size, "DRM_IOCTL_MODE_ADDFB2: %s", strerror(errno));
    } else {
        id = framebuffer.fb_id;
        retry_ioctl(card, DRM_IOCTL_MODE_RMFB, &framebuffer.fb_id);
    }
close_handles:
    for (size_t i = 0; i < 4; i++) {
        if (handles[i] == 0) continue;
        struct drm_gem_close close_handle = {.handle = handles[i]};
        retry_ioctl(card, DRM_IOCTL_GEM_CLOSE, &close_handle);
        for (size_t j = i + 1; j < 4; j++) if (handles[j] == handles[i]) handles[j] = 0;  /* one handle per buffer */
    }
    return id;
}
