/* SPDX-License-Identifier: MIT */
/*
 * heapwisepool under GStreamer's check library, on a machine without dma-buf heaps: plans
 * against the profiles in the repository (HEAPWISE_REPO) and a heap catalog file, so the
 * buffers are CPU-only memfd. What the tests protect: caps offer only what plans, in
 * Heapwise's order; a size nothing plans for fails negotiation with the plan's explanation;
 * the ALLOCATION answer is the plan's pool (its images, layout and count) with GstVideoMeta;
 * the plan is exposed; state changes and renegotiation leak no descriptor.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/allocators/allocators.h>
#include <gst/video/video.h>
#include <heapwise/heapwise.h>

#include <glib/gstdio.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARTICIPANTS "hantro-decoder:write,vop2-display:scanout"

static gchar *repo;

static gchar *
repo_path (const gchar * relative)
{
  return g_build_filename (repo, relative, NULL);
}

/* The element as the tests configure it: the repository's profiles, a file's heaps. */
static gchar *
element_description (const gchar * participants)
{
  gchar *profiles = repo_path ("Profiles");
  gchar *heaps = repo_path ("Examples/heaps/rpi4.yaml");
  gchar *text = g_strdup_printf ("heapwisepool participants=\"%s\" probe-neighbours=false profile-directories=\"%s\" "
      "heap-catalog=\"%s\" hints=none broker=never", participants, profiles, heaps);
  g_free (profiles);
  g_free (heaps);
  return text;
}

/* The context the tests' own plans come from: configured as the element is. */
static heapwise_context *reference;

static heapwise_context *
reference_context (void)
{
  heapwise_options *options;
  gchar *profiles, *heaps;
  if (reference != NULL)
    return reference;
  options = heapwise_options_new ();
  profiles = repo_path ("Profiles");
  heaps = repo_path ("Examples/heaps/rpi4.yaml");
  fail_unless (heapwise_options_add_profile_directory (options, profiles, NULL) == HEAPWISE_OK);
  fail_unless (heapwise_options_set_heaps (options, HEAPWISE_HEAPS_CATALOG_FILE, heaps, NULL) == HEAPWISE_OK);
  fail_unless (heapwise_options_set_hints (options, HEAPWISE_HINTS_NONE, NULL, NULL) == HEAPWISE_OK);
  fail_unless (heapwise_options_set_broker (options, HEAPWISE_BROKER_NEVER, NULL, NULL) == HEAPWISE_OK);
  fail_unless (heapwise_context_new (options, &reference, NULL) == HEAPWISE_OK);
  heapwise_options_free (options);
  g_free (profiles);
  g_free (heaps);
  return reference;
}

/* The element's plan, made directly through libheapwise. */
static heapwise_plan *
reference_plan (guint width, guint height, const gchar * format)
{
  heapwise_pipeline *pipeline = NULL;
  heapwise_plan *plan = NULL;
  fail_unless (heapwise_pipeline_new (width, height, 4, &pipeline, NULL) == HEAPWISE_OK);
  if (format != NULL)
    fail_unless (heapwise_pipeline_add_format (pipeline, format, NULL) == HEAPWISE_OK);
  fail_unless (heapwise_pipeline_add_device (pipeline, "hantro-decoder", "write", NULL) == HEAPWISE_OK);
  fail_unless (heapwise_pipeline_add_device (pipeline, "vop2-display", "scanout", NULL) == HEAPWISE_OK);
  fail_unless (heapwise_context_plan (reference_context (), pipeline, &plan, NULL) == HEAPWISE_OK);
  heapwise_pipeline_free (pipeline);
  return plan;
}

static guint
open_descriptors (void)
{
  DIR *fds = opendir ("/proc/self/fd");
  guint count = 0;
  while (readdir (fds) != NULL)
    count++;
  closedir (fds);
  return count;
}

