/* SPDX-License-Identifier: MIT */
#include "gstheapwiseneighbours.h"
#include "gstheapwiseplanning.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_heapwise_debug);
#define GST_CAT_DEFAULT gst_heapwise_debug

/* The element beyond `pad`'s peer, seen through ghost pads; NULL at an unlinked pad. */
static GstElement *
element_beyond (GstPad * pad)
{
  GstPad *peer = gst_pad_get_peer (pad);
  GstElement *element;
  while (peer != NULL && GST_IS_GHOST_PAD (peer)) {
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (peer));
    gst_object_unref (peer);
    peer = target;
  }
  if (peer == NULL)
    return NULL;
  element = gst_pad_get_parent_element (peer);
  gst_object_unref (peer);
  return element;
}

static gboolean
has_property (GstElement * element, const gchar * name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (element), name) != NULL;
}

static const gchar *
factory_name (GstElement * element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  return factory != NULL ? gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)) : "";
}

gchar *
gst_heapwise_drm_node_for_bus_id (const gchar * bus_id)
{
  GDir *cards = g_dir_open ("/sys/class/drm", 0, NULL);
  const gchar *name;
  gchar *node = NULL;
  if (cards == NULL)
    return NULL;
  while (node == NULL && (name = g_dir_read_name (cards)) != NULL) {
    gchar *link, *target;
    if (!g_str_has_prefix (name, "card") || strchr (name, '-') != NULL)
      continue;
    link = g_strdup_printf ("/sys/class/drm/%s/device", name);
    target = g_file_read_link (link, NULL);
    if (target != NULL) {
      gchar *base = g_path_get_basename (target);
      if (g_strcmp0 (base, bus_id) == 0)
        node = g_strdup_printf ("/dev/dri/%s", name);
      g_free (base);
    }
    g_free (target);
    g_free (link);
  }
  g_dir_close (cards);
  return node;
}

/* kmssink's device: the node its open fd names, else its driver, else its bus id's card. */
static gchar *
kms_device (GstElement * sink)
{
  gint fd = -1;
  gchar *driver = NULL, *bus_id = NULL, *device = NULL;
  if (has_property (sink, "fd"))
    g_object_get (sink, "fd", &fd, NULL);
  g_object_get (sink, "driver-name", &driver, "bus-id", &bus_id, NULL);
  if (fd >= 0) {
    gchar *link = g_strdup_printf ("/proc/self/fd/%d", fd);
    gchar *path = g_file_read_link (link, NULL);
    if (path != NULL && g_str_has_prefix (path, "/dev/"))
      device = g_strconcat ("drm:", path, NULL);
    g_free (path);
    g_free (link);
  }
  if (device == NULL && driver != NULL && *driver != '\0')
    device = g_strconcat ("drm:", driver, NULL);
  if (device == NULL && bus_id != NULL && *bus_id != '\0') {
    gchar *node = gst_heapwise_drm_node_for_bus_id (bus_id);
    if (node != NULL)
      device = g_strconcat ("drm:", node, NULL);
    g_free (node);
  }
  g_free (driver);
  g_free (bus_id);
  return device;
}

/* Walks from `pad` (one of `self`'s) away from it, adding the first device found. */
static void
collect_side (GstElement * self, GstPad * pad, gboolean upstream, GPtrArray * participants)
{
  GstElement *element = element_beyond (pad);
  guint hops = 0;

  while (element != NULL && hops++ < 16) {
    const gchar *factory = factory_name (element);
    gchar *device = NULL, *origin;
    const gchar *usage;
    GstPad *next;
    GstIterator *pads;
    GValue item = G_VALUE_INIT;

    if (g_str_has_prefix (factory, "v4l2") && has_property (element, "device")) {
      gchar *node = NULL;
      g_object_get (element, "device", &node, NULL);
      if (node != NULL)
        device = g_strconcat ("v4l2:", node, NULL);
      g_free (node);
      usage = upstream ? "write" : "read";
    } else if (g_str_equal (factory, "kmssink")) {
      device = kms_device (element);
      usage = "scanout";
    } else {
      usage = NULL;
    }
    if (device != NULL) {
      origin = g_strdup_printf ("%s's device", GST_ELEMENT_NAME (element));
      GST_INFO_OBJECT (self, "%s neighbour %s: %s as %s", upstream ? "upstream" : "downstream", GST_ELEMENT_NAME (element), device, usage);
      g_ptr_array_add (participants, gst_heapwise_participant_new (device, usage, origin));
      g_free (origin);
      g_free (device);
      gst_object_unref (element);
      return;
    }
    /* Only an element with one pad each way passes the same buffers on. */
    if (element->numsinkpads != 1 || element->numsrcpads != 1) {
      GST_INFO_OBJECT (self, "%s neighbour %s (%s) names no device; name it with participants=DEVICE:USAGE",
          upstream ? "upstream" : "downstream", GST_ELEMENT_NAME (element), factory);
      gst_object_unref (element);
      return;
    }
    pads = upstream ? gst_element_iterate_sink_pads (element) : gst_element_iterate_src_pads (element);
    next = NULL;
    if (gst_iterator_next (pads, &item) == GST_ITERATOR_OK) {
      next = g_value_dup_object (&item);
      g_value_unset (&item);
    }
    gst_iterator_free (pads);
    gst_object_unref (element);
    element = next != NULL ? element_beyond (next) : NULL;
    if (next != NULL)
      gst_object_unref (next);
  }
  if (element != NULL)
    gst_object_unref (element);
}

void
gst_heapwise_neighbours_collect (GstElement * element, GPtrArray * participants)
{
  GstPad *sink = gst_element_get_static_pad (element, "sink");
  GstPad *src = gst_element_get_static_pad (element, "src");
  collect_side (element, sink, TRUE, participants);
  collect_side (element, src, FALSE, participants);
  gst_object_unref (sink);
  gst_object_unref (src);
}
