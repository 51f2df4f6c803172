/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "CHeapwiseLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/*
 * The DRM uapi headers. Fedora and Arch install the kernel's own copies as <drm/...>
 * (kernel-headers / linux-api-headers); Debian leaves them out of linux-libc-dev and ships
 * libdrm's copies as <libdrm/...> in libdrm-dev. Where neither is installed (this project's
 * build machine), the declarations below are exactly those of Linux 6.1's
 * include/uapi/drm/drm.h, drm_mode.h and drm_fourcc.h for what Heapwise uses. The
 * _Static_asserts further down pin every struct size either way: the kernel checks the size
 * encoded in each request number, and copies the structs field by field.
 */
#if __has_include(<drm/drm.h>) && __has_include(<drm/drm_mode.h>) && __has_include(<drm/drm_fourcc.h>)
#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <drm/drm_fourcc.h>
#elif __has_include(<libdrm/drm.h>) && __has_include(<libdrm/drm_mode.h>) && __has_include(<libdrm/drm_fourcc.h>)
#include <libdrm/drm.h>
#include <libdrm/drm_mode.h>
#include <libdrm/drm_fourcc.h>
#else
#include <linux/types.h>

struct drm_version {
    int version_major;
    int version_minor;
    int version_patchlevel;
    __kernel_size_t name_len;
    char *name;
    __kernel_size_t date_len;
    char *date;
    __kernel_size_t desc_len;
    char *desc;
};
struct drm_gem_close { __u32 handle; __u32 pad; };
struct drm_get_cap { __u64 capability; __u64 value; };
struct drm_set_client_cap { __u64 capability; __u64 value; };
struct drm_prime_handle { __u32 handle; __u32 flags; __s32 fd; };

#define DRM_DISPLAY_MODE_LEN 32
#define DRM_PROP_NAME_LEN 32
struct drm_mode_modeinfo {
    __u32 clock;
    __u16 hdisplay, hsync_start, hsync_end, htotal, hskew;
    __u16 vdisplay, vsync_start, vsync_end, vtotal, vscan;
    __u32 vrefresh;
    __u32 flags;
    __u32 type;
    char name[DRM_DISPLAY_MODE_LEN];
};
struct drm_mode_card_res {
    __u64 fb_id_ptr, crtc_id_ptr, connector_id_ptr, encoder_id_ptr;
    __u32 count_fbs, count_crtcs, count_connectors, count_encoders;
    __u32 min_width, max_width, min_height, max_height;
};
struct drm_mode_get_encoder {
    __u32 encoder_id, encoder_type, crtc_id, possible_crtcs, possible_clones;
};
struct drm_mode_get_connector {
    __u64 encoders_ptr, modes_ptr, props_ptr, prop_values_ptr;
    __u32 count_modes, count_props, count_encoders;
    __u32 encoder_id, connector_id, connector_type, connector_type_id;
    __u32 connection, mm_width, mm_height, subpixel;
    __u32 pad;
};
struct drm_mode_property_enum { __u64 value; char name[DRM_PROP_NAME_LEN]; };
struct drm_mode_get_property {
    __u64 values_ptr, enum_blob_ptr;
    __u32 prop_id, flags;
    char name[DRM_PROP_NAME_LEN];
    __u32 count_values, count_enum_blobs;
};
struct drm_mode_obj_get_properties {
    __u64 props_ptr, prop_values_ptr;
    __u32 count_props, obj_id, obj_type;
};
struct drm_mode_get_blob { __u32 blob_id; __u32 length; __u64 data; };
struct drm_mode_fb_cmd2 {
    __u32 fb_id, width, height, pixel_format, flags;
    __u32 handles[4], pitches[4], offsets[4];
    __u64 modifier[4];
};
struct drm_mode_get_plane {
    __u32 plane_id, crtc_id, fb_id, possible_crtcs, gamma_size, count_format_types;
    __u64 format_type_ptr;
};
struct drm_mode_get_plane_res { __u64 plane_id_ptr; __u32 count_planes; };
struct drm_format_modifier_blob {
    __u32 version, flags, count_formats, formats_offset, count_modifiers, modifiers_offset;
};
struct drm_format_modifier { __u64 formats; __u32 offset; __u32 pad; __u64 modifier; };
struct drm_mode_atomic {
    __u32 flags, count_objs;
    __u64 objs_ptr, count_props_ptr, props_ptr, prop_values_ptr, reserved, user_data;
};
struct drm_mode_create_blob { __u64 data; __u32 length; __u32 blob_id; };
struct drm_mode_destroy_blob { __u32 blob_id; };