/* "FD -> TARGET" for every descriptor, to name what a failed count found. */
static gchar *
describe_descriptors (void)
{
  GString *text = g_string_new (NULL);
  DIR *fds = opendir ("/proc/self/fd");
  struct dirent *entry;
  while ((entry = readdir (fds)) != NULL) {
    gchar *link, *target;
    if (entry->d_name[0] == '.')
      continue;
    link = g_strdup_printf ("/proc/self/fd/%s", entry->d_name);
    target = g_file_read_link (link, NULL);
    g_string_append_printf (text, " %s->%s", entry->d_name, target ? target : "?");
    g_free (target);
    g_free (link);
  }
  closedir (fds);
  return g_string_free (text, FALSE);
}

static GstHarness *
harness (const gchar * participants)
{
  gchar *description = element_description (participants);
  GstHarness *h = gst_harness_new_parse (description);
  g_free (description);
  return h;
}

/* Caps offered upstream are the formats a plan exists for, in the plan's order. */
GST_START_TEST (caps_follow_the_plan)
{
  GstHarness *h = harness (PARTICIPANTS);
  GstCaps *downstream = gst_caps_from_string ("video/x-raw,format={BGRx,NV12,YUY2,RGB16,I420},width=1920,height=1080,framerate=30/1");
  GstCaps *offered;
  heapwise_plan *plan = reference_plan (1920, 1080, NULL);
  const gchar *best = heapwise_choice_gst_format (heapwise_plan_choice (plan));

  gst_harness_set_sink_caps (h, gst_caps_ref (downstream));
  gst_harness_play (h);
  offered = gst_pad_peer_query_caps (h->srcpad, NULL);
  GST_INFO ("offered %" GST_PTR_FORMAT, offered);
  fail_unless (gst_caps_get_size (offered) >= 1);
  fail_unless_equals_string (gst_structure_get_string (gst_caps_get_structure (offered, 0), "format"), best);
  /* Every offered format is one of the plan's choices, and one downstream takes. */
  for (guint i = 0; i < gst_caps_get_size (offered); i++) {
    const gchar *format = gst_structure_get_string (gst_caps_get_structure (offered, i), "format");
    gboolean planned = FALSE;
    planned = g_strcmp0 (heapwise_choice_gst_format (heapwise_plan_choice (plan)), format) == 0;
    for (gsize a = 0; a < heapwise_plan_alternative_count (plan) && !planned; a++)
      planned = g_strcmp0 (heapwise_choice_gst_format (heapwise_plan_alternative (plan, a)), format) == 0;
    fail_unless (planned, "%s offered but not planned", format);
  }
  fail_unless (gst_caps_can_intersect (offered, downstream));
  gst_caps_unref (offered);
  gst_caps_unref (downstream);
  heapwise_plan_free (plan);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A size no plan satisfies fails negotiation with the plan's own explanation. */
GST_START_TEST (no_plan_fails_with_the_explanation)
{
  GstHarness *h = harness (PARTICIPANTS);
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;
  gchar *debug = NULL;
  heapwise_plan *plan = reference_plan (7680, 4320, "NV12");

  fail_if (heapwise_plan_is_satisfied (plan));
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "video/x-raw,format=NV12,width=7680,height=4320,framerate=30/1");
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new_and_alloc (16)), GST_FLOW_NOT_NEGOTIATED);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  gst_message_parse_error (message, &error, &debug);
  GST_INFO ("error: %s / %s", error->message, debug);
  fail_unless (strstr (error->message, "no buffer layout satisfies every device of this pipeline at 7680x4320") != NULL);
  fail_unless (strstr (debug, heapwise_plan_rejection (plan, 0)) != NULL, "%s lacks %s", debug, heapwise_plan_rejection (plan, 0));
  g_clear_error (&error);
  g_free (debug);
  gst_message_unref (message);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  heapwise_plan_free (plan);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* The ALLOCATION answer: the plan's pool, its images in fd memory laid out as the plan says,
 * at least the plan's count, and GstVideoMeta among the metas. */
