// SPDX-License-Identifier: MIT
/*
 * libheapwise's tests, in C as its users write it: built against an installed library found
 * through pkg-config (scripts/test-c.sh), run under valgrind on the host and with the real
 * heaps in the lab. cmocka runs every test in this one process, so valgrind sees the whole run
 * and the descriptor count is compared across all of it (the group teardown).
 *
 * Environment: HEAPWISE_REPO, the repository (Examples/, Profiles/); HEAPWISE_EXPECTED_JSON,
 * what `heapwise plan --json --heaps Examples/heaps/rpi4.yaml Examples/video-playback.yaml`
 * printed; HEAPWISE_C_LIVE=1 where this machine's dma-buf heaps must be used (the lab, see
 * live_heaps_and_devices).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <heapwise/heapwise.h>

#include "devices.h"

#define DRM_FORMAT_NV12 0x3231564eu /* fourcc_code('N', 'V', '1', '2') in drm_fourcc.h */

static char repo[2048];
static int descriptors_at_start;

static const char *path(const char *relative) {
    static char buffer[8][4096];
    static int next;
    char *out = buffer[next++ % 8];
    snprintf(out, sizeof buffer[0], "%s/%s", repo, relative);
    return out;
}

static int open_descriptors(void) {
    DIR *dir = opendir("/proc/self/fd");
    int count = 0;
    if (!dir) return -1;
    while (readdir(dir)) count++;
    closedir(dir);
    return count;
}

static char *read_file(const char *name) {
    FILE *file = fopen(name, "r");
    if (!file) return NULL;
    char *text = calloc(1, 1 << 20);
    size_t length = fread(text, 1, (1 << 20) - 1, file);
    fclose(file);
    while (length > 0 && text[length - 1] == '\n') text[--length] = 0;  /* print's newline */
    return text;
}

/* A context planning against the Raspberry Pi 4 catalog: the same plans on every machine,
 * CPU-only (memfd) buffers. Profile names are looked up in `profiles` (NULL: the defaults,
 * beside the pipeline file). */
