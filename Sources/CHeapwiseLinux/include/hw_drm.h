/* SPDX-License-Identifier: MIT */
/*
 * DRM/KMS: the ioctls Heapwise uses to probe a display device, import dma-bufs into it
 * (PRIME), create framebuffers and commit atomically (drm.c).
 *
 * Swift cannot call variadic ioctl(2), cannot import the DRM_IOWR() macros that build the
 * request numbers, and would have to cast pointers to the __u64 fields of the uapi structs by
 * hand. So each ioctl is a plain function taking Swift-friendly arguments (arrays as
 * pointer + capacity), each request number and constant is an exported value, and the few
 * structs Swift reads are declared here with the hw_ prefix. The uapi headers themselves stay
 * inside drm.c: Debian ships them in libdrm-dev rather than linux-libc-dev, so drm.c carries
 * a copy of the Linux 6.1 declarations for when they are missing, and this header must not
 * depend on them.
 *
 * Every function returns what ioctl(2) returns: 0, or -1 with errno set.
 */
#ifndef HW_DRM_H
#define HW_DRM_H

#include <stdint.h>
#include <stddef.h>

/* ---- capabilities (drm.h) ---- */
extern const uint64_t hw_DRM_CAP_DUMB_BUFFER;
extern const uint64_t hw_DRM_CAP_PRIME;
extern const uint64_t hw_DRM_PRIME_CAP_IMPORT;
extern const uint64_t hw_DRM_PRIME_CAP_EXPORT;
extern const uint64_t hw_DRM_CAP_CURSOR_WIDTH;
extern const uint64_t hw_DRM_CAP_CURSOR_HEIGHT;
extern const uint64_t hw_DRM_CAP_ADDFB2_MODIFIERS;
extern const uint64_t hw_DRM_CLIENT_CAP_UNIVERSAL_PLANES;
extern const uint64_t hw_DRM_CLIENT_CAP_ATOMIC;
extern const uint64_t hw_DRM_CLIENT_CAP_WRITEBACK_CONNECTORS;
/* DRM_CLOEXEC | DRM_RDWR: the flags of an exported dma-buf fd. */
extern const uint32_t hw_DRM_PRIME_EXPORT_FLAGS;

/* ---- drm_mode.h ---- */
extern const uint32_t hw_DRM_MODE_OBJECT_CRTC;
extern const uint32_t hw_DRM_MODE_OBJECT_CONNECTOR;
extern const uint32_t hw_DRM_MODE_OBJECT_PLANE;
extern const uint32_t hw_DRM_MODE_PROP_BLOB;
extern const uint32_t hw_DRM_MODE_PROP_IMMUTABLE;
extern const uint32_t hw_DRM_MODE_TYPE_PREFERRED;
extern const uint32_t hw_DRM_MODE_CONNECTED;
extern const uint32_t hw_DRM_MODE_CONNECTOR_WRITEBACK;
extern const uint32_t hw_DRM_MODE_FB_MODIFIERS;
extern const uint32_t hw_DRM_MODE_ATOMIC_TEST_ONLY;
extern const uint32_t hw_DRM_MODE_ATOMIC_NONBLOCK;
extern const uint32_t hw_DRM_MODE_ATOMIC_ALLOW_MODESET;
extern const uint32_t hw_FORMAT_BLOB_CURRENT;
/* sizeof(struct drm_format_modifier_blob) and sizeof(struct drm_format_modifier). */
extern const uint32_t hw_DRM_FORMAT_MODIFIER_BLOB_SIZE;
extern const uint32_t hw_DRM_FORMAT_MODIFIER_SIZE;

/* ---- drm_fourcc.h values Swift's own tables must agree with (host-tested) ---- */
extern const uint32_t hw_DRM_FORMAT_XRGB8888;
extern const uint64_t hw_DRM_FORMAT_MOD_LINEAR;
extern const uint64_t hw_DRM_FORMAT_MOD_INVALID;

/*
 * Exactly struct drm_mode_modeinfo (68 bytes; drm.c asserts size and offsets), so the kernel
 * fills it directly and its bytes are what a MODE_ID property blob must hold.
 */
struct hw_drm_mode_info {
    uint32_t clock;
    uint16_t hdisplay, hsync_start, hsync_end, htotal, hskew;
    uint16_t vdisplay, vsync_start, vsync_end, vtotal, vscan;
    uint32_t vrefresh;
    uint32_t flags;
    uint32_t type;
    char name[32];
};

/* DRM_IOCTL_VERSION. Each string buffer holds *len bytes on entry; on return *len is the
 * string's full length (copied up to the buffer's size, not NUL-terminated). */
int hw_drm_version(int fd, int32_t version[3], char *name, size_t *name_len, char *date, size_t *date_len,
                   char *desc, size_t *desc_len);

/* DRM_IOCTL_GET_CAP. */
int hw_drm_get_cap(int fd, uint64_t capability, uint64_t *value);

/* DRM_IOCTL_SET_CLIENT_CAP. */
int hw_drm_set_client_cap(int fd, uint64_t capability, uint64_t value);

