/* SPDX-License-Identifier: MIT */
/*
 * heapwise.h: Heapwise for C and C++ programs.
 *
 * Heapwise answers "where, and how, do I allocate a buffer every device of my pipeline can
 * use?". Describe a pipeline (its size, its formats, and each device with what it does to the
 * buffers), get a plan (a DRM format, a 64-bit format modifier, a layout and a dma-buf heap
 * every device accepts, or why none exists), allocate the plan's dma-bufs, and hand their
 * descriptors to V4L2 (V4L2_MEMORY_DMABUF), DRM (PRIME), EGL (EGL_LINUX_DMA_BUF_EXT) or
 * Vulkan (VK_EXT_image_drm_format_modifier).
 *
 *     heapwise_context *hw = NULL;
 *     heapwise_plan *plan = NULL;
 *     heapwise_error *error = NULL;
 *     if (heapwise_context_new(NULL, &hw, &error) != HEAPWISE_OK ||
 *         heapwise_context_plan_file(hw, "video-playback.yaml", &plan, &error) != HEAPWISE_OK) {
 *         fprintf(stderr, "%s\n", heapwise_error_message(error));
 *         ...
 *     }
 *
 * Conventions, which hold for every function unless its comment says otherwise:
 *
 * Names. Every name starts with heapwise_ or HEAPWISE_. Handles are opaque; each kind made by
 * a _new (or a heapwise_context_ call) has one _free, which accepts NULL.
 *
 * Status and errors. A call that can fail returns heapwise_status: HEAPWISE_OK, or the kind
 * of failure. Its last argument is heapwise_error **error: when it is not NULL, *error must
 * be NULL on entry, and on failure it receives a new error object (the stable numeric code,
 * the message and the remedy, the same words `heapwise` prints) that the caller frees with
 * heapwise_error_free(). Output arguments are written only on success. A NULL handle or a
 * NULL required pointer is HEAPWISE_INVALID_INPUT, never a crash.
 *
 * Strings. Returned strings are UTF-8, NUL-terminated, owned by the object they came from and
 * valid until that object is freed; never free them. Strings passed in are copied.
 *
 * Descriptors. Every descriptor the library opens is close-on-exec. A buffer's descriptor is
 * owned by its allocation (or pool image) and closed when that is freed (released), unless
 * the caller took it with heapwise_buffer_take_fd(); then the caller closes it.
 *
 * Threads. A context and everything made from it (pipelines, plans, allocations, pools,
 * images, buffers) may be used by one thread at a time; separate contexts may be used in
 * parallel. A plan does not change once made: its accessors, and those of its choices, may
 * be called from several threads at once. An error object belongs to the caller.
 *
 * Indices are 0-based; an accessor given an index out of range returns NULL, 0 or false.
 */
#ifndef HEAPWISE_HEAPWISE_H
#define HEAPWISE_HEAPWISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------
 * Version
 * ---------------------------------------------------------------------------------------- */

#define HEAPWISE_VERSION_MAJOR 0
#define HEAPWISE_VERSION_MINOR 1
#define HEAPWISE_VERSION_MICRO 0
/* The version as one number, 0x00MMmmuu: compare it with HEAPWISE_VERSION_ENCODE(). */
#define HEAPWISE_VERSION_ENCODE(major, minor, micro) \
    ((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) << 8) | (uint32_t)(micro)))
#define HEAPWISE_VERSION \
    HEAPWISE_VERSION_ENCODE(HEAPWISE_VERSION_MAJOR, HEAPWISE_VERSION_MINOR, HEAPWISE_VERSION_MICRO)

/* The version of the library loaded at run time (HEAPWISE_VERSION is the header's). Any thread. */
uint32_t heapwise_version(void);
/* The same as "MAJOR.MINOR.MICRO", static storage. Any thread. */
const char *heapwise_version_string(void);

/* ------------------------------------------------------------------------------------------
 * Status and errors
 * ---------------------------------------------------------------------------------------- */