GST_START_TEST (allocation_is_the_plans_pool)
{
  GstHarness *h = harness (PARTICIPANTS);
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1");
  GstQuery *query;
  GstBufferPool *pool = NULL;
  guint size, min, max;
  GstBuffer *buffer = NULL;
  GstVideoMeta *meta;
  GstElement *element = gst_harness_find_element (h, "heapwisepool");
  gchar *json = NULL;
  heapwise_plan *plan = reference_plan (1920, 1080, "NV12");
  const heapwise_choice *choice = heapwise_plan_choice (plan);

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  query = gst_query_new_allocation (caps, TRUE);
  fail_unless (gst_pad_peer_query (h->srcpad, query));
  fail_unless (gst_query_get_n_allocation_pools (query) >= 1);
  gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, &min, &max);
  fail_unless (pool != NULL);
  fail_unless_equals_string (G_OBJECT_TYPE_NAME (pool), "GstHeapwiseBufferPool");
  fail_unless_equals_uint64 (size, heapwise_choice_image_size (choice));
  fail_unless (min >= heapwise_plan_count (plan));
  fail_unless (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL));

  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buffer, NULL), GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_n_memory (buffer), heapwise_choice_buffer_count (choice));
  for (guint m = 0; m < gst_buffer_n_memory (buffer); m++) {
    GstMemory *memory = gst_buffer_peek_memory (buffer, m);
    fail_unless (gst_is_fd_memory (memory));
    /* memfd is not a dma-buf, and is not presented as one. */
    fail_if (gst_is_dmabuf_memory (memory));
    fail_unless_equals_uint64 (gst_memory_get_sizes (memory, NULL, NULL), heapwise_choice_buffer_size (choice, m));
  }
  meta = gst_buffer_get_video_meta (buffer);
  fail_unless (meta != NULL);
  fail_unless_equals_int (meta->n_planes, heapwise_choice_plane_count (choice));
  for (guint p = 0; p < meta->n_planes; p++) {
    heapwise_plane plane;
    fail_unless (heapwise_choice_plane (choice, p, &plane));
    fail_unless_equals_uint64 (meta->offset[p], plane.offset);
    fail_unless_equals_int (meta->stride[p], plane.stride);
  }
  /* The frame maps and reads back what was written through the pool's memory. */
  {
    GstMapInfo map;
    fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READWRITE));
    fail_unless_equals_int (map.data[0], 0);
    map.data[0] = 0x5a;
    gst_buffer_unmap (buffer, &map);
  }
  gst_buffer_unref (buffer);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));

  g_object_get (element, "plan", &json, NULL);
  fail_unless (json != NULL);
  fail_unless_equals_string (json, heapwise_plan_json (plan));
  g_free (json);
  gst_object_unref (element);
  gst_object_unref (pool);
  gst_query_unref (query);
  gst_caps_unref (caps);
  heapwise_plan_free (plan);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A plan that keeps the planes in separate dma-bufs: one memory per dma-buf in each buffer,
 * and GstVideoMeta offsets counted across them, as gst_buffer_find_memory() and
 * gst_video_frame_map() read them. */