/*
 * DRM_IOCTL_MODE_GETRESOURCES. Counts hold the arrays' capacities on entry and the kernel's
 * counts on return; an array is filled only when its capacity was large enough, so callers
 * ask with zero capacities, allocate, and ask again until the counts hold still.
 */
struct hw_drm_resources {
    uint32_t count_crtcs, count_connectors, count_encoders;
    uint32_t min_width, max_width, min_height, max_height;
};
int hw_drm_mode_get_resources(int fd, struct hw_drm_resources *res, uint32_t *crtcs, uint32_t *connectors,
                              uint32_t *encoders);

/* DRM_IOCTL_MODE_GETENCODER. Both masks are over the card's CRTC and encoder lists. */
int hw_drm_mode_get_encoder(int fd, uint32_t encoder_id, uint32_t *encoder_type, uint32_t *crtc_id,
                            uint32_t *possible_crtcs, uint32_t *possible_clones);

/* DRM_IOCTL_MODE_GETCONNECTOR, with the same capacity/count protocol for its three arrays
 * (properties come with their values). A zero mode capacity makes the kernel re-probe. */
struct hw_drm_connector {
    uint32_t connector_type, connector_type_id, connection, encoder_id;
    uint32_t mm_width, mm_height, subpixel;
    uint32_t count_modes, count_encoders, count_props;
};
int hw_drm_mode_get_connector(int fd, uint32_t connector_id, struct hw_drm_connector *info,
                              struct hw_drm_mode_info *modes, uint32_t *encoders, uint32_t *props,
                              uint64_t *prop_values);

/* DRM_IOCTL_MODE_GETPLANERESOURCES: *count is the capacity on entry, the count on return. */
int hw_drm_mode_get_plane_resources(int fd, uint32_t *planes, uint32_t *count);

/* DRM_IOCTL_MODE_GETPLANE: info->count_format_types is the capacity of formats on entry. */
struct hw_drm_plane {
    uint32_t crtc_id, fb_id, possible_crtcs, gamma_size, count_format_types;
};
int hw_drm_mode_get_plane(int fd, uint32_t plane_id, struct hw_drm_plane *info, uint32_t *formats);

/* DRM_IOCTL_MODE_OBJ_GETPROPERTIES: *count is the capacity on entry, the count on return. */
int hw_drm_mode_obj_get_properties(int fd, uint32_t object_id, uint32_t object_type, uint32_t *props,
                                   uint64_t *values, uint32_t *count);

/*
 * DRM_IOCTL_MODE_GETPROPERTY. name receives the property name (32 bytes, NUL-terminated by
 * the kernel). count_values / count_enums are capacities on entry; enum_names receives 32
 * bytes per enum entry, beside its value in enum_values.
 */
struct hw_drm_property {
    uint32_t flags, count_values, count_enums;
};
int hw_drm_mode_get_property(int fd, uint32_t property_id, struct hw_drm_property *info, char name[32],
                             uint64_t *values, uint64_t *enum_values, char *enum_names);

/* DRM_IOCTL_MODE_GETPROPBLOB: *length is the capacity of data on entry, the blob's length on return. */
int hw_drm_mode_get_blob(int fd, uint32_t blob_id, void *data, uint32_t *length);

/* DRM_IOCTL_MODE_CREATEPROPBLOB / DRM_IOCTL_MODE_DESTROYPROPBLOB. */
int hw_drm_mode_create_blob(int fd, const void *data, uint32_t length, uint32_t *blob_id);
int hw_drm_mode_destroy_blob(int fd, uint32_t blob_id);

/* DRM_IOCTL_PRIME_FD_TO_HANDLE / DRM_IOCTL_PRIME_HANDLE_TO_FD / DRM_IOCTL_GEM_CLOSE. */
int hw_drm_prime_fd_to_handle(int fd, int dmabuf_fd, uint32_t *handle);
int hw_drm_prime_handle_to_fd(int fd, uint32_t handle, uint32_t flags, int *dmabuf_fd);
int hw_drm_gem_close(int fd, uint32_t handle);

/* DRM_IOCTL_MODE_ADDFB2: four entries per array, unused planes zero. */
int hw_drm_mode_addfb2(int fd, uint32_t width, uint32_t height, uint32_t pixel_format, uint32_t flags,
                       const uint32_t handles[4], const uint32_t pitches[4], const uint32_t offsets[4],
                       const uint64_t modifiers[4], uint32_t *fb_id);

/* DRM_IOCTL_MODE_RMFB. */
int hw_drm_mode_rmfb(int fd, uint32_t fb_id);

/*
 * DRM_IOCTL_MODE_ATOMIC: count_objs objects, object i with count_props[i] consecutive
 * (property, value) pairs in props/values.
 */
int hw_drm_mode_atomic(int fd, uint32_t flags, uint32_t count_objs, const uint32_t *objs,
                       const uint32_t *count_props, const uint32_t *props, const uint64_t *values,
                       uint64_t user_data);

#endif
