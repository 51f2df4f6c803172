/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "hw_v4l2.h"

#include <string.h>
#include <sys/ioctl.h>
#include <linux/videodev2.h>

/*
 * <linux/videodev2.h> comes from the build machine's linux-libc-dev (Debian: Linux 6.1).
 * The kernel checks the size encoded in each request number, so the sizes Heapwise relies
 * on are pinned here; a header whose layout differs fails to compile instead of sending the
 * driver a misread struct.
 */
_Static_assert(sizeof(struct v4l2_capability) == 104, "v4l2_capability is 104 bytes in the uapi");
_Static_assert(sizeof(struct v4l2_fmtdesc) == 64, "v4l2_fmtdesc is 64 bytes in the uapi");
_Static_assert(sizeof(struct v4l2_frmsizeenum) == 44, "v4l2_frmsizeenum is 44 bytes in the uapi");
_Static_assert(sizeof(struct v4l2_pix_format) == 48, "v4l2_pix_format is 48 bytes in the uapi");
_Static_assert(sizeof(struct v4l2_plane_pix_format) == 20, "v4l2_plane_pix_format is 20 bytes in the uapi");
_Static_assert(sizeof(struct v4l2_pix_format_mplane) == 192, "v4l2_pix_format_mplane is 192 bytes in the uapi");
_Static_assert(sizeof(struct v4l2_format) == 8 + 200 || sizeof(struct v4l2_format) == 4 + 200,
               "v4l2_format is the type plus a 200-byte union (padded to 8 on 64-bit ABIs)");
_Static_assert(sizeof(struct v4l2_requestbuffers) == 20, "v4l2_requestbuffers is 20 bytes in the uapi");
_Static_assert(sizeof(struct v4l2_exportbuffer) == 64, "v4l2_exportbuffer is 64 bytes in the uapi");
_Static_assert(VIDEO_MAX_PLANES == HW_V4L2_MAX_PLANES, "VIDEO_MAX_PLANES is 8 in the uapi");
#if __SIZEOF_LONG__ == 8
/* 88 on LP64 (a 16-byte struct timeval); 32-bit ABIs differ with their time_t. */
_Static_assert(sizeof(struct v4l2_buffer) == 88, "v4l2_buffer is 88 bytes on 64-bit ABIs");
_Static_assert(sizeof(struct v4l2_plane) == 64, "v4l2_plane is 64 bytes on 64-bit ABIs");
#endif

const unsigned long hw_VIDIOC_G_FMT = VIDIOC_G_FMT;
const unsigned long hw_VIDIOC_S_FMT = VIDIOC_S_FMT;
const unsigned long hw_VIDIOC_TRY_FMT = VIDIOC_TRY_FMT;
const unsigned long hw_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
const unsigned long hw_VIDIOC_QBUF = VIDIOC_QBUF;
const unsigned long hw_VIDIOC_DQBUF = VIDIOC_DQBUF;
const unsigned long hw_VIDIOC_STREAMON = VIDIOC_STREAMON;
const unsigned long hw_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;

const uint32_t hw_V4L2_BUF_TYPE_VIDEO_CAPTURE = V4L2_BUF_TYPE_VIDEO_CAPTURE;
const uint32_t hw_V4L2_BUF_TYPE_VIDEO_OUTPUT = V4L2_BUF_TYPE_VIDEO_OUTPUT;
const uint32_t hw_V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
const uint32_t hw_V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;

const uint32_t hw_V4L2_MEMORY_MMAP = V4L2_MEMORY_MMAP;
const uint32_t hw_V4L2_MEMORY_USERPTR = V4L2_MEMORY_USERPTR;
const uint32_t hw_V4L2_MEMORY_DMABUF = V4L2_MEMORY_DMABUF;

const uint32_t hw_V4L2_CAP_VIDEO_CAPTURE = V4L2_CAP_VIDEO_CAPTURE;
const uint32_t hw_V4L2_CAP_VIDEO_OUTPUT = V4L2_CAP_VIDEO_OUTPUT;
const uint32_t hw_V4L2_CAP_VIDEO_CAPTURE_MPLANE = V4L2_CAP_VIDEO_CAPTURE_MPLANE;
const uint32_t hw_V4L2_CAP_VIDEO_OUTPUT_MPLANE = V4L2_CAP_VIDEO_OUTPUT_MPLANE;
const uint32_t hw_V4L2_CAP_VIDEO_M2M = V4L2_CAP_VIDEO_M2M;
const uint32_t hw_V4L2_CAP_VIDEO_M2M_MPLANE = V4L2_CAP_VIDEO_M2M_MPLANE;
const uint32_t hw_V4L2_CAP_STREAMING = V4L2_CAP_STREAMING;
const uint32_t hw_V4L2_CAP_DEVICE_CAPS = V4L2_CAP_DEVICE_CAPS;

const uint32_t hw_V4L2_BUF_CAP_SUPPORTS_MMAP = V4L2_BUF_CAP_SUPPORTS_MMAP;
const uint32_t hw_V4L2_BUF_CAP_SUPPORTS_USERPTR = V4L2_BUF_CAP_SUPPORTS_USERPTR;
const uint32_t hw_V4L2_BUF_CAP_SUPPORTS_DMABUF = V4L2_BUF_CAP_SUPPORTS_DMABUF;
const uint32_t hw_V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS = V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS;