static heapwise_context *catalog_context_with(const char *profiles) {
    heapwise_options *options = heapwise_options_new();
    heapwise_context *context = NULL;
    assert_non_null(options);
    if (profiles) assert_int_equal(heapwise_options_add_profile_directory(options, profiles, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_options_set_heaps(options, HEAPWISE_HEAPS_CATALOG_FILE, path("Examples/heaps/rpi4.yaml"), NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_options_set_hints(options, HEAPWISE_HINTS_NONE, NULL, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_options_set_broker(options, HEAPWISE_BROKER_NEVER, NULL, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_context_new(options, &context, NULL), HEAPWISE_OK);
    heapwise_options_free(options);
    assert_int_equal(heapwise_context_route(context), HEAPWISE_ROUTE_IN_PROCESS);
    return context;
}

static heapwise_context *catalog_context(void) { return catalog_context_with(NULL); }

static heapwise_plan *plan_file(heapwise_context *context, const char *relative) {
    heapwise_plan *plan = NULL;
    heapwise_error *error = NULL;
    heapwise_status status = heapwise_context_plan_file(context, path(relative), &plan, &error);
    if (status != HEAPWISE_OK) fail_msg("%s: %s", relative, heapwise_error_message(error));
    return plan;
}

/* Runs a call expected to fail, checks its status and error number, and frees the error. */
#define assert_fails(call, expected_status, expected_code)                                         \
    do {                                                                                           \
        heapwise_error *error_ = NULL;                                                             \
        heapwise_error **errorp_ = &error_;                                                        \
        (void)errorp_;                                                                             \
        heapwise_status status_ = (call);                                                          \
        assert_int_equal(status_, expected_status);                                                \
        assert_non_null(error_);                                                                   \
        assert_int_equal(heapwise_error_status(error_), expected_status);                          \
        assert_int_equal(heapwise_error_code(error_), expected_code);                              \
        assert_non_null(heapwise_error_message(error_));                                           \
        assert_true(strlen(heapwise_error_message(error_)) > 0);                                   \
        heapwise_error_free(error_);                                                               \
    } while (0)

/* The version the header was compiled with is the one loaded. */
static void version(void **state) {
    (void)state;
    assert_int_equal(heapwise_version(), HEAPWISE_VERSION);
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", HEAPWISE_VERSION_MAJOR, HEAPWISE_VERSION_MINOR, HEAPWISE_VERSION_MICRO);
    assert_string_equal(heapwise_version_string(), expected);
    assert_true(HEAPWISE_VERSION >= HEAPWISE_VERSION_ENCODE(0, 1, 0));
}

/* Every accessor of a satisfied plan, against what `heapwise plan` says of the same pipeline. */
static void plan_accessors(void **state) {
    (void)state;
    heapwise_context *context = catalog_context();
    heapwise_plan *plan = plan_file(context, "Examples/video-playback.yaml");
    assert_true(heapwise_plan_is_satisfied(plan));
    assert_int_equal(heapwise_plan_width(plan), 1920);
    assert_int_equal(heapwise_plan_height(plan), 1080);
    assert_int_equal(heapwise_plan_count(plan), 8);
    assert_string_equal(heapwise_plan_explanation(plan), "");
    assert_false(heapwise_plan_suggested_size(plan, NULL, NULL));
    assert_non_null(strstr(heapwise_plan_heap_catalog(plan), "rpi4.yaml"));
    assert_non_null(strstr(heapwise_plan_text(plan), "Chosen: NV12"));

    const heapwise_choice *choice = heapwise_plan_choice(plan);
    assert_non_null(choice);
    assert_int_equal(heapwise_choice_fourcc(choice), DRM_FORMAT_NV12);
    assert_string_equal(heapwise_choice_format(choice), "NV12");
    assert_int_equal(heapwise_choice_modifier(choice), 0); /* DRM_FORMAT_MOD_LINEAR */
    assert_string_equal(heapwise_choice_modifier_name(choice), "LINEAR");
    assert_string_equal(heapwise_choice_heap(choice), "system");
    assert_int_equal(heapwise_choice_fallback_heap_count(choice), 1);
    assert_string_equal(heapwise_choice_fallback_heap(choice, 0), "linux,cma");
    assert_null(heapwise_choice_fallback_heap(choice, 1));
    assert_int_equal(heapwise_choice_image_size(choice), 3133440);
    assert_int_equal(heapwise_choice_buffer_count(choice), 1);
    assert_int_equal(heapwise_choice_buffer_size(choice, 0), 3133440);
    assert_int_equal(heapwise_choice_buffer_size(choice, 1), 0);
    assert_int_equal(heapwise_choice_plane_count(choice), 2);
    heapwise_plane luma, chroma, beyond;
    assert_true(heapwise_choice_plane(choice, 0, &luma));
    assert_true(heapwise_choice_plane(choice, 1, &chroma));
    assert_false(heapwise_choice_plane(choice, 2, &beyond));
    assert_false(heapwise_choice_plane(choice, 0, NULL));
    assert_int_equal(luma.index, 0);
    assert_int_equal(luma.buffer, 0);
    assert_int_equal(luma.offset, 0);
    assert_int_equal(luma.stride, 1920);
    assert_int_equal(luma.size, 2088960);
    assert_int_equal(chroma.index, 1);
    assert_int_equal(chroma.offset, 2088960);
    assert_int_equal(chroma.stride, 1920);
    assert_int_equal(chroma.size, 1044480);
    assert_true(heapwise_choice_note_count(choice) >= 1);
    assert_non_null(strstr(heapwise_choice_note(choice, 0), "DMA_BUF_IOCTL_SYNC"));
    assert_null(heapwise_choice_note(choice, 99));

    assert_int_equal(heapwise_plan_alternative_count(plan), 1);
    const heapwise_choice *alternative = heapwise_plan_alternative(plan, 0);
    assert_string_equal(heapwise_choice_heap(alternative), "linux,cma");
    assert_null(heapwise_plan_alternative(plan, 1));
    assert_null(heapwise_plan_rejection(plan, heapwise_plan_rejection_count(plan)));

    /* The JSON is what the CLI prints, byte for byte. */
    const char *expected_file = getenv("HEAPWISE_EXPECTED_JSON");
    assert_non_null(expected_file);
    char *expected = read_file(expected_file);
    assert_non_null(expected);
    assert_string_equal(heapwise_plan_json(plan), expected);
    free(expected);
    /* A string stays at its address for the plan's life. */
    assert_ptr_equal(heapwise_plan_json(plan), heapwise_plan_json(plan));

    heapwise_plan_free(plan);
    heapwise_context_free(context);
}

/* A pipeline from a file, from its text and built by calls plan alike. */
static void three_ways_to_describe(void **state) {
    (void)state;
    heapwise_context *context = catalog_context();
    heapwise_plan *from_file = plan_file(context, "Examples/video-playback.yaml");

    char *text = read_file(path("Examples/video-playback.yaml"));
    heapwise_pipeline *described = NULL;
    assert_int_equal(heapwise_pipeline_new_from_text(context, text, "video-playback", &described, NULL), HEAPWISE_OK);
    free(text);
    heapwise_context *with_profiles = catalog_context_with(path("Profiles"));
    heapwise_plan *from_text = NULL;
    assert_int_equal(heapwise_context_plan(with_profiles, described, &from_text, NULL), HEAPWISE_OK);

    heapwise_pipeline *built = NULL;
    assert_int_equal(heapwise_pipeline_new(1920, 1080, 8, &built, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_pipeline_add_format(built, "DRM_FORMAT_NV12", NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_pipeline_add_device(built, "hantro-decoder", "write", NULL), HEAPWISE_OK);
    char *display = read_file(path("Profiles/vop2-display.yaml"));
    assert_int_equal(heapwise_pipeline_add_profile_text(built, display, "scanout", NULL), HEAPWISE_OK);
    free(display);
    heapwise_plan *from_calls = NULL;
    assert_int_equal(heapwise_context_plan(with_profiles, built, &from_calls, NULL), HEAPWISE_OK);

    assert_string_equal(heapwise_plan_text(from_text), heapwise_plan_text(from_file));
    assert_true(heapwise_plan_is_satisfied(from_calls));
    const heapwise_choice *a = heapwise_plan_choice(from_file), *b = heapwise_plan_choice(from_calls);
    assert_int_equal(heapwise_choice_fourcc(a), heapwise_choice_fourcc(b));
    assert_int_equal(heapwise_choice_modifier(a), heapwise_choice_modifier(b));
    assert_string_equal(heapwise_choice_heap(a), heapwise_choice_heap(b));
    assert_int_equal(heapwise_choice_image_size(a), heapwise_choice_image_size(b));

    /* By fourcc code, the same format. */
    heapwise_pipeline *by_code = NULL;
    assert_int_equal(heapwise_pipeline_new(1920, 1080, 8, &by_code, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_pipeline_add_format_fourcc(by_code, DRM_FORMAT_NV12, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_pipeline_add_device(by_code, "hantro-decoder", "write", NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_pipeline_add_device(by_code, "vop2-display", "scanout", NULL), HEAPWISE_OK);
    heapwise_plan *from_code = NULL;
    assert_int_equal(heapwise_context_plan(with_profiles, by_code, &from_code, NULL), HEAPWISE_OK);
    assert_string_equal(heapwise_plan_json(from_code), heapwise_plan_json(from_calls));

    heapwise_plan_free(from_code);
    heapwise_pipeline_free(by_code);
    heapwise_plan_free(from_calls);
    heapwise_pipeline_free(built);
    heapwise_plan_free(from_text);
    heapwise_pipeline_free(described);
    heapwise_plan_free(from_file);
    heapwise_context_free(with_profiles);
    heapwise_context_free(context);
}

/* No plan is an answer, not an error: the plan says why; allocating or pooling it is the
 * error (600). */
static void unsatisfiable(void **state) {
    (void)state;
    heapwise_context *context = catalog_context();
    heapwise_plan *plan = plan_file(context, "Examples/unsatisfiable.yaml");
    assert_false(heapwise_plan_is_satisfied(plan));
    assert_null(heapwise_plan_choice(plan));
    assert_true(heapwise_plan_rejection_count(plan) > 0);
    assert_non_null(strstr(heapwise_plan_explanation(plan), "hantro-decoder"));
    assert_non_null(heapwise_plan_rejection(plan, 0));
    uint32_t width = 0, height = 0;
    if (heapwise_plan_suggested_size(plan, &width, &height)) assert_true(width <= 1920 && height <= 1088);
    heapwise_allocation *allocation = NULL;
    heapwise_pool *pool = NULL;
    assert_fails(heapwise_context_allocate(context, plan, NULL, &allocation, errorp_), HEAPWISE_UNSATISFIABLE, 600);
    assert_fails(heapwise_context_pool_new(context, plan, 0, &pool, errorp_), HEAPWISE_UNSATISFIABLE, 600);
    assert_null(allocation);
    assert_null(pool);
    heapwise_plan_free(plan);
    heapwise_context_free(context);
}

/* Every entry point refuses what it cannot use with a status and an error, never a crash. */
static void invalid_input(void **state) {
    (void)state;
    heapwise_context *context = catalog_context();
    heapwise_context *no_context = NULL;
    heapwise_pipeline *pipeline = NULL;
    heapwise_plan *plan = NULL;
    heapwise_options *options = heapwise_options_new();

    /* NULL handles and outputs (100). */
    assert_fails(heapwise_context_new(NULL, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_context_plan_file(NULL, "x.yaml", &plan, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_context_plan_file(context, NULL, &plan, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_context_plan_file(context, path("Examples/video-playback.yaml"), NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_context_plan(context, NULL, &plan, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_pipeline_new_from_text(context, NULL, NULL, &pipeline, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_pipeline_add_format(NULL, "NV12", errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_context_allocate(context, NULL, NULL, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_pool_acquire(NULL, 1, NULL, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_buffer_take_fd(NULL, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_buffer_begin_cpu_access(NULL, HEAPWISE_CPU_READ, NULL, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_options_add_profile_directory(options, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    /* Accessors given NULL answer NULL, 0 or false. */
    assert_null(heapwise_plan_choice(NULL));
    assert_null(heapwise_plan_json(NULL));
    assert_int_equal(heapwise_choice_plane_count(NULL), 0);
    assert_int_equal(heapwise_buffer_fd(NULL), -1);
    assert_null(heapwise_error_message(NULL));
    heapwise_context_free(NULL);
    heapwise_plan_free(NULL);
    heapwise_error_free(NULL);
    heapwise_image_release(NULL, false);

    /* Enum values and paths that do not fit. */
    assert_fails(heapwise_options_set_heaps(options, (heapwise_heaps)7, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_options_set_heaps(options, HEAPWISE_HEAPS_CATALOG_FILE, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_options_set_heaps(options, HEAPWISE_HEAPS_LIVE, "x.yaml", errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_options_set_hints(options, HEAPWISE_HINTS_FILE, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_options_set_broker(options, HEAPWISE_BROKER_NEVER, "/run/x.sock", errorp_), HEAPWISE_INVALID_INPUT, 100);
    /* A catalog file that does not exist fails when the context reads it (101). */
    assert_int_equal(heapwise_options_set_heaps(options, HEAPWISE_HEAPS_CATALOG_FILE, "/nonexistent/heaps.yaml", NULL), HEAPWISE_OK);
    assert_fails(heapwise_context_new(options, &no_context, errorp_), HEAPWISE_INVALID_INPUT, 101);
    assert_null(no_context);
    heapwise_options_free(options);

    /* Files and text. */
    assert_fails(heapwise_context_plan_file(context, "/nonexistent/pipeline.yaml", &plan, errorp_), HEAPWISE_INVALID_INPUT, 101);
    assert_fails(heapwise_pipeline_new_from_text(context, "width: [1920", "broken", &pipeline, errorp_), HEAPWISE_INVALID_INPUT, 105);
    assert_fails(heapwise_pipeline_new_from_text(context, "\xff\xfe", "bytes", &pipeline, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_null(pipeline);

    /* Built pipelines: unknown names, zero and enormous sizes, a malformed profile. */
    heapwise_pipeline *built = NULL;
    assert_int_equal(heapwise_pipeline_new(1920, 1080, 4, &built, NULL), HEAPWISE_OK);
    assert_fails(heapwise_pipeline_add_format(built, "NOT_A_FORMAT", errorp_), HEAPWISE_INVALID_INPUT, 110);
    assert_fails(heapwise_pipeline_add_format_fourcc(built, 0x12345678u, errorp_), HEAPWISE_INVALID_INPUT, 110);
    assert_fails(heapwise_pipeline_add_device(built, "", "write", errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_int_equal(heapwise_pipeline_add_device(built, "no-such-device", "write", NULL), HEAPWISE_OK);
    assert_fails(heapwise_context_plan(context, built, &plan, errorp_), HEAPWISE_INVALID_INPUT, 111);
    heapwise_pipeline_free(built);

    built = NULL;
    assert_int_equal(heapwise_pipeline_new(1920, 1080, 4, &built, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_pipeline_add_profile_text(built, "name: broken\nusages: [", "write", NULL), HEAPWISE_OK);
    assert_fails(heapwise_context_plan(context, built, &plan, errorp_), HEAPWISE_INVALID_INPUT, 105);
    heapwise_pipeline_free(built);

    uint32_t sizes[][3] = {{0, 1080, 4}, {1920, 0, 4}, {1920, 1080, 0}, {UINT32_MAX, UINT32_MAX, 4}, {1920, 1080, UINT32_MAX}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        built = NULL;
        assert_int_equal(heapwise_pipeline_new(sizes[i][0], sizes[i][1], sizes[i][2], &built, NULL), HEAPWISE_OK);
        assert_int_equal(heapwise_pipeline_add_device(built, path("Profiles/hantro-decoder.yaml"), "write", NULL), HEAPWISE_OK);
        heapwise_error *error = NULL;
        assert_int_equal(heapwise_context_plan(context, built, &plan, &error), HEAPWISE_INVALID_INPUT);
        assert_int_equal(heapwise_error_code(error), 100);
        heapwise_error_free(error);
        heapwise_pipeline_free(built);
    }

    /* An unknown usage names the device's usages. */
    built = NULL;
    assert_int_equal(heapwise_pipeline_new(1920, 1080, 4, &built, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_pipeline_add_device(built, path("Profiles/hantro-decoder.yaml"), "juggle", NULL), HEAPWISE_OK);
    heapwise_error *error = NULL;
    assert_int_equal(heapwise_context_plan(context, built, &plan, &error), HEAPWISE_INVALID_INPUT);
    assert_non_null(strstr(heapwise_error_message(error), "juggle"));
    heapwise_error_free(error);
    heapwise_pipeline_free(built);

    /* A broker that is not there: the plan fails as an allocation failure (1150), with a remedy. */
    options = heapwise_options_new();
    heapwise_context *broker_context = NULL;
    assert_int_equal(heapwise_options_set_broker(options, HEAPWISE_BROKER_SOCKET, "/nonexistent/heapwise.sock", NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_options_set_heaps(options, HEAPWISE_HEAPS_BUILT_IN, NULL, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_context_new(options, &broker_context, NULL), HEAPWISE_OK);
    heapwise_options_free(options);
    assert_int_equal(heapwise_context_route(broker_context), HEAPWISE_ROUTE_BROKER);
    heapwise_error *unreachable = NULL;
    assert_int_equal(heapwise_context_plan_file(broker_context, path("Examples/video-playback.yaml"), &plan, &unreachable),
                     HEAPWISE_ALLOCATION_FAILED);
    assert_int_equal(heapwise_error_code(unreachable), 1150);
    assert_non_null(strstr(heapwise_error_message(unreachable), "/nonexistent/heapwise.sock"));
    assert_non_null(heapwise_error_remedy(unreachable));
    heapwise_error_free(unreachable);
    heapwise_context_free(broker_context);

    /* A first error is kept when *error is already set. */
    heapwise_error *first = NULL;
    assert_int_equal(heapwise_context_plan_file(context, "/nonexistent/a.yaml", &plan, &first), HEAPWISE_INVALID_INPUT);
    heapwise_error *kept = first;
    assert_int_equal(heapwise_pipeline_add_format(NULL, "NV12", &first), HEAPWISE_INVALID_INPUT);
    assert_ptr_equal(first, kept);
    assert_int_equal(heapwise_error_code(first), 101);
    heapwise_error_free(first);

    assert_null(plan);
    heapwise_context_free(context);
}

/* CPU-only buffers on any machine: descriptors owned by the allocation until taken, CPU
 * access begun and ended, nothing left open. */
static void memfd_allocation(void **state) {
    (void)state;
    heapwise_context *context = catalog_context();
    heapwise_plan *plan = plan_file(context, "Examples/video-playback.yaml");
    heapwise_allocation *allocation = NULL;
    heapwise_error *error = NULL;
    if (heapwise_context_allocate(context, plan, "c-test", &allocation, &error) != HEAPWISE_OK) fail_msg("%s", heapwise_error_message(error));
    assert_int_equal(heapwise_allocation_get_route(allocation), HEAPWISE_ALLOCATION_CPU_ONLY);
    assert_string_equal(heapwise_allocation_heap(allocation), "memfd");
    assert_int_equal(heapwise_allocation_failed_heap_count(allocation), 0);
    assert_int_equal(heapwise_allocation_image_count(allocation), 8);
    assert_int_equal(heapwise_choice_fourcc(heapwise_allocation_choice(allocation)), DRM_FORMAT_NV12);
    assert_null(heapwise_allocation_buffer(allocation, 8, 0));
    assert_null(heapwise_allocation_buffer(allocation, 0, 1));

    heapwise_buffer *buffer = heapwise_allocation_buffer(allocation, 3, 0);
    assert_non_null(buffer);
    int fd = heapwise_buffer_fd(buffer);
    assert_true(fd >= 0);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(heapwise_buffer_size(buffer), 3133440);
    assert_true(heapwise_buffer_inode(buffer) > 0);
    assert_false(heapwise_buffer_reused(buffer));

    void *data = NULL;
    size_t size = 0;
    assert_int_equal(heapwise_buffer_begin_cpu_access(buffer, HEAPWISE_CPU_WRITE, &data, &size, NULL), HEAPWISE_OK);
    assert_int_equal(size, 3133440);
    assert_fails(heapwise_buffer_begin_cpu_access(buffer, HEAPWISE_CPU_READ, &data, &size, errorp_), HEAPWISE_INVALID_INPUT, 100);
    int taken = -1;
    assert_fails(heapwise_buffer_take_fd(buffer, &taken, errorp_), HEAPWISE_INVALID_INPUT, 100);
    memset(data, 0x5a, size);
    assert_int_equal(heapwise_buffer_end_cpu_access(buffer, NULL), HEAPWISE_OK);
    assert_fails(heapwise_buffer_end_cpu_access(buffer, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_buffer_begin_cpu_access(buffer, (heapwise_cpu_access)9, &data, &size, errorp_), HEAPWISE_INVALID_INPUT, 100);

    /* Taking the descriptor: the caller's from then on, valid after the allocation is freed. */
    assert_int_equal(heapwise_buffer_take_fd(buffer, &taken, NULL), HEAPWISE_OK);
    assert_int_equal(taken, fd);
    assert_int_equal(heapwise_buffer_fd(buffer), -1);
    assert_fails(heapwise_buffer_take_fd(buffer, &taken, errorp_), HEAPWISE_INVALID_INPUT, 100);
    assert_fails(heapwise_buffer_begin_cpu_access(buffer, HEAPWISE_CPU_READ, &data, &size, errorp_), HEAPWISE_INVALID_INPUT, 100);

    /* A buffer left mapped is unmapped by the free. */
    heapwise_buffer *other = heapwise_allocation_buffer(allocation, 0, 0);
    assert_int_equal(heapwise_buffer_begin_cpu_access(other, HEAPWISE_CPU_READ, &data, &size, NULL), HEAPWISE_OK);
    assert_int_equal(((unsigned char *)data)[size - 1], 0);  /* the buffers arrive zeroed */
    heapwise_allocation_free(allocation);
    heapwise_plan_free(plan);
    heapwise_context_free(context);

    unsigned char byte = 0;
    assert_int_equal(pread(taken, &byte, 1, 3133439), 1);
    assert_int_equal(byte, 0x5a);
    close(taken);
}

/* A pool lends images in turn: the same owner gets its contents back when it kept them, any
 * other owner gets zeros; a pool image's descriptor cannot be taken. */
static void pools(void **state) {
    (void)state;
    heapwise_context *context = catalog_context();
    heapwise_plan *plan = plan_file(context, "Examples/video-playback.yaml");
    heapwise_pool *pool = NULL;
    assert_int_equal(heapwise_context_pool_new(context, plan, 2, &pool, NULL), HEAPWISE_OK);
    assert_string_equal(heapwise_pool_heap(pool), "memfd");

    heapwise_image *image = NULL;
    assert_int_equal(heapwise_pool_acquire(pool, 1, "c-pool", &image, NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_image_owner(image), 1);
    assert_int_equal(heapwise_image_buffer_count(image), 1);
    assert_null(heapwise_image_buffer(image, 1));
    heapwise_buffer *buffer = heapwise_image_buffer(image, 0);
    assert_false(heapwise_buffer_reused(buffer));
    int fd = -1;
    assert_fails(heapwise_buffer_take_fd(buffer, &fd, errorp_), HEAPWISE_INVALID_INPUT, 100);
    void *data = NULL;
    size_t size = 0;
    assert_int_equal(heapwise_buffer_begin_cpu_access(buffer, HEAPWISE_CPU_WRITE, &data, &size, NULL), HEAPWISE_OK);
    memset(data, 0xa5, size);
    assert_int_equal(heapwise_buffer_end_cpu_access(buffer, NULL), HEAPWISE_OK);
    heapwise_image_release(image, true);

    assert_int_equal(heapwise_pool_acquire(pool, 1, NULL, &image, NULL), HEAPWISE_OK);
    buffer = heapwise_image_buffer(image, 0);
    assert_true(heapwise_buffer_reused(buffer));
    assert_int_equal(heapwise_buffer_begin_cpu_access(buffer, HEAPWISE_CPU_READ, &data, &size, NULL), HEAPWISE_OK);
    assert_int_equal(((unsigned char *)data)[100], 0xa5);
    /* Released while still mapped: the release ends the access. */
    heapwise_image_release(image, false);

    assert_int_equal(heapwise_pool_acquire(pool, 2, NULL, &image, NULL), HEAPWISE_OK);
    buffer = heapwise_image_buffer(image, 0);
    assert_true(heapwise_buffer_reused(buffer));
    assert_int_equal(heapwise_buffer_begin_cpu_access(buffer, HEAPWISE_CPU_READ, &data, &size, NULL), HEAPWISE_OK);
    assert_int_equal(((unsigned char *)data)[100], 0);
    assert_int_equal(heapwise_buffer_end_cpu_access(buffer, NULL), HEAPWISE_OK);

    heapwise_pool_statistics statistics;
    assert_int_equal(heapwise_pool_get_statistics(pool, &statistics, NULL), HEAPWISE_OK);
    assert_int_equal(statistics.hits, 2);
    assert_int_equal(statistics.misses, 1);
    assert_int_equal(statistics.bytes_zeroed, 3133440);
    assert_int_equal(statistics.in_use_buffers, 1);
    assert_fails(heapwise_pool_get_statistics(pool, NULL, errorp_), HEAPWISE_INVALID_INPUT, 100);

    /* An image outlives its pool's handle and is freed with it on release. */
    heapwise_pool_free(pool);
    heapwise_image_release(image, false);
    heapwise_plan_free(plan);
    heapwise_context_free(context);
}

/* This machine's heaps, where the lab says they must be used (HEAPWISE_C_LIVE=1): vivid and
 * vkms probed live, real dma-bufs from the route HEAPWISE_C_ROUTE names ("in-process" as root,
 * "broker" for a user who may open no heap, through the broker at HEAPWISE_C_SOCKET); with
 * HEAPWISE_C_DEVICES=1 (where this user may open vivid and vkms), vivid captures into them
 * and vkms makes a framebuffer of one. */
static void live_heaps_and_devices(void **state) {
    (void)state;
    if (!getenv("HEAPWISE_C_LIVE")) skip();
    const char *expected_route = getenv("HEAPWISE_C_ROUTE");
    const char *socket = getenv("HEAPWISE_C_SOCKET");
    heapwise_options *options = heapwise_options_new();
    heapwise_context *context = NULL;
    heapwise_error *error = NULL;
    assert_int_equal(heapwise_options_add_profile_directory(options, path("Profiles"), NULL), HEAPWISE_OK);
    assert_int_equal(heapwise_options_set_broker(options, HEAPWISE_BROKER_AUTOMATIC, socket, NULL), HEAPWISE_OK);
    if (heapwise_context_new(options, &context, &error) != HEAPWISE_OK) fail_msg("%s", heapwise_error_message(error));
    heapwise_options_free(options);
    int by_broker = expected_route && strcmp(expected_route, "broker") == 0;
    assert_int_equal(heapwise_context_route(context), by_broker ? HEAPWISE_ROUTE_BROKER : HEAPWISE_ROUTE_IN_PROCESS);

    heapwise_plan *plan = plan_file(context, "lab/camera-to-display.yaml");
    if (!heapwise_plan_is_satisfied(plan)) fail_msg("%s", heapwise_plan_explanation(plan));
    const heapwise_choice *choice = heapwise_plan_choice(plan);
    assert_string_equal(heapwise_choice_format(choice), "XRGB8888");
    heapwise_allocation *allocation = NULL;
    if (by_broker) {
        /* A broker's plan is a number on this context's connection: another context refuses it. */
        heapwise_options *same = heapwise_options_new();
        heapwise_context *other = NULL;
        assert_int_equal(heapwise_options_set_broker(same, HEAPWISE_BROKER_AUTOMATIC, socket, NULL), HEAPWISE_OK);
        assert_int_equal(heapwise_context_new(same, &other, NULL), HEAPWISE_OK);
        heapwise_options_free(same);
        assert_fails(heapwise_context_allocate(other, plan, "c-lab", &allocation, errorp_), HEAPWISE_INVALID_INPUT, 100);
        heapwise_context_free(other);
    }
    if (heapwise_context_allocate(context, plan, "c-lab", &allocation, &error) != HEAPWISE_OK) {
        fail_msg("%s (remedy: %s)", heapwise_error_message(error), heapwise_error_remedy(error) ? heapwise_error_remedy(error) : "none");
    }
    heapwise_allocation_route route = heapwise_allocation_get_route(allocation);
    assert_int_equal(route, by_broker ? HEAPWISE_ALLOCATION_BROKER : HEAPWISE_ALLOCATION_IN_PROCESS);
    assert_int_equal(heapwise_allocation_image_count(allocation), 4);
    for (size_t image = 0; image < 4; image++) {
        heapwise_buffer *buffer = heapwise_allocation_buffer(allocation, image, 0);
        char link[64], target[256] = {0};
        snprintf(link, sizeof link, "/proc/self/fd/%d", heapwise_buffer_fd(buffer));
        assert_true(readlink(link, target, sizeof target - 1) > 0);
        if (!strstr(target, "dmabuf")) fail_msg("image %zu is %s, not a dma-buf", image, target);
        void *data = NULL;
        size_t size = 0;
        assert_int_equal(heapwise_buffer_begin_cpu_access(buffer, HEAPWISE_CPU_READ, &data, &size, NULL), HEAPWISE_OK);
        assert_int_equal(((unsigned char *)data)[size / 2], 0);  /* zeroed, whoever had it before */
        assert_int_equal(heapwise_buffer_end_cpu_access(buffer, NULL), HEAPWISE_OK);
    }
    printf("c-lab: %s: 4 images of %s from heap %s\n", by_broker ? "through the broker" : "in process", heapwise_choice_format(choice),
           heapwise_allocation_heap(allocation));

    if (getenv("HEAPWISE_C_DEVICES")) {
        char why[256] = {0};
        int video = open_v4l2_device("vivid"), card = open_drm_device("vkms");
        if (video < 0 || card < 0) fail_msg("vivid (%d) or vkms (%d) is not there", video, card);
        int captured = capture_into(video, allocation, heapwise_plan_width(plan), heapwise_plan_height(plan), why, sizeof why);
        if (captured < 0) fail_msg("vivid: %s", why);
        heapwise_buffer *frame = heapwise_allocation_buffer(allocation, (size_t)captured, 0);
        void *data = NULL;
        size_t size = 0, lit = 0;
        assert_int_equal(heapwise_buffer_begin_cpu_access(frame, HEAPWISE_CPU_READ, &data, &size, NULL), HEAPWISE_OK);
        for (size_t i = 0; i < size; i++) lit += ((unsigned char *)data)[i] != 0;
        assert_int_equal(heapwise_buffer_end_cpu_access(frame, NULL), HEAPWISE_OK);
        assert_true(lit > 0);
        uint32_t framebuffer = framebuffer_of(card, allocation, (size_t)captured, heapwise_plan_width(plan), heapwise_plan_height(plan), why,
                                              sizeof why);
        if (framebuffer == 0) fail_msg("vkms: %s", why);
        printf("c-lab: vivid captured into image %d (%zu non-zero bytes); vkms made framebuffer %u of it\n", captured, lit, framebuffer);
        close(video);
        close(card);
    }
    heapwise_allocation_free(allocation);
    heapwise_plan_free(plan);
    heapwise_context_free(context);
}

static int count_descriptors(void **state) {
    (void)state;
    descriptors_at_start = open_descriptors();
    return 0;
}

/* The whole run leaves no descriptor open. A test of its own, the last, because cmocka does
 * not count a failed group teardown in its exit status. */
static void no_descriptor_left(void **state) {
    (void)state;
    int now = open_descriptors();
    printf("descriptors: %d before, %d after\n", descriptors_at_start, now);
    assert_int_equal(now, descriptors_at_start);
}

int main(void) {
    const char *root = getenv("HEAPWISE_REPO");
    snprintf(repo, sizeof repo, "%s", root ? root : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version),          cmocka_unit_test(plan_accessors), cmocka_unit_test(three_ways_to_describe),
        cmocka_unit_test(unsatisfiable),    cmocka_unit_test(invalid_input),  cmocka_unit_test(memfd_allocation),
        cmocka_unit_test(pools),            cmocka_unit_test(live_heaps_and_devices), cmocka_unit_test(no_descriptor_left),
    };
    return cmocka_run_group_tests_name("libheapwise", tests, count_descriptors, NULL);
}