#define DRM_IOCTL_BASE 'd'
#define DRM_IOW(nr, type) _IOW(DRM_IOCTL_BASE, nr, type)
#define DRM_IOWR(nr, type) _IOWR(DRM_IOCTL_BASE, nr, type)
#define DRM_IOCTL_VERSION DRM_IOWR(0x00, struct drm_version)
#define DRM_IOCTL_GEM_CLOSE DRM_IOW(0x09, struct drm_gem_close)
#define DRM_IOCTL_GET_CAP DRM_IOWR(0x0c, struct drm_get_cap)
#define DRM_IOCTL_SET_CLIENT_CAP DRM_IOW(0x0d, struct drm_set_client_cap)
#define DRM_IOCTL_PRIME_HANDLE_TO_FD DRM_IOWR(0x2d, struct drm_prime_handle)
#define DRM_IOCTL_PRIME_FD_TO_HANDLE DRM_IOWR(0x2e, struct drm_prime_handle)
#define DRM_IOCTL_MODE_GETRESOURCES DRM_IOWR(0xA0, struct drm_mode_card_res)
#define DRM_IOCTL_MODE_GETENCODER DRM_IOWR(0xA6, struct drm_mode_get_encoder)
#define DRM_IOCTL_MODE_GETCONNECTOR DRM_IOWR(0xA7, struct drm_mode_get_connector)
#define DRM_IOCTL_MODE_GETPROPERTY DRM_IOWR(0xAA, struct drm_mode_get_property)
#define DRM_IOCTL_MODE_GETPROPBLOB DRM_IOWR(0xAC, struct drm_mode_get_blob)
#define DRM_IOCTL_MODE_RMFB DRM_IOWR(0xAF, unsigned int)
#define DRM_IOCTL_MODE_GETPLANERESOURCES DRM_IOWR(0xB5, struct drm_mode_get_plane_res)
#define DRM_IOCTL_MODE_GETPLANE DRM_IOWR(0xB6, struct drm_mode_get_plane)
#define DRM_IOCTL_MODE_ADDFB2 DRM_IOWR(0xB8, struct drm_mode_fb_cmd2)
#define DRM_IOCTL_MODE_OBJ_GETPROPERTIES DRM_IOWR(0xB9, struct drm_mode_obj_get_properties)
#define DRM_IOCTL_MODE_ATOMIC DRM_IOWR(0xBC, struct drm_mode_atomic)
#define DRM_IOCTL_MODE_CREATEPROPBLOB DRM_IOWR(0xBD, struct drm_mode_create_blob)
#define DRM_IOCTL_MODE_DESTROYPROPBLOB DRM_IOWR(0xBE, struct drm_mode_destroy_blob)

#define DRM_CAP_DUMB_BUFFER 0x1
#define DRM_CAP_PRIME 0x5
#define DRM_PRIME_CAP_IMPORT 0x1
#define DRM_PRIME_CAP_EXPORT 0x2
#define DRM_CAP_CURSOR_WIDTH 0x8
#define DRM_CAP_CURSOR_HEIGHT 0x9
#define DRM_CAP_ADDFB2_MODIFIERS 0x10
#define DRM_CLIENT_CAP_UNIVERSAL_PLANES 2
#define DRM_CLIENT_CAP_ATOMIC 3
#define DRM_CLIENT_CAP_WRITEBACK_CONNECTORS 5
#define DRM_RDWR O_RDWR
#define DRM_CLOEXEC O_CLOEXEC

