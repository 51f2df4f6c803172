/* SPDX-License-Identifier: MIT */
#include "gstheapwisesession.h"

static void
session_clear (gpointer data)
{
  GstHeapwiseSession *session = data;
  heapwise_context_free (session->context);
  g_mutex_clear (&session->lock);
}

GstHeapwiseSession *
gst_heapwise_session_new (heapwise_context * context)
{
  GstHeapwiseSession *session = g_atomic_rc_box_new0 (GstHeapwiseSession);
  g_mutex_init (&session->lock);
  session->context = context;
  return session;
}

GstHeapwiseSession *
gst_heapwise_session_ref (GstHeapwiseSession * session)
{
  return g_atomic_rc_box_acquire (session);
}

void
gst_heapwise_session_unref (GstHeapwiseSession * session)
{
  if (session != NULL)
    g_atomic_rc_box_release_full (session, session_clear);
}

void
gst_heapwise_session_free_plan (GstHeapwiseSession * session, heapwise_plan * plan)
{
  g_mutex_lock (&session->lock);
  heapwise_plan_free (plan);
  g_mutex_unlock (&session->lock);
}

static void
plan_clear (gpointer data)
{
  GstHeapwisePlan *plan = data;
  gst_heapwise_session_free_plan (plan->session, plan->plan);
  gst_heapwise_session_unref (plan->session);
}

GstHeapwisePlan *
gst_heapwise_plan_new (GstHeapwiseSession * session, heapwise_plan * plan)
{
  GstHeapwisePlan *shared = g_atomic_rc_box_new0 (GstHeapwisePlan);
  shared->session = gst_heapwise_session_ref (session);
  shared->plan = plan;
  return shared;
}

GstHeapwisePlan *
gst_heapwise_plan_ref (GstHeapwisePlan * plan)
{
  return g_atomic_rc_box_acquire (plan);
}

void
gst_heapwise_plan_unref (GstHeapwisePlan * plan)
{
  if (plan != NULL)
    g_atomic_rc_box_release_full (plan, plan_clear);
}
