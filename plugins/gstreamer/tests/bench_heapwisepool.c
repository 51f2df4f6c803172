/* SPDX-License-Identifier: MIT */
/*
 * bench-heapwisepool: what heapwisepool costs a zero-copy camera-to-display pipeline, against
 * GStreamer's own two zero-copy modes, in one process and one run:
 *   heapwise       v4l2src io-mode=dmabuf-import ! heapwisepool ! kmssink   (the plan's dma-bufs)
 *   dmabuf         v4l2src io-mode=dmabuf ! kmssink          (the camera exports, the display imports)
 *   dmabuf-import  v4l2src io-mode=dmabuf-import ! kmssink   (the display's dumb buffers, imported)
 *   control        dmabuf-import again: how much of a ratio noise alone makes
 * Sides run in a seeded random order each round. Per run: CPU time of this process (all
 * threads, user + system, getrusage) from the first frame at the sink to EOS, per frame; and
 * bytes copied per frame: frames kmssink receives in memory it cannot import (not a dma-buf)
 * plus every copy GStreamer's PERFORMANCE debug category reports (of buffers and memory: caps
 * copies are metadata), times the frame's size; each kind of report is printed once.
 * Prints medians and p99 per side, and each side's median as a multiple of the better of
 * GStreamer's two modes.
 *
 * Usage: bench-heapwisepool --device /dev/videoN [--frames 60] [--rounds 5] [--seed 1]
 *        [--width 640 --height 480]
 */
#include <gst/gst.h>
#include <gst/allocators/allocators.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

enum { HEAPWISE, DMABUF, DMABUF_IMPORT, CONTROL, SIDES };
static const char *side_names[SIDES] = { "heapwise", "dmabuf", "dmabuf-import", "control" };

typedef struct {
  gboolean started;
  gdouble cpu_at_first;
  guint frames;
  guint unimportable;
  gsize frame_size;
} Run;

/* Copies GStreamer reports, counted while a run is on, and each distinct report (where: what)
 * to print under the table. */
static volatile gint performance_copies;
static GHashTable *copy_reports;
static GRegex *addresses;
static GMutex copy_lock;

static gdouble
cpu_seconds (void)
{
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void
count_copies (GstDebugCategory * category, GstDebugLevel level, const gchar * file, const gchar * function,
    gint line, GObject * object, GstDebugMessage * message, gpointer data)
{
  const gchar *text;
  if (g_strcmp0 (gst_debug_category_get_name (category), "GST_PERFORMANCE") != 0)
    return;
  text = gst_debug_message_get (message);
  /* Caps are copied during negotiation: metadata, not frames. */
  if (text == NULL || strstr (text, "GstCaps") != NULL || g_str_has_suffix (file, "gstcaps.c"))
    return;
  if (strstr (text, "copy") != NULL || strstr (text, "memcpy") != NULL) {
    gchar *report = g_regex_replace (addresses, text, -1, 0, "0x…", 0, NULL);
    gchar *where = g_strdup_printf ("%s:%d %s: %s", file, line, function, report);
    g_free (report);
    report = where;
    g_atomic_int_inc (&performance_copies);
    g_mutex_lock (&copy_lock);
    g_hash_table_replace (copy_reports, report, GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (copy_reports, report)) + 1));
    g_mutex_unlock (&copy_lock);
  }
}

static GstPadProbeReturn
on_frame (GstPad * pad, GstPadProbeInfo * info, Run * run)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!run->started) {
    run->started = TRUE;
    run->cpu_at_first = cpu_seconds ();
    return GST_PAD_PROBE_OK;
  }
  run->frames++;
  run->frame_size = gst_buffer_get_size (buffer);
  if (!gst_is_dmabuf_memory (gst_buffer_peek_memory (buffer, 0)))
    run->unimportable++;
  return GST_PAD_PROBE_OK;
}