#define DRM_MODE_TYPE_PREFERRED (1 << 3)
#define DRM_MODE_CONNECTOR_WRITEBACK 18
#define DRM_MODE_PROP_RANGE (1 << 1)
#define DRM_MODE_PROP_IMMUTABLE (1 << 2)
#define DRM_MODE_PROP_ENUM (1 << 3)
#define DRM_MODE_PROP_BLOB (1 << 4)
#define DRM_MODE_PROP_BITMASK (1 << 5)
#define DRM_MODE_OBJECT_CRTC 0xcccccccc
#define DRM_MODE_OBJECT_CONNECTOR 0xc0c0c0c0
#define DRM_MODE_OBJECT_PLANE 0xeeeeeeee
#define DRM_MODE_FB_MODIFIERS (1 << 1)
#define DRM_MODE_ATOMIC_TEST_ONLY 0x0100
#define DRM_MODE_ATOMIC_NONBLOCK 0x0200
#define DRM_MODE_ATOMIC_ALLOW_MODESET 0x0400
#define FORMAT_BLOB_CURRENT 1

#define fourcc_code(a, b, c, d) ((__u32)(a) | ((__u32)(b) << 8) | ((__u32)(c) << 16) | ((__u32)(d) << 24))
#define DRM_FORMAT_XRGB8888 fourcc_code('X', 'R', '2', '4')
#define DRM_FORMAT_MOD_LINEAR 0ULL
#define DRM_FORMAT_MOD_INVALID ((1ULL << 56) - 1)
#endif

/* The writeback capability is the newest thing used (Linux 4.19); older headers lack it. */
#ifndef DRM_CLIENT_CAP_WRITEBACK_CONNECTORS
#define DRM_CLIENT_CAP_WRITEBACK_CONNECTORS 5
#endif
#ifndef DRM_MODE_CONNECTOR_WRITEBACK
#define DRM_MODE_CONNECTOR_WRITEBACK 18
#endif

_Static_assert(sizeof(struct drm_version) == 64, "drm_version is 64 bytes on LP64");
_Static_assert(sizeof(struct drm_gem_close) == 8, "drm_gem_close is 8 bytes");
_Static_assert(sizeof(struct drm_get_cap) == 16, "drm_get_cap is 16 bytes");
_Static_assert(sizeof(struct drm_set_client_cap) == 16, "drm_set_client_cap is 16 bytes");
_Static_assert(sizeof(struct drm_prime_handle) == 12, "drm_prime_handle is 12 bytes");
_Static_assert(sizeof(struct drm_mode_modeinfo) == 68, "drm_mode_modeinfo is 68 bytes");
_Static_assert(sizeof(struct drm_mode_card_res) == 64, "drm_mode_card_res is 64 bytes");
_Static_assert(sizeof(struct drm_mode_get_encoder) == 20, "drm_mode_get_encoder is 20 bytes");
_Static_assert(sizeof(struct drm_mode_get_connector) == 80, "drm_mode_get_connector is 80 bytes");
_Static_assert(sizeof(struct drm_mode_property_enum) == 40, "drm_mode_property_enum is 40 bytes");
_Static_assert(sizeof(struct drm_mode_get_property) == 64, "drm_mode_get_property is 64 bytes");
_Static_assert(sizeof(struct drm_mode_obj_get_properties) == 32, "drm_mode_obj_get_properties is 32 bytes");
_Static_assert(sizeof(struct drm_mode_get_blob) == 16, "drm_mode_get_blob is 16 bytes");
_Static_assert(sizeof(struct drm_mode_fb_cmd2) == 104, "drm_mode_fb_cmd2 is 104 bytes");
_Static_assert(sizeof(struct drm_mode_get_plane) == 32, "drm_mode_get_plane is 32 bytes");
_Static_assert(sizeof(struct drm_mode_get_plane_res) == 16, "drm_mode_get_plane_res is 16 bytes");
_Static_assert(sizeof(struct drm_format_modifier_blob) == 24, "drm_format_modifier_blob is 24 bytes");
_Static_assert(sizeof(struct drm_format_modifier) == 24, "drm_format_modifier is 24 bytes");
_Static_assert(sizeof(struct drm_mode_atomic) == 56, "drm_mode_atomic is 56 bytes");
_Static_assert(sizeof(struct drm_mode_create_blob) == 16, "drm_mode_create_blob is 16 bytes");
_Static_assert(sizeof(struct drm_mode_destroy_blob) == 4, "drm_mode_destroy_blob is 4 bytes");

