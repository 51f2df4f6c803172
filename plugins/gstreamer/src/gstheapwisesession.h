/* SPDX-License-Identifier: MIT */
/*
 * A Heapwise context shared by the element and the buffer pools it hands out.
 *
 * heapwise.h allows one thread at a time per context; GStreamer calls the element from the
 * application's thread (caps queries, state changes) and the streaming thread (buffers), and
 * a pool can outlive its element (upstream keeps a reference). So the context lives in a
 * reference-counted session and every call on it, or on what it made, holds the session's
 * lock.
 */
#ifndef GST_HEAPWISE_SESSION_H
#define GST_HEAPWISE_SESSION_H

#include <glib.h>
#include <heapwise/heapwise.h>

G_BEGIN_DECLS

typedef struct {
  GMutex lock;
  heapwise_context *context;
} GstHeapwiseSession;

/* A new session owning `context`. */
GstHeapwiseSession *gst_heapwise_session_new (heapwise_context * context);
GstHeapwiseSession *gst_heapwise_session_ref (GstHeapwiseSession * session);
/* Frees the context with the last reference. */
void gst_heapwise_session_unref (GstHeapwiseSession * session);
/* Frees a plan the session's context made (NULL is fine), under the session's lock. */
void gst_heapwise_session_free_plan (GstHeapwiseSession * session, heapwise_plan * plan);

/* A plan shared by the element and its pools: plans do not change once made. */
typedef struct {
  GstHeapwiseSession *session;
  heapwise_plan *plan;
} GstHeapwisePlan;

/* Takes `plan`, made by `session`'s context. */
GstHeapwisePlan *gst_heapwise_plan_new (GstHeapwiseSession * session, heapwise_plan * plan);
GstHeapwisePlan *gst_heapwise_plan_ref (GstHeapwisePlan * plan);
void gst_heapwise_plan_unref (GstHeapwisePlan * plan);

G_END_DECLS

#endif
