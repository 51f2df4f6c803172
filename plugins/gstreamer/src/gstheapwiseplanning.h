/* SPDX-License-Identifier: MIT */
/*
 * Planning for the element: who takes part, the plan for a size, and the caps a plan allows.
 */
#ifndef GST_HEAPWISE_PLANNING_H
#define GST_HEAPWISE_PLANNING_H

#include <gst/gst.h>
#include <heapwise/heapwise.h>

G_BEGIN_DECLS

/* One device of the pipeline and what it does to the buffers. */
typedef struct {
  /* What heapwise_pipeline_add_device() takes: a profile name or path, "drm:vkms",
   * "v4l2:/dev/video3". */
  gchar *device;
  /* "write", "read", "scanout", or a profile's own usage name. */
  gchar *usage;
  /* Where it came from, for messages: "v4l2src0's device", "the participants property". */
  gchar *origin;
} GstHeapwiseParticipant;

GstHeapwiseParticipant *gst_heapwise_participant_new (const gchar * device, const gchar * usage, const gchar * origin);
void gst_heapwise_participant_free (gpointer participant);

/* Parses the participants property: DEVICE:USAGE items separated by commas, the usage after
 * the last colon ("hantro-decoder:write,drm:vkms:scanout"). Appends to `participants`; FALSE
 * with `message` set (g_free it) for an item without a device or usage. */
gboolean gst_heapwise_participants_parse (const gchar * text, GPtrArray * participants, gchar ** message);

/* Plans `count` images of width x height for `participants`; `fourcc` non-zero fixes the
 * format. NULL with `error` set for input errors; a plan without a choice says why. */
heapwise_plan *gst_heapwise_plan_for (heapwise_context * context, GPtrArray * participants, guint width, guint height,
    guint count, guint32 fourcc, heapwise_error ** error);

/* The GStreamer formats of the plan's linear choices, best first, each once: what classic
 * caps can carry. Empty for a plan without a choice. */
GPtrArray *gst_heapwise_plan_gst_formats (const heapwise_plan * plan);

/* The plan's linear choice (chosen or alternative) in GStreamer format `format`, or NULL. */
const heapwise_choice *gst_heapwise_plan_find_choice (const heapwise_plan * plan, const gchar * format);

/* `caps` narrowed to `formats`, in their order: each video/x-raw structure in system memory
 * once per format it allows. Other structures pass unchanged. */
GstCaps *gst_heapwise_caps_restrict (const GstCaps * caps, GPtrArray * formats);

/* The size to plan a caps structure at when it does not fix one: its own width and height if
 * fixed, else 640x480 brought into its ranges. */
void gst_heapwise_caps_nominal_size (const GstStructure * structure, guint * width, guint * height);

G_END_DECLS

#endif