/* hw_drm_mode_info is handed to the kernel as a drm_mode_modeinfo: same size, same offsets. */
_Static_assert(sizeof(struct hw_drm_mode_info) == sizeof(struct drm_mode_modeinfo), "hw_drm_mode_info mirrors drm_mode_modeinfo");
_Static_assert(offsetof(struct hw_drm_mode_info, hdisplay) == offsetof(struct drm_mode_modeinfo, hdisplay), "hdisplay");
_Static_assert(offsetof(struct hw_drm_mode_info, vdisplay) == offsetof(struct drm_mode_modeinfo, vdisplay), "vdisplay");
_Static_assert(offsetof(struct hw_drm_mode_info, vrefresh) == offsetof(struct drm_mode_modeinfo, vrefresh), "vrefresh");
_Static_assert(offsetof(struct hw_drm_mode_info, type) == offsetof(struct drm_mode_modeinfo, type), "type");
_Static_assert(offsetof(struct hw_drm_mode_info, name) == offsetof(struct drm_mode_modeinfo, name), "name");


const uint64_t hw_DRM_CAP_DUMB_BUFFER = DRM_CAP_DUMB_BUFFER;
const uint64_t hw_DRM_CAP_PRIME = DRM_CAP_PRIME;
const uint64_t hw_DRM_PRIME_CAP_IMPORT = DRM_PRIME_CAP_IMPORT;
const uint64_t hw_DRM_PRIME_CAP_EXPORT = DRM_PRIME_CAP_EXPORT;
const uint64_t hw_DRM_CAP_CURSOR_WIDTH = DRM_CAP_CURSOR_WIDTH;
const uint64_t hw_DRM_CAP_CURSOR_HEIGHT = DRM_CAP_CURSOR_HEIGHT;
const uint64_t hw_DRM_CAP_ADDFB2_MODIFIERS = DRM_CAP_ADDFB2_MODIFIERS;
const uint64_t hw_DRM_CLIENT_CAP_UNIVERSAL_PLANES = DRM_CLIENT_CAP_UNIVERSAL_PLANES;
const uint64_t hw_DRM_CLIENT_CAP_ATOMIC = DRM_CLIENT_CAP_ATOMIC;
const uint64_t hw_DRM_CLIENT_CAP_WRITEBACK_CONNECTORS = DRM_CLIENT_CAP_WRITEBACK_CONNECTORS;
const uint32_t hw_DRM_PRIME_EXPORT_FLAGS = DRM_CLOEXEC | DRM_RDWR;

const uint32_t hw_DRM_MODE_OBJECT_CRTC = DRM_MODE_OBJECT_CRTC;
const uint32_t hw_DRM_MODE_OBJECT_CONNECTOR = DRM_MODE_OBJECT_CONNECTOR;
const uint32_t hw_DRM_MODE_OBJECT_PLANE = DRM_MODE_OBJECT_PLANE;
const uint32_t hw_DRM_MODE_PROP_BLOB = DRM_MODE_PROP_BLOB;
const uint32_t hw_DRM_MODE_PROP_IMMUTABLE = DRM_MODE_PROP_IMMUTABLE;
const uint32_t hw_DRM_MODE_TYPE_PREFERRED = DRM_MODE_TYPE_PREFERRED;
/* connector_status_connected of enum drm_connector_status (include/drm/drm_connector.h): the
 * value GETCONNECTOR reports in `connection`; the uapi headers have no name for it. */