typedef enum heapwise_status {
    HEAPWISE_OK = 0,
    /* A file, text, name or argument that does not read, or a NULL or out-of-range argument
     * (the `heapwise` CLI's exit status 2). */
    HEAPWISE_INVALID_INPUT = 1,
    /* No plan satisfies the pipeline, and the call needed one (exit status 3). */
    HEAPWISE_UNSATISFIABLE = 2,
    /* The kernel refused (no heap of the plan could allocate, a descriptor, a mapping), or the
     * broker refused or could not be reached (exit status 4). */
    HEAPWISE_ALLOCATION_FAILED = 3,
} heapwise_status;

typedef struct heapwise_error heapwise_error;

/* The kind of failure. */
heapwise_status heapwise_error_status(const heapwise_error *error);
/* The stable number of the error (101 file not found, 600 no plan, 1150 broker unreachable;
 * the list is in the manual, docs/ErrorNumbers). */
int32_t heapwise_error_code(const heapwise_error *error);
/* What went wrong, naming the file, device node or ioctl. Never NULL for a valid error. */
const char *heapwise_error_message(const heapwise_error *error);
/* What to do about it, or NULL when the error does not know. */
const char *heapwise_error_remedy(const heapwise_error *error);
void heapwise_error_free(heapwise_error *error);

/* ------------------------------------------------------------------------------------------
 * Options and contexts
 * ---------------------------------------------------------------------------------------- */

typedef struct heapwise_options heapwise_options;
typedef struct heapwise_context heapwise_context;

/* The heaps plans are made against. */
typedef enum heapwise_heaps {
    /* This machine's (/dev/dma_heap, ION); without any, a typical board's, with CPU-only
     * (memfd) allocations. The default. */
    HEAPWISE_HEAPS_LIVE = 0,
    /* A heap catalog file (YAML), to plan for another machine; allocations are CPU-only. */
    HEAPWISE_HEAPS_CATALOG_FILE = 1,
    /* The built-in catalog of a typical arm64 board; allocations are CPU-only. */
    HEAPWISE_HEAPS_BUILT_IN = 2,
} heapwise_heaps;

/* Which heap each device prefers (heap hints). */
typedef enum heapwise_hints {
    /* /etc/heapwise/heap-hints.yaml when it exists. The default. */
    HEAPWISE_HINTS_SYSTEM = 0,
    /* A hints file, which must exist. */
    HEAPWISE_HINTS_FILE = 1,
    HEAPWISE_HINTS_NONE = 2,
} heapwise_hints;

/* Whether plans and buffers come from the allocation broker (`heapwise serve`). */
typedef enum heapwise_broker {
    /* Through the broker only when this user may open none of this machine's heaps and the
     * broker's socket exists; in this process otherwise. The default. */
    HEAPWISE_BROKER_AUTOMATIC = 0,
    /* Always through the broker. */
    HEAPWISE_BROKER_SOCKET = 1,
    /* Always in this process. */
    HEAPWISE_BROKER_NEVER = 2,
} heapwise_broker;

/* Where a context makes plans and allocates. */
typedef enum heapwise_route {
    HEAPWISE_ROUTE_IN_PROCESS = 0,
    HEAPWISE_ROUTE_BROKER = 1,
} heapwise_route;

/* Default options: the profile directories beside a pipeline file and ./Profiles, then the
 * installed ones (PREFIX/share/heapwise/profiles); live heaps; system hints; automatic
 * broker at /run/heapwise/heapwise.sock. NULL only when memory is exhausted. */
heapwise_options *heapwise_options_new(void);
void heapwise_options_free(heapwise_options *options);
/* Looks up profile names in `directory` (in the order added) instead of the defaults. */
heapwise_status heapwise_options_add_profile_directory(heapwise_options *options, const char *directory,
                                                       heapwise_error **error);
/* `catalog_file` is required for HEAPWISE_HEAPS_CATALOG_FILE and must be NULL otherwise. */
heapwise_status heapwise_options_set_heaps(heapwise_options *options, heapwise_heaps heaps, const char *catalog_file,
                                           heapwise_error **error);
