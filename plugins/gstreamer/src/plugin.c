/* SPDX-License-Identifier: MIT */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include "gstheapwisepool.h"

GST_DEBUG_CATEGORY (gst_heapwise_debug);

static gboolean
plugin_init (GstPlugin * plugin)
{
  GST_DEBUG_CATEGORY_INIT (gst_heapwise_debug, "heapwisepool", 0, "Heapwise pipeline-wide buffer planning and pools");
  return GST_ELEMENT_REGISTER (heapwisepool, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, heapwise,
    "Buffers every device of a pipeline accepts, planned and allocated by Heapwise",
    plugin_init, PACKAGE_VERSION, "MIT/X11", "Heapwise", "https://github.com/heapwise/heapwise")