const uint32_t hw_DRM_MODE_CONNECTED = 1;
const uint32_t hw_DRM_MODE_CONNECTOR_WRITEBACK = DRM_MODE_CONNECTOR_WRITEBACK;
const uint32_t hw_DRM_MODE_FB_MODIFIERS = DRM_MODE_FB_MODIFIERS;
const uint32_t hw_DRM_MODE_ATOMIC_TEST_ONLY = DRM_MODE_ATOMIC_TEST_ONLY;
const uint32_t hw_DRM_MODE_ATOMIC_NONBLOCK = DRM_MODE_ATOMIC_NONBLOCK;
const uint32_t hw_DRM_MODE_ATOMIC_ALLOW_MODESET = DRM_MODE_ATOMIC_ALLOW_MODESET;
const uint32_t hw_FORMAT_BLOB_CURRENT = FORMAT_BLOB_CURRENT;
const uint32_t hw_DRM_FORMAT_MODIFIER_BLOB_SIZE = sizeof(struct drm_format_modifier_blob);
const uint32_t hw_DRM_FORMAT_MODIFIER_SIZE = sizeof(struct drm_format_modifier);

const uint32_t hw_DRM_FORMAT_XRGB8888 = DRM_FORMAT_XRGB8888;
const uint64_t hw_DRM_FORMAT_MOD_LINEAR = DRM_FORMAT_MOD_LINEAR;
const uint64_t hw_DRM_FORMAT_MOD_INVALID = DRM_FORMAT_MOD_INVALID;

/* The uapi carries user pointers as __u64. */
static inline __u64 hw_ptr(const void *p) { return (__u64)(uintptr_t)p; }

int hw_drm_version(int fd, int32_t version[3], char *name, size_t *name_len, char *date, size_t *date_len,
                   char *desc, size_t *desc_len) {
    struct drm_version v = {
        .name_len = *name_len, .name = name,
        .date_len = *date_len, .date = date,
        .desc_len = *desc_len, .desc = desc,
    };
    int ret = ioctl(fd, DRM_IOCTL_VERSION, &v);
    if (ret == 0) {
        version[0] = v.version_major;
        version[1] = v.version_minor;
        version[2] = v.version_patchlevel;
        *name_len = v.name_len;
        *date_len = v.date_len;
        *desc_len = v.desc_len;
    }
    return ret;
}

int hw_drm_get_cap(int fd, uint64_t capability, uint64_t *value) {
    struct drm_get_cap cap = { .capability = capability, .value = 0 };
    int ret = ioctl(fd, DRM_IOCTL_GET_CAP, &cap);
    if (ret == 0) *value = cap.value;
    return ret;
}

int hw_drm_set_client_cap(int fd, uint64_t capability, uint64_t value) {
    struct drm_set_client_cap cap = { .capability = capability, .value = value };
    return ioctl(fd, DRM_IOCTL_SET_CLIENT_CAP, &cap);
}

int hw_drm_mode_get_resources(int fd, struct hw_drm_resources *res, uint32_t *crtcs, uint32_t *connectors,
                              uint32_t *encoders) {
    struct drm_mode_card_res r = {
        .crtc_id_ptr = hw_ptr(crtcs), .count_crtcs = res->count_crtcs,
        .connector_id_ptr = hw_ptr(connectors), .count_connectors = res->count_connectors,
        .encoder_id_ptr = hw_ptr(encoders), .count_encoders = res->count_encoders,
    };
    int ret = ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &r);
    if (ret == 0) {
        res->count_crtcs = r.count_crtcs;
        res->count_connectors = r.count_connectors;
        res->count_encoders = r.count_encoders;
        res->min_width = r.min_width;
        res->max_width = r.max_width;
        res->min_height = r.min_height;
        res->max_height = r.max_height;
    }
    return ret;
}

int hw_drm_mode_get_encoder(int fd, uint32_t encoder_id, uint32_t *encoder_type, uint32_t *crtc_id,
                            uint32_t *possible_crtcs, uint32_t *possible_clones) {
    struct drm_mode_get_encoder e = { .encoder_id = encoder_id };
    int ret = ioctl(fd, DRM_IOCTL_MODE_GETENCODER, &e);
    if (ret == 0) {
        *encoder_type = e.encoder_type;
        *crtc_id = e.crtc_id;
        *possible_crtcs = e.possible_crtcs;
        *possible_clones = e.possible_clones;
    }
    return ret;
}