/* `hints_file` is required for HEAPWISE_HINTS_FILE and must be NULL otherwise. */
heapwise_status heapwise_options_set_hints(heapwise_options *options, heapwise_hints hints, const char *hints_file,
                                           heapwise_error **error);
/* `socket` is the broker's socket for HEAPWISE_BROKER_AUTOMATIC and _SOCKET (NULL: the
 * default) and must be NULL for HEAPWISE_BROKER_NEVER. */
heapwise_status heapwise_options_set_broker(heapwise_options *options, heapwise_broker broker, const char *socket,
                                            heapwise_error **error);

/* Reads the options' catalog and hints files and decides the route. `options` may be NULL
 * (the defaults) and is copied: free it whenever you like. The context holds at most one
 * connection to the broker, made on first use. */
heapwise_status heapwise_context_new(const heapwise_options *options, heapwise_context **context,
                                     heapwise_error **error);
/* Also closes the broker connection. Free what was made from the context first. */
void heapwise_context_free(heapwise_context *context);
heapwise_route heapwise_context_route(const heapwise_context *context);

/* ------------------------------------------------------------------------------------------
 * Pipelines
 * ---------------------------------------------------------------------------------------- */

typedef struct heapwise_pipeline heapwise_pipeline;

/* A pipeline file (YAML or JSON, docs/pipeline-format); profile names in it are looked up
 * relative to it. */
heapwise_status heapwise_pipeline_new_from_file(heapwise_context *context, const char *path,
                                                heapwise_pipeline **pipeline, heapwise_error **error);
/* A pipeline file's text; `origin` names it in errors (NULL: "pipeline"). */
heapwise_status heapwise_pipeline_new_from_text(heapwise_context *context, const char *text, const char *origin,
                                                heapwise_pipeline **pipeline, heapwise_error **error);
/* An empty pipeline of `count` images of width x height pixels, to fill with the calls below.
 * Sizes are checked when it is planned. */
heapwise_status heapwise_pipeline_new(uint32_t width, uint32_t height, uint32_t count, heapwise_pipeline **pipeline,
                                      heapwise_error **error);
void heapwise_pipeline_free(heapwise_pipeline *pipeline);
/* Adds a format to the pipeline's preference, most preferred first: its drm_fourcc.h name
 * ("NV12" or "DRM_FORMAT_NV12"). Without any, every format all devices share is considered. */
heapwise_status heapwise_pipeline_add_format(heapwise_pipeline *pipeline, const char *format, heapwise_error **error);
/* The same by its DRM fourcc code (DRM_FORMAT_NV12 from <drm_fourcc.h>). */
heapwise_status heapwise_pipeline_add_format_fourcc(heapwise_pipeline *pipeline, uint32_t fourcc,
                                                    heapwise_error **error);
/* Adds a participant: `device` is a profile name ("hantro-decoder"), a profile file's path,
 * or a live device to probe where the plan is made ("drm:vkms", "v4l2:vivid"); `usage` is the
 * name of one of its usages ("write", "scanout"). */
heapwise_status heapwise_pipeline_add_device(heapwise_pipeline *pipeline, const char *device, const char *usage,
                                             heapwise_error **error);
/* Adds a participant whose profile is given as its YAML or JSON text (parsed when planned). */
heapwise_status heapwise_pipeline_add_profile_text(heapwise_pipeline *pipeline, const char *profile, const char *usage,
                                                   heapwise_error **error);

/* ------------------------------------------------------------------------------------------
 * Plans
 * ---------------------------------------------------------------------------------------- */

typedef struct heapwise_plan heapwise_plan;
/* A way to satisfy a pipeline; owned by its plan (or allocation), valid until that is freed. */
typedef struct heapwise_choice heapwise_choice;

/* One plane of an image: where it is, and in which of the image's buffers (dma-bufs). */
typedef struct heapwise_plane {
    /* The plane's number in the format (0 luma, 1 chroma, ...). */
    uint32_t index;
    /* Which of the image's buffers holds it: 0 unless planes live in separate memory. */
    uint32_t buffer;
    /* Bytes from the start of that buffer (EGL_DMA_BUF_PLANEn_OFFSET_EXT). */
    uint64_t offset;
    /* Bytes per row (EGL_DMA_BUF_PLANEn_PITCH_EXT, VkSubresourceLayout.rowPitch). */
    uint32_t stride;
    uint32_t reserved;
    /* Bytes the plane spans. */
    uint64_t size;
} heapwise_plane;

