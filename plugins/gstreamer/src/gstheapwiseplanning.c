/* SPDX-License-Identifier: MIT */
#include "gstheapwiseplanning.h"

#include <string.h>

GstHeapwiseParticipant *
gst_heapwise_participant_new (const gchar * device, const gchar * usage, const gchar * origin)
{
  GstHeapwiseParticipant *participant = g_new0 (GstHeapwiseParticipant, 1);
  participant->device = g_strdup (device);
  participant->usage = g_strdup (usage);
  participant->origin = g_strdup (origin);
  return participant;
}

void
gst_heapwise_participant_free (gpointer data)
{
  GstHeapwiseParticipant *participant = data;
  if (participant == NULL)
    return;
  g_free (participant->device);
  g_free (participant->usage);
  g_free (participant->origin);
  g_free (participant);
}

gboolean
gst_heapwise_participants_parse (const gchar * text, GPtrArray * participants, gchar ** message)
{
  gchar **items;
  gboolean ok = TRUE;

  if (text == NULL || *text == '\0')
    return TRUE;
  items = g_strsplit (text, ",", -1);
  for (gchar ** item = items; *item != NULL && ok; item++) {
    gchar *entry = g_strstrip (*item);
    gchar *colon = strrchr (entry, ':');
    if (colon == NULL || colon == entry || colon[1] == '\0') {
      *message = g_strdup_printf ("participants: '%s' is not DEVICE:USAGE (e.g. hantro-decoder:write, drm:vkms:scanout)", entry);
      ok = FALSE;
      break;
    }
    *colon = '\0';
    g_ptr_array_add (participants, gst_heapwise_participant_new (entry, colon + 1, "the participants property"));
  }
  g_strfreev (items);
  return ok;
}

heapwise_plan *
gst_heapwise_plan_for (heapwise_context * context, GPtrArray * participants, guint width, guint height, guint count,
    guint32 fourcc, heapwise_error ** error)
{
  heapwise_pipeline *pipeline = NULL;
  heapwise_plan *plan = NULL;

  if (heapwise_pipeline_new (width, height, count, &pipeline, error) != HEAPWISE_OK)
    return NULL;
  if (fourcc != 0 && heapwise_pipeline_add_format_fourcc (pipeline, fourcc, error) != HEAPWISE_OK)
    goto out;
  for (guint i = 0; i < participants->len; i++) {
    GstHeapwiseParticipant *participant = g_ptr_array_index (participants, i);
    if (heapwise_pipeline_add_device (pipeline, participant->device, participant->usage, error) != HEAPWISE_OK)
      goto out;
  }
  heapwise_context_plan (context, pipeline, &plan, error);
out:
  heapwise_pipeline_free (pipeline);
  return plan;
}

/* The plan's choices, best first: the chosen one, then the alternatives. */
static const heapwise_choice *
plan_choice (const heapwise_plan * plan, gsize index)
{
  if (index == 0)
    return heapwise_plan_choice (plan);
  return heapwise_plan_alternative (plan, index - 1);
}

static gsize
plan_choice_count (const heapwise_plan * plan)
{
  return heapwise_plan_is_satisfied (plan) ? 1 + heapwise_plan_alternative_count (plan) : 0;
}

GPtrArray *
gst_heapwise_plan_gst_formats (const heapwise_plan * plan)
{
  GPtrArray *formats = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; i < plan_choice_count (plan); i++) {
    const heapwise_choice *choice = plan_choice (plan, i);
    const gchar *format = heapwise_choice_gst_format (choice);
    gboolean seen = FALSE;
    if (format == NULL || heapwise_choice_modifier (choice) != 0)
      continue;
    for (guint j = 0; j < formats->len && !seen; j++)
      seen = strcmp (g_ptr_array_index (formats, j), format) == 0;
    if (!seen)
      g_ptr_array_add (formats, g_strdup (format));
  }
  return formats;
}

const heapwise_choice *
gst_heapwise_plan_find_choice (const heapwise_plan * plan, const gchar * format)
{
  for (gsize i = 0; i < plan_choice_count (plan); i++) {
    const heapwise_choice *choice = plan_choice (plan, i);
    if (heapwise_choice_modifier (choice) == 0 && g_strcmp0 (heapwise_choice_gst_format (choice), format) == 0)
      return choice;
  }
  return NULL;
}

/* Whether the structure's format field (absent, a string, or a list) allows `format`. */
static gboolean
structure_allows (const GstStructure * structure, const gchar * format)
{
  GstStructure *probe;
  gboolean allowed;
  if (!gst_structure_has_field (structure, "format"))
    return TRUE;
  probe = gst_structure_new ("video/x-raw", "format", G_TYPE_STRING, format, NULL);
  allowed = gst_structure_can_intersect (probe, structure);
  gst_structure_free (probe);
  return allowed;
}

GstCaps *
gst_heapwise_caps_restrict (const GstCaps * caps, GPtrArray * formats)
{
  GstCaps *result = gst_caps_new_empty ();
  for (guint f = 0; f < formats->len; f++) {
    const gchar *format = g_ptr_array_index (formats, f);
    for (guint i = 0; i < gst_caps_get_size (caps); i++) {
      const GstStructure *structure = gst_caps_get_structure (caps, i);
      GstCapsFeatures *features = gst_caps_get_features (caps, i);
      GstStructure *copy;
      if (!gst_structure_has_name (structure, "video/x-raw")
          || !gst_caps_features_is_equal (features, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY)
          || !structure_allows (structure, format))
        continue;
      copy = gst_structure_copy (structure);
      gst_structure_set (copy, "format", G_TYPE_STRING, format, NULL);
      result = gst_caps_merge_structure_full (result, copy, gst_caps_features_copy (features));
    }
  }
  /* What classic caps cannot describe (other memory, other media) is not ours to narrow. */
  for (guint i = 0; i < gst_caps_get_size (caps); i++) {
    const GstStructure *structure = gst_caps_get_structure (caps, i);
    GstCapsFeatures *features = gst_caps_get_features (caps, i);
    if (!gst_structure_has_name (structure, "video/x-raw")
        || !gst_caps_features_is_equal (features, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY))
      result = gst_caps_merge_structure_full (result, gst_structure_copy (structure), gst_caps_features_copy (features));
  }
  return result;
}

static guint
nominal (const GstStructure * structure, const gchar * field, guint wanted)
{
  const GValue *value = gst_structure_get_value (structure, field);
  if (value == NULL)
    return wanted;
  if (G_VALUE_HOLDS_INT (value))
    return (guint) MAX (g_value_get_int (value), 1);
  if (GST_VALUE_HOLDS_INT_RANGE (value))
    return (guint) CLAMP ((gint) wanted, MAX (gst_value_get_int_range_min (value), 1), gst_value_get_int_range_max (value));
  if (GST_VALUE_HOLDS_LIST (value) && gst_value_list_get_size (value) > 0
      && G_VALUE_HOLDS_INT (gst_value_list_get_value (value, 0)))
    return (guint) MAX (g_value_get_int (gst_value_list_get_value (value, 0)), 1);
  return wanted;
}

void
gst_heapwise_caps_nominal_size (const GstStructure * structure, guint * width, guint * height)
{
  *width = nominal (structure, "width", 640);
  *height = nominal (structure, "height", 480);
}