const uint32_t hw_V4L2_FRMSIZE_TYPE_DISCRETE = V4L2_FRMSIZE_TYPE_DISCRETE;
const uint32_t hw_V4L2_FRMSIZE_TYPE_CONTINUOUS = V4L2_FRMSIZE_TYPE_CONTINUOUS;

const uint32_t hw_V4L2_FMT_FLAG_COMPRESSED = V4L2_FMT_FLAG_COMPRESSED;
const uint32_t hw_V4L2_BUF_FLAG_ERROR = V4L2_BUF_FLAG_ERROR;
const uint32_t hw_V4L2_FIELD_NONE = V4L2_FIELD_NONE;

/* Copies a fixed-size uapi string (not always NUL-terminated) into a terminated one. */
static void copy_string(char *dst, size_t dst_size, const __u8 *src, size_t src_size) {
    size_t n = src_size < dst_size - 1 ? src_size : dst_size - 1;
    size_t i = 0;
    for (; i < n && src[i] != 0; i++) dst[i] = (char)src[i];
    dst[i] = 0;
}

static int is_multiplanar(uint32_t type) {
    return V4L2_TYPE_IS_MULTIPLANAR(type);
}

int hw_v4l2_querycap(int fd, struct hw_v4l2_caps *out) {
    struct v4l2_capability cap;
    memset(&cap, 0, sizeof cap);
    int ret = ioctl(fd, VIDIOC_QUERYCAP, &cap);
    if (ret != 0) return ret;
    copy_string(out->driver, sizeof out->driver, cap.driver, sizeof cap.driver);
    copy_string(out->card, sizeof out->card, cap.card, sizeof cap.card);
    copy_string(out->bus_info, sizeof out->bus_info, cap.bus_info, sizeof cap.bus_info);
    out->version = cap.version;
    out->capabilities = cap.capabilities;
    out->device_caps = cap.device_caps;
    return 0;
}

int hw_v4l2_enum_fmt(int fd, uint32_t type, uint32_t index, struct hw_v4l2_fmtdesc *out) {
    struct v4l2_fmtdesc desc;
    memset(&desc, 0, sizeof desc);
    desc.type = type;
    desc.index = index;
    int ret = ioctl(fd, VIDIOC_ENUM_FMT, &desc);
    if (ret != 0) return ret;
    out->flags = desc.flags;
    out->pixelformat = desc.pixelformat;
    copy_string(out->description, sizeof out->description, desc.description, sizeof desc.description);
    return 0;
}

int hw_v4l2_enum_framesizes(int fd, uint32_t pixelformat, uint32_t index, struct hw_v4l2_frmsize *out) {
    struct v4l2_frmsizeenum size;
    memset(&size, 0, sizeof size);
    size.index = index;
    size.pixel_format = pixelformat;
    int ret = ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &size);
    if (ret != 0) return ret;
    out->type = size.type;
    if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
        out->min_width = out->max_width = size.discrete.width;
        out->min_height = out->max_height = size.discrete.height;
        out->step_width = out->step_height = 0;
    } else {
        out->min_width = size.stepwise.min_width;
        out->max_width = size.stepwise.max_width;
        out->step_width = size.stepwise.step_width;
        out->min_height = size.stepwise.min_height;
        out->max_height = size.stepwise.max_height;
        out->step_height = size.stepwise.step_height;
    }
    return 0;
}

int hw_v4l2_format(int fd, unsigned long request, struct hw_v4l2_pix *inout) {
    struct v4l2_format format;
    memset(&format, 0, sizeof format);
    format.type = inout->type;
    if (is_multiplanar(inout->type)) {
        struct v4l2_pix_format_mplane *mp = &format.fmt.pix_mp;
        mp->width = inout->width;
        mp->height = inout->height;
        mp->pixelformat = inout->pixelformat;
        mp->field = inout->field;
        mp->num_planes = (__u8)(inout->num_planes > VIDEO_MAX_PLANES ? VIDEO_MAX_PLANES : inout->num_planes);
        for (unsigned p = 0; p < mp->num_planes; p++) {
            mp->plane_fmt[p].bytesperline = inout->bytesperline[p];
            mp->plane_fmt[p].sizeimage = inout->sizeimage[p];
        }
    } else {
        struct v4l2_pix_format *pix = &format.fmt.pix;
        pix->width = inout->width;
        pix->height = inout->height;
        pix->pixelformat = inout->pixelformat;
        pix->field = inout->field;
        pix->bytesperline = inout->bytesperline[0];
        pix->sizeimage = inout->sizeimage[0];
    }
    int ret = ioctl(fd, request, &format);
    if (ret != 0) return ret;
    memset(inout->bytesperline, 0, sizeof inout->bytesperline);
    memset(inout->sizeimage, 0, sizeof inout->sizeimage);
    if (is_multiplanar(inout->type)) {
        const struct v4l2_pix_format_mplane *mp = &format.fmt.pix_mp;
        inout->width = mp->width;
        inout->height = mp->height;
        inout->pixelformat = mp->pixelformat;
        inout->field = mp->field;
        inout->colorspace = mp->colorspace;
        inout->num_planes = mp->num_planes > VIDEO_MAX_PLANES ? VIDEO_MAX_PLANES : mp->num_planes;
        for (unsigned p = 0; p < inout->num_planes; p++) {
            inout->bytesperline[p] = mp->plane_fmt[p].bytesperline;
            inout->sizeimage[p] = mp->plane_fmt[p].sizeimage;
        }
    } else {
        const struct v4l2_pix_format *pix = &format.fmt.pix;
        inout->width = pix->width;
        inout->height = pix->height;
        inout->pixelformat = pix->pixelformat;
        inout->field = pix->field;
        inout->colorspace = pix->colorspace;
        inout->num_planes = 1;
        inout->bytesperline[0] = pix->bytesperline;
        inout->sizeimage[0] = pix->sizeimage;
    }
    return 0;
}