/* Plans a pipeline: in this process, or by the broker (see heapwise_context_route()).
 * HEAPWISE_OK also when no plan satisfies the pipeline: the plan then has no choice and says
 * why (heapwise_plan_explanation(), heapwise_plan_suggested_size()). Input errors (a missing
 * profile, an unknown usage, a zero or enormous size) fail with HEAPWISE_INVALID_INPUT. */
heapwise_status heapwise_context_plan(heapwise_context *context, const heapwise_pipeline *pipeline,
                                      heapwise_plan **plan, heapwise_error **error);
/* Reads and plans a pipeline file. */
heapwise_status heapwise_context_plan_file(heapwise_context *context, const char *path, heapwise_plan **plan,
                                           heapwise_error **error);
void heapwise_plan_free(heapwise_plan *plan);

bool heapwise_plan_is_satisfied(const heapwise_plan *plan);
uint32_t heapwise_plan_width(const heapwise_plan *plan);
uint32_t heapwise_plan_height(const heapwise_plan *plan);
/* Images the pipeline needs. */
uint32_t heapwise_plan_count(const heapwise_plan *plan);
/* The chosen way, or NULL when the pipeline is not satisfied. */
const heapwise_choice *heapwise_plan_choice(const heapwise_plan *plan);
/* The other ways that satisfy it, best first. */
size_t heapwise_plan_alternative_count(const heapwise_plan *plan);
const heapwise_choice *heapwise_plan_alternative(const heapwise_plan *plan, size_t index);
/* Every combination turned down, one line each ("vop2-display: NV12/LINEAR: max width 4096
 * < 5120"). */
size_t heapwise_plan_rejection_count(const heapwise_plan *plan);
const char *heapwise_plan_rejection(const heapwise_plan *plan, size_t index);
/* For a pipeline not satisfied: the nearest size every device agrees on. False when there is
 * none (or the pipeline is satisfied); then width and height are not written. */
bool heapwise_plan_suggested_size(const heapwise_plan *plan, uint32_t *width, uint32_t *height);
/* Why no plan satisfies the pipeline (the rejections and the suggestion), "" when satisfied. */
const char *heapwise_plan_explanation(const heapwise_plan *plan);
/* Where the heaps planned against came from ("this machine's /dev/dma_heap", a file). */
const char *heapwise_plan_heap_catalog(const heapwise_plan *plan);
/* What `heapwise plan` prints (without the final newline). */
const char *heapwise_plan_text(const heapwise_plan *plan);
/* What `heapwise plan --json` prints, byte for byte but the final newline (docs/json.md). */
const char *heapwise_plan_json(const heapwise_plan *plan);

/* The DRM fourcc code (DRM_FORMAT_NV12) and its drm_fourcc.h name without DRM_FORMAT_. */
uint32_t heapwise_choice_fourcc(const heapwise_choice *choice);
const char *heapwise_choice_format(const heapwise_choice *choice);
/* The 64-bit format modifier (DRM_FORMAT_MOD_LINEAR is 0) and its name ("LINEAR",
 * "ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)"). */
uint64_t heapwise_choice_modifier(const heapwise_choice *choice);
const char *heapwise_choice_modifier_name(const heapwise_choice *choice);
/* The GStreamer video format with the same bytes as the DRM format laid out linearly (the
 * GstVideoFormat name: "NV12", "BGRx" for XRGB8888), or NULL when GStreamer has none. Classic
 * video/x-raw caps imply a linear layout: check heapwise_choice_modifier() is 0 before using it
 * there. */
