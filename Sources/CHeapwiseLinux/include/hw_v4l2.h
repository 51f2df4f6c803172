/* SPDX-License-Identifier: MIT */
/*
 * hw_v4l2.h: the V4L2 (video4linux2) ioctls Heapwise uses, as plain functions.
 *
 * Why not import <linux/videodev2.h> into Swift directly: the structs Heapwise needs
 * (v4l2_format, v4l2_buffer, v4l2_frmsizeenum) carry anonymous unions whose live member
 * depends on the buffer type and memory model, v4l2_buffer embeds a struct timeval whose
 * size depends on the ABI, and ioctl(2) is variadic. So Swift sees only the small flat
 * hw_v4l2_* structs below, and v4l2.c converts them to and from the uapi structs (whose
 * sizes it pins with _Static_assert, since the kernel checks the size encoded in the
 * request number). Every wrapper returns what ioctl(2) returns: -1 with errno set on failure.
 */
#ifndef HW_V4L2_H
#define HW_V4L2_H

#include <stdint.h>

/* ---- request numbers shared by one wrapper (VIDIOC_*, computed by the uapi's _IO* macros in v4l2.c) ---- */
extern const unsigned long hw_VIDIOC_G_FMT;
extern const unsigned long hw_VIDIOC_S_FMT;
extern const unsigned long hw_VIDIOC_TRY_FMT;
extern const unsigned long hw_VIDIOC_QUERYBUF;
extern const unsigned long hw_VIDIOC_QBUF;
extern const unsigned long hw_VIDIOC_DQBUF;
extern const unsigned long hw_VIDIOC_STREAMON;
extern const unsigned long hw_VIDIOC_STREAMOFF;

/* ---- enum v4l2_buf_type ---- */
extern const uint32_t hw_V4L2_BUF_TYPE_VIDEO_CAPTURE;
extern const uint32_t hw_V4L2_BUF_TYPE_VIDEO_OUTPUT;
extern const uint32_t hw_V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
extern const uint32_t hw_V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;

/* ---- enum v4l2_memory ---- */
extern const uint32_t hw_V4L2_MEMORY_MMAP;
extern const uint32_t hw_V4L2_MEMORY_USERPTR;
extern const uint32_t hw_V4L2_MEMORY_DMABUF;

/* ---- v4l2_capability.capabilities / device_caps ---- */
extern const uint32_t hw_V4L2_CAP_VIDEO_CAPTURE;
extern const uint32_t hw_V4L2_CAP_VIDEO_OUTPUT;
extern const uint32_t hw_V4L2_CAP_VIDEO_CAPTURE_MPLANE;
extern const uint32_t hw_V4L2_CAP_VIDEO_OUTPUT_MPLANE;
extern const uint32_t hw_V4L2_CAP_VIDEO_M2M;
extern const uint32_t hw_V4L2_CAP_VIDEO_M2M_MPLANE;
extern const uint32_t hw_V4L2_CAP_STREAMING;
extern const uint32_t hw_V4L2_CAP_DEVICE_CAPS;

/* ---- v4l2_requestbuffers.capabilities (V4L2_BUF_CAP_*, Linux 5.0+) ---- */
extern const uint32_t hw_V4L2_BUF_CAP_SUPPORTS_MMAP;
extern const uint32_t hw_V4L2_BUF_CAP_SUPPORTS_USERPTR;
extern const uint32_t hw_V4L2_BUF_CAP_SUPPORTS_DMABUF;
extern const uint32_t hw_V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS;

/* ---- enum v4l2_frmsizetypes ---- */
extern const uint32_t hw_V4L2_FRMSIZE_TYPE_DISCRETE;
extern const uint32_t hw_V4L2_FRMSIZE_TYPE_CONTINUOUS;

/* ---- v4l2_fmtdesc.flags, v4l2_buffer.flags, enum v4l2_field ---- */
extern const uint32_t hw_V4L2_FMT_FLAG_COMPRESSED;
extern const uint32_t hw_V4L2_BUF_FLAG_ERROR;
extern const uint32_t hw_V4L2_FIELD_NONE;