int hw_drm_mode_get_connector(int fd, uint32_t connector_id, struct hw_drm_connector *info,
                              struct hw_drm_mode_info *modes, uint32_t *encoders, uint32_t *props,
                              uint64_t *prop_values) {
    struct drm_mode_get_connector c = {
        .connector_id = connector_id,
        .modes_ptr = hw_ptr(modes), .count_modes = info->count_modes,
        .encoders_ptr = hw_ptr(encoders), .count_encoders = info->count_encoders,
        .props_ptr = hw_ptr(props), .prop_values_ptr = hw_ptr(prop_values), .count_props = info->count_props,
    };
    int ret = ioctl(fd, DRM_IOCTL_MODE_GETCONNECTOR, &c);
    if (ret == 0) {
        info->connector_type = c.connector_type;
        info->connector_type_id = c.connector_type_id;
        info->connection = c.connection;
        info->encoder_id = c.encoder_id;
        info->mm_width = c.mm_width;
        info->mm_height = c.mm_height;
        info->subpixel = c.subpixel;
        info->count_modes = c.count_modes;
        info->count_encoders = c.count_encoders;
        info->count_props = c.count_props;
    }
    return ret;
}

int hw_drm_mode_get_plane_resources(int fd, uint32_t *planes, uint32_t *count) {
    struct drm_mode_get_plane_res r = { .plane_id_ptr = hw_ptr(planes), .count_planes = *count };
    int ret = ioctl(fd, DRM_IOCTL_MODE_GETPLANERESOURCES, &r);
    if (ret == 0) *count = r.count_planes;
    return ret;
}

int hw_drm_mode_get_plane(int fd, uint32_t plane_id, struct hw_drm_plane *info, uint32_t *formats) {
    struct drm_mode_get_plane p = {
        .plane_id = plane_id, .format_type_ptr = hw_ptr(formats), .count_format_types = info->count_format_types,
    };
    int ret = ioctl(fd, DRM_IOCTL_MODE_GETPLANE, &p);
    if (ret == 0) {
        info->crtc_id = p.crtc_id;
        info->fb_id = p.fb_id;
        info->possible_crtcs = p.possible_crtcs;
        info->gamma_size = p.gamma_size;
        info->count_format_types = p.count_format_types;
    }
    return ret;
}

int hw_drm_mode_obj_get_properties(int fd, uint32_t object_id, uint32_t object_type, uint32_t *props,
                                   uint64_t *values, uint32_t *count) {
    struct drm_mode_obj_get_properties o = {
        .obj_id = object_id, .obj_type = object_type,
        .props_ptr = hw_ptr(props), .prop_values_ptr = hw_ptr(values), .count_props = *count,
    };
    int ret = ioctl(fd, DRM_IOCTL_MODE_OBJ_GETPROPERTIES, &o);
    if (ret == 0) *count = o.count_props;
    return ret;
}

int hw_drm_mode_get_property(int fd, uint32_t property_id, struct hw_drm_property *info, char name[32],
                             uint64_t *values, uint64_t *enum_values, char *enum_names) {
    /* The kernel writes whole drm_mode_property_enum records; they are split up here. */
    uint32_t enum_capacity = info->count_enums;
    struct drm_mode_property_enum *enums = NULL;
    if (enum_capacity > 0) {
        enums = calloc(enum_capacity, sizeof *enums);
        if (enums == NULL) {
            errno = ENOMEM;
            return -1;
        }
    }
    struct drm_mode_get_property p = {
        .prop_id = property_id,
        .values_ptr = hw_ptr(values), .count_values = info->count_values,
        .enum_blob_ptr = hw_ptr(enums), .count_enum_blobs = enum_capacity,
    };
    int ret = ioctl(fd, DRM_IOCTL_MODE_GETPROPERTY, &p);
    int saved = errno;
    if (ret == 0) {
        info->flags = p.flags;
        memcpy(name, p.name, DRM_PROP_NAME_LEN);
        name[DRM_PROP_NAME_LEN - 1] = 0;
        if (p.count_enum_blobs <= enum_capacity) {
            for (uint32_t i = 0; i < p.count_enum_blobs; i++) {
                enum_values[i] = enums[i].value;
                memcpy(enum_names + 32 * i, enums[i].name, DRM_PROP_NAME_LEN);
                enum_names[32 * i + 31] = 0;
            }
        }
        info->count_values = p.count_values;
        info->count_enums = p.count_enum_blobs;
    }
    free(enums);
    errno = saved;
    return ret;
}