const char *heapwise_choice_gst_format(const heapwise_choice *choice);
/* The heap to allocate from, then the heaps to fall back to, in order. */
const char *heapwise_choice_heap(const heapwise_choice *choice);
size_t heapwise_choice_fallback_heap_count(const heapwise_choice *choice);
const char *heapwise_choice_fallback_heap(const heapwise_choice *choice, size_t index);
/* Bytes per image, every buffer. */
uint64_t heapwise_choice_image_size(const heapwise_choice *choice);
/* Buffers (dma-bufs) per image: 1 for most formats, one per memory region when planes must
 * live apart. */
size_t heapwise_choice_buffer_count(const heapwise_choice *choice);
uint64_t heapwise_choice_buffer_size(const heapwise_choice *choice, size_t buffer);
/* Planes per image, in the format's order, whichever buffer holds each. */
size_t heapwise_choice_plane_count(const heapwise_choice *choice);
bool heapwise_choice_plane(const heapwise_choice *choice, size_t plane, heapwise_plane *layout);
/* Why this choice is as it is (a heap picked by a hint, an alignment a device imposed). */
size_t heapwise_choice_note_count(const heapwise_choice *choice);
const char *heapwise_choice_note(const heapwise_choice *choice, size_t index);

/* ------------------------------------------------------------------------------------------
 * Buffers, allocations and pools
 * ---------------------------------------------------------------------------------------- */

typedef struct heapwise_buffer heapwise_buffer;
typedef struct heapwise_allocation heapwise_allocation;
typedef struct heapwise_pool heapwise_pool;
typedef struct heapwise_image heapwise_image;

/* How the buffers were obtained. */
typedef enum heapwise_allocation_route {
    /* From this machine's dma-buf heaps, by this process. */
    HEAPWISE_ALLOCATION_IN_PROCESS = 0,
    /* CPU-only memfd buffers: no heaps here, or a plan for another machine. No device can
     * import them. */
    HEAPWISE_ALLOCATION_CPU_ONLY = 1,
    /* Through the broker. */
    HEAPWISE_ALLOCATION_BROKER = 2,
} heapwise_allocation_route;

/* What the CPU will do, which decides the mapping's protection and the cache maintenance of
 * DMA_BUF_IOCTL_SYNC (invalidate before reading, clean after writing). */
typedef enum heapwise_cpu_access {
    HEAPWISE_CPU_READ = 1,
    HEAPWISE_CPU_WRITE = 2,
    HEAPWISE_CPU_READ_WRITE = 3,
} heapwise_cpu_access;

/* Allocates heapwise_plan_count() images of the plan's chosen layout, named NAME-IMAGE.BUFFER
 * in /proc/PID/fdinfo and debugfs (`name` NULL: "heapwise"). In this process the plan's heap
 * is tried first, then its fallback heaps; through the broker when the broker made the plan.
 * The buffers arrive zeroed. HEAPWISE_UNSATISFIABLE for a plan without a choice. */
heapwise_status heapwise_context_allocate(heapwise_context *context, const heapwise_plan *plan, const char *name,
                                          heapwise_allocation **allocation, heapwise_error **error);
/* Closes every descriptor not taken, ending CPU access still begun. */
void heapwise_allocation_free(heapwise_allocation *allocation);
heapwise_allocation_route heapwise_allocation_get_route(const heapwise_allocation *allocation);
/* The heap the buffers came from ("memfd" for CPU-only buffers). */
const char *heapwise_allocation_heap(const heapwise_allocation *allocation);
/* The layout the buffers follow. */
const heapwise_choice *heapwise_allocation_choice(const heapwise_allocation *allocation);
/* The plan's heaps that failed before `heap` gave the buffers, one line each ("cma: out of
 * memory ..."); always 0 through the broker. */
size_t heapwise_allocation_failed_heap_count(const heapwise_allocation *allocation);
const char *heapwise_allocation_failed_heap(const heapwise_allocation *allocation, size_t index);
size_t heapwise_allocation_image_count(const heapwise_allocation *allocation);
/* Buffer `buffer` of image `image`, owned by the allocation. */
heapwise_buffer *heapwise_allocation_buffer(heapwise_allocation *allocation, size_t image, size_t buffer);