/* VIDEO_MAX_PLANES: the most memory planes one multi-planar buffer can have. */
#define HW_V4L2_MAX_PLANES 8

/* VIDIOC_QUERYCAP. Strings are NUL-terminated copies of the uapi's fixed arrays. */
struct hw_v4l2_caps {
    char driver[16];
    char card[32];
    char bus_info[32];
    uint32_t version;
    uint32_t capabilities;
    uint32_t device_caps;
};
int hw_v4l2_querycap(int fd, struct hw_v4l2_caps *out);

/* VIDIOC_ENUM_FMT: the index-th pixel format of a queue type; EINVAL past the last one. */
struct hw_v4l2_fmtdesc {
    uint32_t flags;
    uint32_t pixelformat;
    char description[32];
};
int hw_v4l2_enum_fmt(int fd, uint32_t type, uint32_t index, struct hw_v4l2_fmtdesc *out);

/*
 * VIDIOC_ENUM_FRAMESIZES: the index-th frame size of a pixel format. A discrete size
 * comes back as min == max and steps 0; stepwise and continuous fill all six fields.
 */
struct hw_v4l2_frmsize {
    uint32_t type;
    uint32_t min_width, max_width, step_width;
    uint32_t min_height, max_height, step_height;
};
int hw_v4l2_enum_framesizes(int fd, uint32_t pixelformat, uint32_t index, struct hw_v4l2_frmsize *out);

/*
 * VIDIOC_G_FMT, VIDIOC_S_FMT, VIDIOC_TRY_FMT (pass the request number). The struct is
 * both argument and result: single-planar types use plane 0 only (num_planes is 1 on
 * return), multi-planar types use num_planes entries of v4l2_pix_format_mplane.plane_fmt.
 */
struct hw_v4l2_pix {
    uint32_t type;
    uint32_t width;
    uint32_t height;
    uint32_t pixelformat;
    uint32_t field;
    uint32_t colorspace;
    uint32_t num_planes;
    uint32_t bytesperline[HW_V4L2_MAX_PLANES];
    uint32_t sizeimage[HW_V4L2_MAX_PLANES];
};
int hw_v4l2_format(int fd, unsigned long request, struct hw_v4l2_pix *inout);

/* VIDIOC_REQBUFS: *count in, count granted out; capabilities gets V4L2_BUF_CAP_* (0 before 5.0). */
int hw_v4l2_reqbufs(int fd, uint32_t type, uint32_t memory, uint32_t *count, uint32_t *capabilities);

/*
 * VIDIOC_QUERYBUF, VIDIOC_QBUF, VIDIOC_DQBUF (pass the request number). In: type, memory,
 * index (QBUF/QUERYBUF), num_planes (multi-planar types), and per plane fd + length for
 * V4L2_MEMORY_DMABUF (length 0 lets the kernel take the dma-buf's size). Out: the driver's
 * view, including bytesused, data_offset and, for MMAP, mem_offset (the mmap offset).
 */
struct hw_v4l2_plane {
    uint32_t bytesused;
    uint32_t length;
    uint32_t data_offset;
    int32_t fd;
    uint32_t mem_offset;
};
struct hw_v4l2_buf {
    uint32_t type;
    uint32_t memory;
    uint32_t index;
    uint32_t flags;
    uint32_t field;
    uint32_t sequence;
    uint64_t timestamp_ns;
    uint32_t num_planes;
    struct hw_v4l2_plane planes[HW_V4L2_MAX_PLANES];
};
int hw_v4l2_buffer(int fd, unsigned long request, struct hw_v4l2_buf *inout);

/* VIDIOC_EXPBUF: exports plane `plane` of MMAP buffer `index` as a dma-buf (flags: O_CLOEXEC | O_RDWR). */
int hw_v4l2_expbuf(int fd, uint32_t type, uint32_t index, uint32_t plane, uint32_t flags, int *out_fd);

/* VIDIOC_STREAMON / VIDIOC_STREAMOFF (pass the request number); the argument is the buffer type. */
int hw_v4l2_stream(int fd, unsigned long request, uint32_t type);

#endif
