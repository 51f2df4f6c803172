/* SPDX-License-Identifier: MIT */
/*
 * The devices of the elements on both sides of the element, found by walking its pads' peers
 * through elements that only pass buffers on (capsfilter, queue, identity) to the first one
 * that names a device:
 *   - V4L2 elements (v4l2src, v4l2sink, the m2m converters and codecs): their `device` node,
 *     usage "write" upstream (the device fills the buffers), "read" downstream;
 *   - kmssink: the node behind its `fd` (open once it has started), else its `driver-name`,
 *     else the card of its `bus-id`; usage "scanout".
 */
#ifndef GST_HEAPWISE_NEIGHBOURS_H
#define GST_HEAPWISE_NEIGHBOURS_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* Appends a GstHeapwiseParticipant for each neighbour that names a device; logs the others. */
void gst_heapwise_neighbours_collect (GstElement * element, GPtrArray * participants);

/* The DRM card node whose device is `bus_id` ("0000:00:02.0", "vkms"), or NULL. */
gchar *gst_heapwise_drm_node_for_bus_id (const gchar * bus_id);

G_END_DECLS

#endif