/* The dma-buf's descriptor, owned by its allocation or image: do not close it, and dup() it to
 * keep it longer. -1 once taken. */
int heapwise_buffer_fd(const heapwise_buffer *buffer);
/* Gives the descriptor to the caller, who closes it; the buffer keeps its layout but has no
 * descriptor from then on. Only an allocation's buffers can be taken: a pool image's go back
 * to the pool (dup() the descriptor instead). */
heapwise_status heapwise_buffer_take_fd(heapwise_buffer *buffer, int *fd, heapwise_error **error);
uint64_t heapwise_buffer_size(const heapwise_buffer *buffer);
/* The dma-buf's inode: how /proc/PID/fdinfo and `heapwise stats` name it. */
uint64_t heapwise_buffer_inode(const heapwise_buffer *buffer);
/* Whether it came from a pool (or the broker's) rather than fresh from the kernel. */
bool heapwise_buffer_reused(const heapwise_buffer *buffer);
/* Maps the buffer and starts CPU access (DMA_BUF_IOCTL_SYNC with DMA_BUF_SYNC_START); `*data`
 * and `*size` describe the mapping, valid until heapwise_buffer_end_cpu_access(). One access
 * at a time per buffer. */
heapwise_status heapwise_buffer_begin_cpu_access(heapwise_buffer *buffer, heapwise_cpu_access access, void **data,
                                                 size_t *size, heapwise_error **error);
/* Ends it (DMA_BUF_SYNC_END) and unmaps; the mapping is gone even when the sync fails. */
heapwise_status heapwise_buffer_end_cpu_access(heapwise_buffer *buffer, heapwise_error **error);

/* Statistics of a pool. */
typedef struct heapwise_pool_statistics {
    /* Acquires served from idle buffers, and those that allocated. */
    uint64_t hits;
    uint64_t misses;
    /* Bytes zeroed because a buffer went to an owner other than the one that released it. */
    uint64_t bytes_zeroed;
    uint64_t idle_buffers;
    uint64_t idle_bytes;
    uint64_t in_use_buffers;
    uint64_t in_use_bytes;
} heapwise_pool_statistics;

/* A pool lending the plan's images to owners in turn, reusing their dma-bufs: an image one
 * owner releases reaches another owner zeroed. Keeps up to `idle_images` images idle (0:
 * heapwise_plan_count()). In this process only: a broker's plan fails with
 * HEAPWISE_INVALID_INPUT (the broker's allocations already come from its own pool). */
heapwise_status heapwise_context_pool_new(heapwise_context *context, const heapwise_plan *plan, uint32_t idle_images,
                                          heapwise_pool **pool, heapwise_error **error);
/* Frees the idle buffers. Images still lent stay valid until released. */
void heapwise_pool_free(heapwise_pool *pool);
/* The heap buffers come from now: the plan's, or the fallback that last served. */
const char *heapwise_pool_heap(const heapwise_pool *pool);
heapwise_status heapwise_pool_get_statistics(const heapwise_pool *pool, heapwise_pool_statistics *statistics,
                                             heapwise_error **error);
/* One image for `owner` (any number naming a user of the pool: a stream, a client): reused
 * when one is idle (zeroed unless this owner released it keeping its contents), else allocated
 * along the plan's heaps. `name` as for heapwise_context_allocate(). */
heapwise_status heapwise_pool_acquire(heapwise_pool *pool, uint64_t owner, const char *name, heapwise_image **image,
                                      heapwise_error **error);
/* Gives the image back and frees the handle (its buffers' descriptors go back to the pool).
 * With keep_contents, the same owner may get it back unzeroed. Undo every device import
 * first: the next owner's bytes will be in it. */
void heapwise_image_release(heapwise_image *image, bool keep_contents);
uint64_t heapwise_image_owner(const heapwise_image *image);
size_t heapwise_image_buffer_count(const heapwise_image *image);
heapwise_buffer *heapwise_image_buffer(heapwise_image *image, size_t buffer);

#ifdef __cplusplus
}
#endif

#endif /* HEAPWISE_HEAPWISE_H */