GST_START_TEST (separate_buffers_are_separate_memories)
{
  gchar *directory = g_dir_make_tmp ("heapwise-gst-XXXXXX", NULL);
  gchar *profile = g_build_filename (directory, "split-camera.yaml", NULL);
  gchar *participants = g_strdup_printf ("%s:write", profile);
  GstHarness *h;
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=NV12,width=640,height=480,framerate=30/1");
  GstQuery *query;
  GstBufferPool *pool = NULL;
  GstBuffer *buffer = NULL;
  GstVideoMeta *meta;
  GstVideoInfo info;
  GstVideoFrame frame;
  guint index, length;
  gsize skip;

  fail_unless (g_file_set_contents (profile, "name: split-camera\nusages:\n  write:\n    formats:\n"
          "      - format: NV12\n        constraints: { plane_placement: { 0: bank-a, 1: bank-b } }\n", -1, NULL));
  h = harness (participants);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  query = gst_query_new_allocation (caps, TRUE);
  fail_unless (gst_pad_peer_query (h->srcpad, query));
  gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  fail_unless (pool != NULL && gst_buffer_pool_set_active (pool, TRUE));
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buffer, NULL), GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_n_memory (buffer), 2);
  meta = gst_buffer_get_video_meta (buffer);
  fail_unless (meta != NULL && meta->n_planes == 2);
  fail_unless_equals_uint64 (meta->offset[0], 0);
  /* The chroma plane starts at the second memory: after all of the first. */
  fail_unless_equals_uint64 (meta->offset[1], gst_memory_get_sizes (gst_buffer_peek_memory (buffer, 0), NULL, NULL));
  fail_unless (gst_buffer_find_memory (buffer, meta->offset[1], 1, &index, &length, &skip));
  fail_unless_equals_int (index, 1);
  fail_unless_equals_uint64 (skip, 0);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless (gst_video_frame_map (&frame, &info, buffer, GST_MAP_READWRITE));
  /* Each plane's bytes are its own memory's: write both, read them back through the memories. */
  memset (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), 0x10, 16);
  memset (GST_VIDEO_FRAME_PLANE_DATA (&frame, 1), 0x80, 16);
  gst_video_frame_unmap (&frame);
  {
    GstMapInfo map;
    fail_unless (gst_memory_map (gst_buffer_peek_memory (buffer, 1), &map, GST_MAP_READ));
    fail_unless_equals_int (map.data[0], 0x80);
    gst_memory_unmap (gst_buffer_peek_memory (buffer, 1), &map);
    fail_unless (gst_memory_map (gst_buffer_peek_memory (buffer, 0), &map, GST_MAP_READ));
    fail_unless_equals_int (map.data[0], 0x10);
    gst_memory_unmap (gst_buffer_peek_memory (buffer, 0), &map);
  }
  gst_buffer_unref (buffer);
  fail_unless (gst_buffer_pool_set_active (pool, FALSE));
  gst_object_unref (pool);
  gst_query_unref (query);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  g_unlink (profile);
  g_rmdir (directory);
  g_free (participants);
  g_free (profile);
  g_free (directory);
}
GST_END_TEST;

