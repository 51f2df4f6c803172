/* SPDX-License-Identifier: MIT */
/*
 * heapwisepool: the buffer pool of a link, planned for the whole pipeline.
 *
 * Placed between a producer and a consumer (v4l2src io-mode=dmabuf-import ! heapwisepool !
 * kmssink), it passes buffers through untouched and answers upstream's ALLOCATION query with
 * buffers Heapwise planned for every device on both sides: a format, layout and dma-buf heap
 * they all accept. It is named for what it is to its neighbours, the pool of the link; it
 * never transforms a frame.
 */
#ifndef GST_HEAPWISE_POOL_H
#define GST_HEAPWISE_POOL_H

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_HEAPWISE_POOL (gst_heapwise_pool_get_type ())
G_DECLARE_FINAL_TYPE (GstHeapwisePool, gst_heapwise_pool, GST, HEAPWISE_POOL, GstBaseTransform)

/* How the element reaches the allocation broker (heapwise serve). */
typedef enum {
  /* Through the broker when this machine has heaps but this user may open none of them. */
  GST_HEAPWISE_BROKER_AUTOMATIC = 0,
  /* Always through the broker. */
  GST_HEAPWISE_BROKER_ALWAYS = 1,
  /* Never: plan and allocate in this process. */
  GST_HEAPWISE_BROKER_NEVER = 2,
} GstHeapwiseBrokerMode;

#define GST_TYPE_HEAPWISE_BROKER_MODE (gst_heapwise_broker_mode_get_type ())
GType gst_heapwise_broker_mode_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (heapwisepool);

G_END_DECLS

#endif