int hw_v4l2_reqbufs(int fd, uint32_t type, uint32_t memory, uint32_t *count, uint32_t *capabilities) {
    struct v4l2_requestbuffers req;
    memset(&req, 0, sizeof req);
    req.type = type;
    req.memory = memory;
    req.count = *count;
    int ret = ioctl(fd, VIDIOC_REQBUFS, &req);
    if (ret != 0) return ret;
    *count = req.count;
    *capabilities = req.capabilities;
    return 0;
}

int hw_v4l2_buffer(int fd, unsigned long request, struct hw_v4l2_buf *inout) {
    struct v4l2_buffer buf;
    struct v4l2_plane planes[VIDEO_MAX_PLANES];
    memset(&buf, 0, sizeof buf);
    memset(planes, 0, sizeof planes);
    buf.type = inout->type;
    buf.memory = inout->memory;
    buf.index = inout->index;
    buf.field = inout->field;
    int mplane = is_multiplanar(inout->type);
    if (mplane) {
        /* DQBUF and QUERYBUF need room for every plane the driver may report. */
        uint32_t n = inout->num_planes == 0 || inout->num_planes > VIDEO_MAX_PLANES ? VIDEO_MAX_PLANES : inout->num_planes;
        for (uint32_t p = 0; p < n; p++) {
            planes[p].length = inout->planes[p].length;
            planes[p].bytesused = inout->planes[p].bytesused;
            planes[p].data_offset = inout->planes[p].data_offset;
            if (inout->memory == V4L2_MEMORY_DMABUF) planes[p].m.fd = inout->planes[p].fd;
        }
        buf.m.planes = planes;
        buf.length = n;
    } else {
        buf.length = inout->planes[0].length;
        buf.bytesused = inout->planes[0].bytesused;
        if (inout->memory == V4L2_MEMORY_DMABUF) buf.m.fd = inout->planes[0].fd;
    }
    int ret = ioctl(fd, request, &buf);
    if (ret != 0) return ret;
    inout->index = buf.index;
    inout->flags = buf.flags;
    inout->field = buf.field;
    inout->sequence = buf.sequence;
    inout->timestamp_ns = (uint64_t)buf.timestamp.tv_sec * 1000000000u + (uint64_t)buf.timestamp.tv_usec * 1000u;
    memset(inout->planes, 0, sizeof inout->planes);
    if (mplane) {
        inout->num_planes = buf.length > VIDEO_MAX_PLANES ? VIDEO_MAX_PLANES : buf.length;
        for (uint32_t p = 0; p < inout->num_planes; p++) {
            inout->planes[p].bytesused = planes[p].bytesused;
            inout->planes[p].length = planes[p].length;
            inout->planes[p].data_offset = planes[p].data_offset;
            inout->planes[p].fd = buf.memory == V4L2_MEMORY_DMABUF ? planes[p].m.fd : -1;
            inout->planes[p].mem_offset = buf.memory == V4L2_MEMORY_MMAP ? planes[p].m.mem_offset : 0;
        }
    } else {
        inout->num_planes = 1;
        inout->planes[0].bytesused = buf.bytesused;
        inout->planes[0].length = buf.length;
        inout->planes[0].data_offset = 0;
        inout->planes[0].fd = buf.memory == V4L2_MEMORY_DMABUF ? buf.m.fd : -1;
        inout->planes[0].mem_offset = buf.memory == V4L2_MEMORY_MMAP ? buf.m.offset : 0;
    }
    return 0;
}

int hw_v4l2_expbuf(int fd, uint32_t type, uint32_t index, uint32_t plane, uint32_t flags, int *out_fd) {
    struct v4l2_exportbuffer exp;
    memset(&exp, 0, sizeof exp);
    exp.type = type;
    exp.index = index;
    exp.plane = plane;
    exp.flags = flags;
    int ret = ioctl(fd, VIDIOC_EXPBUF, &exp);
    if (ret == 0) *out_fd = exp.fd;
    return ret;
}

int hw_v4l2_stream(int fd, unsigned long request, uint32_t type) {
    int arg = (int)type;
    return ioctl(fd, request, &arg);
}