/* Participants that do not parse, and none at all, stop the element with a remedy. */
GST_START_TEST (bad_participants_are_named)
{
  GstElement *element;
  GstBus *bus = gst_bus_new ();
  GstMessage *message;
  GError *error = NULL;
  gchar *debug = NULL;
  GstElement *pipeline = gst_parse_launch ("videotestsrc ! heapwisepool name=hw participants=hantro-decoder probe-neighbours=false ! fakesink", NULL);

  fail_unless (pipeline != NULL);
  gst_element_set_bus (pipeline, bus);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  gst_message_parse_error (message, &error, &debug);
  fail_unless (strstr (error->message, "'hantro-decoder' is not DEVICE:USAGE") != NULL, "%s", error->message);
  g_clear_error (&error);
  g_free (debug);
  gst_message_unref (message);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  element = gst_bin_get_by_name (GST_BIN (pipeline), "hw");
  g_object_set (element, "participants", "", NULL);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  gst_message_parse_error (message, &error, &debug);
  fail_unless (strstr (error->message, "no device to plan for") != NULL, "%s", error->message);
  fail_unless (strstr (debug, "participants=") != NULL);
  g_clear_error (&error);
  g_free (debug);
  gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (element);
  gst_element_set_bus (pipeline, NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}
GST_END_TEST;

typedef struct {
  guint frames;
  guint planned_buffers;
  guint memfd_frames;
} Seen;

static void
on_handoff (GstElement * sink, GstBuffer * buffer, GstPad * pad, Seen * seen)
{
  seen->frames++;
  if (gst_buffer_get_video_meta (buffer) != NULL && gst_buffer_n_memory (buffer) >= 1
      && gst_is_fd_memory (gst_buffer_peek_memory (buffer, 0)))
    seen->memfd_frames++;
}

static GstElement *
launch (const gchar * caps, guint frames)
{
  gchar *element = element_description (PARTICIPANTS);
  gchar *text = g_strdup_printf ("videotestsrc num-buffers=%u ! %s ! %s name=hw ! fakesink name=sink signal-handoffs=true",
      frames, caps, element);
  GstElement *pipeline = gst_parse_launch (text, NULL);
  g_free (text);
  g_free (element);
  return pipeline;
}

/* Runs to EOS; FALSE on an error. */
static gboolean
run_to_eos (GstElement * pipeline, guint * plan_messages)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gboolean ok = FALSE;
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    GstMessage *message = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    if (message == NULL)
      break;
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT) {
      if (gst_message_has_name (message, "heapwise-plan") && plan_messages != NULL)
        (*plan_messages)++;
      gst_message_unref (message);
      continue;
    }
    ok = GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS;
    if (!ok) {
      GError *error = NULL;
      gchar *debug = NULL;
      gst_message_parse_error (message, &error, &debug);
      GST_ERROR ("%s (%s)", error->message, debug);
      g_clear_error (&error);
      g_free (debug);
    }
    gst_message_unref (message);
    break;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return ok;
}

/* videotestsrc ! heapwisepool ! fakesink: every frame reaches the sink in the plan's memory,
 * and the plan is announced once. */
GST_START_TEST (frames_flow_through_planned_memory)
{
  GstElement *pipeline = launch ("video/x-raw,format=NV12,width=640,height=480", 10);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  Seen seen = { 0 };
  guint plans = 0;

  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &seen);
  fail_unless (run_to_eos (pipeline, &plans));
  fail_unless_equals_int (seen.frames, 10);
  fail_unless_equals_int (seen.memfd_frames, 10);
  fail_unless_equals_int (plans, 1);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}
GST_END_TEST;

/* NULL <-> PLAYING repeatedly and a renegotiation to another size: no descriptor left. */
GST_START_TEST (state_changes_leak_nothing)
{
  GstElement *pipeline = launch ("capsfilter name=size caps=video/x-raw,format=NV12,width=640,height=480", 3);
  GstElement *filter = gst_bin_get_by_name (GST_BIN (pipeline), "size");
  guint before, plans = 0;

  fail_unless (run_to_eos (pipeline, &plans));  /* warm up: the plugin and its libraries loaded */
  before = open_descriptors ();
  for (guint round = 0; round < 5; round++) {
    GstCaps *caps = gst_caps_from_string (round % 2 == 0 ? "video/x-raw,format=NV12,width=1280,height=720" : "video/x-raw,format=NV12,width=640,height=480");
    g_object_set (filter, "caps", caps, NULL);
    gst_caps_unref (caps);
    fail_unless (run_to_eos (pipeline, &plans));
  }
  fail_unless_equals_int (open_descriptors (), before);
  fail_unless_equals_int (plans, 6);
  gst_object_unref (filter);
  gst_object_unref (pipeline);
}
GST_END_TEST;


/* ------------------------------------------------------------------------------------------
 * In the kernel lab (HEAPWISE_GST_VIVID=/dev/videoN, vivid's capture node; vkms present):
 * v4l2src imports the element's dma-bufs, vivid captures into them, kmssink imports the same
 * buffers into vkms. HEAPWISE_GST_SOCKET names the broker's socket, for a user who may open no
 * heap (the element then goes through it by itself).
 * ---------------------------------------------------------------------------------------- */

