/* SPDX-License-Identifier: MIT */
/*
 * GstHeapwiseBufferPool: a GstBufferPool whose buffers are a Heapwise plan's images.
 *
 * Each GstBuffer is one image: one GstDmaBufMemory per dma-buf of the image (several when the
 * plan keeps planes in separate buffers), wrapping the image's own descriptor, and a
 * GstVideoMeta with the plan's offsets and strides. Buffers come from a heapwise_pool in this
 * process (an image released by one owner reaches another zeroed), or from the broker when
 * this user may open no heap; on a machine without dma-buf heaps they are CPU-only memfd
 * buffers, wrapped as plain GstFdMemory so no element mistakes them for dma-bufs.
 */
#ifndef GST_HEAPWISE_BUFFER_POOL_H
#define GST_HEAPWISE_BUFFER_POOL_H

#include <gst/gst.h>
#include "gstheapwisesession.h"

G_BEGIN_DECLS

#define GST_TYPE_HEAPWISE_BUFFER_POOL (gst_heapwise_buffer_pool_get_type ())
G_DECLARE_FINAL_TYPE (GstHeapwiseBufferPool, gst_heapwise_buffer_pool, GST, HEAPWISE_BUFFER_POOL, GstBufferPool)

/* A pool for the chosen layout of `plan` (which must have a choice). Its buffers are named
 * NAME.N-0.BUFFER in /proc/PID/fdinfo for its Nth image (NAME-IMAGE.BUFFER through the broker);
 * `owner` numbers its user for the zeroing rule. */
GstBufferPool *gst_heapwise_buffer_pool_new (GstHeapwisePlan * plan, const gchar * name, guint64 owner);

/* Where the buffers come from: a heap's name, "memfd", or "broker:HEAP" once the broker has
 * allocated (NULL before). A copy: g_free it. */
gchar *gst_heapwise_buffer_pool_dup_source (GstHeapwiseBufferPool * pool);

G_END_DECLS

#endif