/* One run of a side: CPU seconds and bytes copied per frame after the first. */
static gboolean
run_side (gint side, const gchar * device, guint frames, guint width, guint height, gdouble * cpu, gdouble * copied)
{
  const gchar *mode = side == DMABUF ? "dmabuf" : "dmabuf-import";
  gchar *text = g_strdup_printf ("v4l2src device=%s io-mode=%s num-buffers=%u ! video/x-raw,format=BGRx,width=%u,height=%u ! "
      "%s kmssink name=display driver-name=vkms", device, mode, frames + 1, width, height,
      side == HEAPWISE ? "heapwisepool hints=none broker=never !" : "");
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (text, &error);
  GstElement *sink;
  GstPad *pad;
  GstBus *bus;
  GstMessage *message;
  Run run = { 0 };
  gdouble cpu_at_end;
  gboolean ok;

  if (pipeline == NULL) {
    g_printerr ("bench-heapwisepool: %s: %s\n", text, error->message);
    g_clear_error (&error);
    g_free (text);
    return FALSE;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "display");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, (GstPadProbeCallback) on_frame, &run, NULL);
  bus = gst_element_get_bus (pipeline);
  g_atomic_int_set (&performance_copies, 0);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  cpu_at_end = cpu_seconds ();
  ok = message != NULL && GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS && run.frames > 0;
  if (!ok) {
    gchar *debug = NULL;
    if (message != NULL && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
      gst_message_parse_error (message, &error, &debug);
    g_printerr ("bench-heapwisepool: %s did not reach EOS: %s %s\n", side_names[side], error ? error->message : "timeout", debug ? debug : "");
    g_clear_error (&error);
    g_free (debug);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (ok) {
    *cpu = (cpu_at_end - run.cpu_at_first) / run.frames;
    *copied = (gdouble) (run.unimportable + (guint) g_atomic_int_get (&performance_copies)) * run.frame_size / run.frames;
  }
  if (message != NULL)
    gst_message_unref (message);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (text);
  return ok;
}

static gint
compare (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return x < y ? -1 : x > y;
}

/* The q-quantile of `n` values (sorted in place), nearest rank. */
static gdouble
quantile (gdouble * values, guint n, gdouble q)
{
  guint rank;
  qsort (values, n, sizeof *values, (int (*)(const void *, const void *)) compare);
  rank = (guint) (q * n + 0.999999);
  return values[MIN (MAX (rank, 1), n) - 1];
}

int
main (int argc, char **argv)
{
  gchar *device = NULL;
  gint frames = 60, rounds = 5, seed = 1, width = 640, height = 480;
  GOptionEntry entries[] = {
    {"device", 0, 0, G_OPTION_ARG_STRING, &device, "The camera's V4L2 capture node (vivid's)", "NODE"},
    {"frames", 0, 0, G_OPTION_ARG_INT, &frames, "Frames per run, after the first (default 60)", "N"},
    {"rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Rounds; each runs every side once, in a shuffled order (default 5)", "N"},
    {"seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the order (default 1)", "N"},
    {"width", 0, 0, G_OPTION_ARG_INT, &width, "Frame width (default 640)", "PIXELS"},
    {"height", 0, 0, G_OPTION_ARG_INT, &height, "Frame height (default 480)", "PIXELS"},
    {NULL},
  };
  GOptionContext *context = g_option_context_new ("- heapwisepool against GStreamer's zero-copy modes");
  GError *error = NULL;
  gdouble *cpu[SIDES], *copied[SIDES];
  GRand *random;
  gdouble best;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || device == NULL || frames < 1 || rounds < 1
      || width < 1 || height < 1) {
    g_printerr ("bench-heapwisepool: %s\n", error ? error->message : "--device NODE is required; counts and sizes must be positive");
    return 2;
  }
  g_option_context_free (context);
  copy_reports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  addresses = g_regex_new ("0x[0-9a-f]+", 0, 0, NULL);
  gst_debug_set_threshold_for_name ("GST_PERFORMANCE", GST_LEVEL_LOG);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_add_log_function (count_copies, NULL, NULL);
  random = g_rand_new_with_seed ((guint32) seed);

  for (gint side = 0; side < SIDES; side++) {
    cpu[side] = g_new0 (gdouble, rounds);
    copied[side] = g_new0 (gdouble, rounds);
  }
  for (gint round = 0; round < rounds; round++) {
    gint order[SIDES] = { HEAPWISE, DMABUF, DMABUF_IMPORT, CONTROL };
    for (gint i = SIDES - 1; i > 0; i--) {
      gint j = g_rand_int_range (random, 0, i + 1), swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    for (gint i = 0; i < SIDES; i++)
      if (!run_side (order[i], device, (guint) frames, (guint) width, (guint) height, &cpu[order[i]][round], &copied[order[i]][round]))
        return 1;
  }

  printf ("bench-heapwisepool: %dx%d BGRx, vivid -> vkms, %d rounds of %d frames, seed %d (order shuffled per round)\n",
      width, height, rounds, frames, seed);
  printf ("%-14s %16s %16s %18s %14s\n", "side", "CPU/frame med", "CPU/frame p99", "copied/frame max", "× better mode");
  {
    gdouble medians[SIDES], p99[SIDES], most_copied[SIDES];
    for (gint side = 0; side < SIDES; side++) {
      most_copied[side] = quantile (copied[side], rounds, 1.0);
      p99[side] = quantile (cpu[side], rounds, 0.99);
      medians[side] = quantile (cpu[side], rounds, 0.5);
    }
    best = MIN (medians[DMABUF], medians[DMABUF_IMPORT]);
    for (gint side = 0; side < SIDES; side++)
      printf ("%-14s %13.1f µs %13.1f µs %15.0f B %14.3f\n", side_names[side], medians[side] * 1e6, p99[side] * 1e6,
          most_copied[side], medians[side] / best);
    printf ("bench-heapwisepool: heapwise/%s = %.3f (target ≤ 1.05), control/dmabuf-import = %.3f, heapwise copied %.0f B/frame (target 0)\n",
        medians[DMABUF] <= medians[DMABUF_IMPORT] ? "dmabuf" : "dmabuf-import", medians[HEAPWISE] / best,
        medians[CONTROL] / medians[DMABUF_IMPORT], most_copied[HEAPWISE]);
  }
  {
    GHashTableIter iter;
    gpointer report, count;
    g_hash_table_iter_init (&iter, copy_reports);
    while (g_hash_table_iter_next (&iter, &report, &count))
      printf ("copy reported %d times in all: %s\n", GPOINTER_TO_INT (count), (const gchar *) report);
  }
  for (gint side = 0; side < SIDES; side++) {
    g_free (cpu[side]);
    g_free (copied[side]);
  }
  g_rand_free (random);
  g_free (device);
  return 0;
}