/* A field of /proc/self/fdinfo/FD ("exp_name", "name"), or "" when it has none. */
static void
fdinfo_field (gint fd, const gchar * field, gchar * value, gsize size)
{
  gchar *path = g_strdup_printf ("/proc/self/fdinfo/%d", fd), *text = NULL;
  gchar *key = g_strdup_printf ("\n%s:", field);
  value[0] = '\0';
  if (g_file_get_contents (path, &text, NULL, NULL)) {
    const gchar *at = strstr (text, key);
    if (at != NULL) {
      at += strlen (key);
      while (*at == ' ' || *at == '\t')
        at++;
      g_strlcpy (value, at, size);
      value[strcspn (value, "\n")] = '\0';
    }
  }
  g_free (text);
  g_free (key);
  g_free (path);
}

/* Descriptors of this process that are dma-bufs (their fdinfo names an exporter). */
static guint
dmabuf_descriptors (void)
{
  DIR *fds = opendir ("/proc/self/fd");
  struct dirent *entry;
  guint count = 0;
  gchar exporter[64];
  while ((entry = readdir (fds)) != NULL) {
    if (entry->d_name[0] == '.')
      continue;
    fdinfo_field (atoi (entry->d_name), "exp_name", exporter, sizeof exporter);
    if (exporter[0] != '\0')
      count++;
  }
  closedir (fds);
  return count;
}

typedef struct {
  GstElement *element;
  guint frames;
  /* Frames whose memory is a dma-buf the element's pool named (gst-hw.N-0.0 in this process,
   * gst-hw-IMAGE.0 through the broker). */
  guint planned;
  gchar exporter[64];
  gchar *source;
} Display;

/* Every buffer kmssink receives: is it one of the plan's dma-bufs? */
static GstPadProbeReturn
on_display_buffer (GstPad * pad, GstPadProbeInfo * info, Display * display)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMemory *memory = gst_buffer_peek_memory (buffer, 0);
  gchar name[64];
  display->frames++;
  if (!gst_is_dmabuf_memory (memory))
    return GST_PAD_PROBE_OK;
  fdinfo_field (gst_dmabuf_memory_get_fd (memory), "name", name, sizeof name);
  fdinfo_field (gst_dmabuf_memory_get_fd (memory), "exp_name", display->exporter, sizeof display->exporter);
  if (g_str_has_prefix (name, "gst-hw.") || g_str_has_prefix (name, "gst-hw-"))
    display->planned++;
  if (display->source == NULL)
    g_object_get (display->element, "buffer-source", &display->source, NULL);
  return GST_PAD_PROBE_OK;
}

static GstElement *
live_pipeline (const gchar * size, const gchar * extra, gboolean with_heapwise)
{
  const gchar *socket = g_getenv ("HEAPWISE_GST_SOCKET");
  /* Automatic either way: in this process where this user may open a heap, else the broker. */
  gchar *broker = socket != NULL ? g_strdup_printf ("broker=automatic broker-socket=%s", socket) : g_strdup ("broker=automatic");
  gchar *element = with_heapwise ? g_strdup_printf ("heapwisepool name=hw hints=none %s %s !", broker, extra) : g_strdup ("");
  gchar *text = g_strdup_printf ("v4l2src device=%s io-mode=dmabuf-import num-buffers=6 ! capsfilter name=size caps=%s ! "
      "%s kmssink name=display driver-name=vkms", g_getenv ("HEAPWISE_GST_VIVID"), size, element);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (text, &error);
  fail_unless (pipeline != NULL, "%s: %s", text, error ? error->message : "");
  g_free (text);
  g_free (element);
  g_free (broker);
  return pipeline;
}

/* Runs `pipeline` to EOS once to warm up, then four more times alternating 1280x720 and
 * 640x480 (a renegotiation each time); the descriptors it left open after the warm-up. */