int hw_drm_mode_get_blob(int fd, uint32_t blob_id, void *data, uint32_t *length) {
    struct drm_mode_get_blob b = { .blob_id = blob_id, .length = *length, .data = hw_ptr(data) };
    int ret = ioctl(fd, DRM_IOCTL_MODE_GETPROPBLOB, &b);
    if (ret == 0) *length = b.length;
    return ret;
}

int hw_drm_mode_create_blob(int fd, const void *data, uint32_t length, uint32_t *blob_id) {
    struct drm_mode_create_blob b = { .data = hw_ptr(data), .length = length };
    int ret = ioctl(fd, DRM_IOCTL_MODE_CREATEPROPBLOB, &b);
    if (ret == 0) *blob_id = b.blob_id;
    return ret;
}

int hw_drm_mode_destroy_blob(int fd, uint32_t blob_id) {
    struct drm_mode_destroy_blob b = { .blob_id = blob_id };
    return ioctl(fd, DRM_IOCTL_MODE_DESTROYPROPBLOB, &b);
}

int hw_drm_prime_fd_to_handle(int fd, int dmabuf_fd, uint32_t *handle) {
    struct drm_prime_handle p = { .fd = dmabuf_fd };
    int ret = ioctl(fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);
    if (ret == 0) *handle = p.handle;
    return ret;
}

int hw_drm_prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf_fd) {
    struct drm_prime_handle p = { .handle = handle, .flags = flags, .fd = -1 };
    int ret = ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);
    if (ret == 0) *dmabuf_fd = p.fd;
    return ret;
}

int hw_drm_gem_close(int fd, uint32_t handle) {
    struct drm_gem_close c = { .handle = handle };
    return ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c);
}

int hw_drm_mode_addfb2(int fd, uint32_t width, uint32_t height, uint32_t pixel_format, uint32_t flags,
                       const uint32_t handles[4], const uint32_t pitches[4], const uint32_t offsets[4],
                       const uint64_t modifiers[4], uint32_t *fb_id) {
    struct drm_mode_fb_cmd2 cmd = { .width = width, .height = height, .pixel_format = pixel_format, .flags = flags };
    memcpy(cmd.handles, handles, sizeof cmd.handles);
    memcpy(cmd.pitches, pitches, sizeof cmd.pitches);
    memcpy(cmd.offsets, offsets, sizeof cmd.offsets);
    memcpy(cmd.modifier, modifiers, sizeof cmd.modifier);
    int ret = ioctl(fd, DRM_IOCTL_MODE_ADDFB2, &cmd);
    if (ret == 0) *fb_id = cmd.fb_id;
    return ret;
}

int hw_drm_mode_rmfb(int fd, uint32_t fb_id) {
    unsigned int id = fb_id;
    return ioctl(fd, DRM_IOCTL_MODE_RMFB, &id);
}

int hw_drm_mode_atomic(int fd, uint32_t flags, uint32_t count_objs, const uint32_t *objs,
                       const uint32_t *count_props, const uint32_t *props, const uint64_t *values,
                       uint64_t user_data) {
    struct drm_mode_atomic a = {
        .flags = flags, .count_objs = count_objs,
        .objs_ptr = hw_ptr(objs), .count_props_ptr = hw_ptr(count_props),
        .props_ptr = hw_ptr(props), .prop_values_ptr = hw_ptr(values),
        .user_data = user_data,
    };
    return ioctl(fd, DRM_IOCTL_MODE_ATOMIC, &a);
}