static gint
cycle (GstElement * pipeline, guint * plans)
{
  GstElement *filter = gst_bin_get_by_name (GST_BIN (pipeline), "size");
  guint before;
  if (!run_to_eos (pipeline, plans)) {
    gst_object_unref (filter);
    return G_MININT;  /* this pipeline cannot run on this kernel */
  }
  before = open_descriptors ();
  fail_unless_equals_int (dmabuf_descriptors (), 0);
  for (guint round = 0; round < 4; round++) {
    GstCaps *caps = gst_caps_from_string (round % 2 == 0 ? "video/x-raw,format=BGRx,width=1280,height=720"
        : "video/x-raw,format=BGRx,width=640,height=480");
    g_object_set (filter, "caps", caps, NULL);
    gst_caps_unref (caps);
    fail_unless (run_to_eos (pipeline, plans));
  }
  gst_object_unref (filter);
  return (gint) open_descriptors () - (gint) before;
}

/* vivid -> heapwisepool -> vkms, five times, at two sizes: every frame on the plan's
 * dma-bufs, one plan per negotiation, no dma-buf left, and no descriptor left beyond what the
 * same pipeline leaves without heapwisepool (kmssink's own pool), measured here after. */
GST_START_TEST (live_vivid_to_vkms_on_planned_buffers)
{
  GstElement *baseline = live_pipeline ("video/x-raw,format=BGRx,width=640,height=480", "", FALSE);
  GstElement *pipeline = live_pipeline ("video/x-raw,format=BGRx,width=640,height=480", "", TRUE);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "display");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  Display display = { 0 };
  guint plans = 0, baseline_plans = 0;
  gint baseline_left, left;
  gchar *after;
  const gchar *route = g_getenv ("HEAPWISE_GST_SOCKET") != NULL ? "through the broker" : "in this process";

  display.element = gst_bin_get_by_name (GST_BIN (pipeline), "hw");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, (GstPadProbeCallback) on_display_buffer, &display, NULL);
  left = cycle (pipeline, &plans);
  fail_if (left == G_MININT, "vivid -> heapwisepool -> vkms did not run");
  after = describe_descriptors ();
  /* Second: where GStreamer's own mode fails, it leaves the camera's queue owned. */
  baseline_left = cycle (baseline, &baseline_plans);
  {
    gchar *without = baseline_left == G_MININT ? g_strdup ("none measured (it cannot run here)") : g_strdup_printf ("%d", baseline_left);
    g_print ("gst-lab: %s: %u frames from vivid reached vkms, %u on the plan's dma-bufs (exporter %s, source %s); "
        "%u plans for 5 negotiations; %u dma-bufs left; descriptors left after 4 renegotiated runs: %d, "
        "by the same pipeline without heapwisepool: %s\n",
        route, display.frames, display.planned, display.exporter, display.source, plans, dmabuf_descriptors (), left, without);
    g_free (without);
  }
  fail_unless_equals_int (display.frames, 30);
  fail_unless_equals_int (display.planned, display.frames);
  fail_unless_equals_int (plans, 5);
  fail_unless_equals_int (dmabuf_descriptors (), 0);
  if (baseline_left == G_MININT) {
    /* GStreamer's own mode cannot run here (Linux 5.10's vkms exports no dumb buffer through
     * PRIME): what is left must be only what v4l2src leaves where it can run, the camera's node
     * and its GstPoll sockets, none of heapwisepool's (heap nodes, dma-bufs, the display). */
    gchar **items = g_strsplit (after, " ", -1);
    g_print ("gst-lab: GStreamer's own dmabuf-import mode cannot run on this kernel; descriptors after heapwisepool's runs:%s\n", after);
    for (gchar ** each = items; *each != NULL; each++)
      fail_if (strstr (*each, "dma_heap") != NULL || strstr (*each, "/dev/dri") != NULL || strstr (*each, "dmabuf") != NULL
          || strstr (*each, "/dev/ion") != NULL, "left open: %s", *each);
    g_strfreev (items);
  } else if (left > baseline_left) {
    fail ("heapwisepool's pipeline left %d descriptors, %d without it:%s", left, baseline_left, after);
  }
  g_free (after);
  fail_unless (display.source != NULL);
  if (g_getenv ("HEAPWISE_GST_SOCKET") != NULL)
    fail_unless (g_str_has_prefix (display.source, "broker:"), "source %s", display.source);
  else
    fail_unless (strcmp (display.source, "system") == 0 || strcmp (display.source, "reserved") == 0, "source %s", display.source);
  g_free (display.source);
  gst_object_unref (display.element);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  gst_object_unref (baseline);
}
GST_END_TEST;

/* A display that cannot take the size: negotiation fails with the plan's explanation and no
 * dma-buf is left in this process. */
GST_START_TEST (live_no_plan_leaves_no_buffer)
{
  gchar *profiles = repo_path ("Profiles");
  gchar *extra = g_strdup_printf ("participants=exynos-mixer-display:scanout profile-directories=%s", profiles);
  GstElement *pipeline = live_pipeline ("video/x-raw,format=BGRx,width=3840,height=2160", extra, TRUE);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message;
  GError *error = NULL;
  gchar *debug = NULL;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  fail_unless (message != NULL && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, &debug);
  {
    gchar **lines = g_strsplit (debug, "\n", -1);
    for (gchar ** line = lines; *line != NULL; line++)
      if (strstr (*line, "max width") != NULL)
        g_print ("gst-lab: 3840x2160 to a 1920x1080 display: %s: %s\n", error->message, *line);
    g_strfreev (lines);
  }
  fail_unless (strstr (error->message, "no buffer layout satisfies every device of this pipeline at 3840x2160") != NULL, "%s", error->message);
  fail_unless (strstr (debug, "exynos-mixer-display") != NULL && strstr (debug, "max width 1920 < 3840") != NULL, "%s", debug);
  fail_unless_equals_int (dmabuf_descriptors (), 0);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless_equals_int (dmabuf_descriptors (), 0);
  g_clear_error (&error);
  g_free (debug);
  gst_message_unref (message);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (extra);
  g_free (profiles);
}
GST_END_TEST;

static Suite *
heapwisepool_suite (void)
{
  Suite *suite = suite_create ("heapwisepool");
  TCase *tc = tcase_create ("general");
  tcase_set_timeout (tc, 120);
  suite_add_tcase (suite, tc);
  tcase_add_test (tc, caps_follow_the_plan);
  tcase_add_test (tc, no_plan_fails_with_the_explanation);
  tcase_add_test (tc, allocation_is_the_plans_pool);
  tcase_add_test (tc, separate_buffers_are_separate_memories);
  tcase_add_test (tc, bad_participants_are_named);
  tcase_add_test (tc, frames_flow_through_planned_memory);
  tcase_add_test (tc, state_changes_leak_nothing);
  if (g_getenv ("HEAPWISE_GST_VIVID") != NULL) {
    TCase *lab = tcase_create ("lab");
    tcase_set_timeout (lab, 600);
    suite_add_tcase (suite, lab);
    tcase_add_test (lab, live_vivid_to_vkms_on_planned_buffers);
    tcase_add_test (lab, live_no_plan_leaves_no_buffer);
  }
  return suite;
}

int
main (int argc, char **argv)
{
  Suite *suite;
  int status;
  repo = g_strdup (g_getenv ("HEAPWISE_REPO"));
  if (repo == NULL) {
    g_printerr ("set HEAPWISE_REPO to the Heapwise checkout (its Profiles/ and Examples/)\n");
    return 2;
  }
  setvbuf (stdout, NULL, _IOLBF, 0);  /* lines reach the log before a test forks */
  gst_check_init (&argc, &argv);
  suite = heapwisepool_suite ();
  status = gst_check_run_suite (suite, "heapwisepool", __FILE__);
  heapwise_context_free (reference);
  g_free (repo);
  return status;
}
