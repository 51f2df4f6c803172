/* SPDX-License-Identifier: MIT */
#include "gstheapwisepool.h"
#include "gstheapwisebufferpool.h"
#include "gstheapwiseneighbours.h"
#include "gstheapwiseplanning.h"
#include "gstheapwisesession.h"

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_EXTERN (gst_heapwise_debug);
#define GST_CAT_DEFAULT gst_heapwise_debug

#define DEFAULT_IMAGES 4
#define DEFAULT_SOCKET "/run/heapwise/heapwise.sock"

enum
{
  PROP_0,
  PROP_PARTICIPANTS,
  PROP_PROBE_NEIGHBOURS,
  PROP_PROFILE_DIRECTORIES,
  PROP_HEAP_CATALOG,
  PROP_HINTS,
  PROP_BROKER,
  PROP_BROKER_SOCKET,
  PROP_IMAGES,
  PROP_PLAN,
  PROP_BUFFER_SOURCE,
};

struct _GstHeapwisePool
{
  GstBaseTransform parent;

  /* Properties, under the object lock. */
  gchar *participants;
  gboolean probe_neighbours;
  gchar *profile_directories;
  gchar *heap_catalog;
  gchar *hints;
  GstHeapwiseBrokerMode broker;
  gchar *broker_socket;
  guint images;

  /* Caps queries come from both streaming threads and the application's, while the state
   * changes in another: everything from here down is used under this lock (recursive: a
   * neighbour may query caps back from within a call made under it). */
  GRecMutex state_lock;

  /* From start to stop. */
  GstHeapwiseSession *session;
  GPtrArray *devices;
  /* The plan at the last size asked, with no format fixed (NULL: the pipeline cannot be
   * planned), and the formats a caps query at that size may offer (NULL: none). Caps queries
   * and the caps that follow them are answered from it, so the devices are probed once. */
  guint offered_width, offered_height;
  heapwise_plan *offered_plan;
  GPtrArray *offered;
  gboolean offered_known;
  /* The last size a no-plan warning was posted for. */
  guint warned_width, warned_height;
  /* The negotiated caps' plan, its JSON and the pool serving it (both set under the object
   * lock, for the read-only properties). */
  GstHeapwisePlan *plan;
  gchar *plan_json;
  GstBufferPool *pool;
  guint64 owner;
};

#define gst_heapwise_pool_parent_class parent_class
G_DEFINE_TYPE (GstHeapwisePool, gst_heapwise_pool, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (heapwisepool, "heapwisepool", GST_RANK_NONE, GST_TYPE_HEAPWISE_POOL);

/* Classic raw video in system memory: what GStreamer 1.22 negotiates dma-bufs with. */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_VIDEO_FORMATS_ALL)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_VIDEO_FORMATS_ALL)));

GType
gst_heapwise_broker_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_HEAPWISE_BROKER_AUTOMATIC, "Through the broker when this user may open none of this machine's heaps", "automatic"},
    {GST_HEAPWISE_BROKER_ALWAYS, "Always through the broker at broker-socket", "always"},
    {GST_HEAPWISE_BROKER_NEVER, "Never: plan and allocate in this process", "never"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstHeapwiseBrokerMode", values));
  return type;
}

/* Reports a Heapwise error as the element's error: the message, then the remedy (when the
 * error has one) and its stable number. */
#define POST_HEAPWISE_ERROR(self, domain, code, what, error)                                   \
  GST_ELEMENT_ERROR (self, domain, code, ("%s: %s", what, heapwise_error_message (error)),     \
      ("%s%sHeapwise error %d", heapwise_error_remedy (error) ? heapwise_error_remedy (error) : "", \
          heapwise_error_remedy (error) ? "; " : "", heapwise_error_code (error)))

/* ------------------------------------------------------------------------------------------
 * Start and stop: the context, and who takes part
 * ---------------------------------------------------------------------------------------- */

static heapwise_options *
make_options (GstHeapwisePool * self, heapwise_error ** error)
{
  heapwise_options *options = heapwise_options_new ();
  heapwise_status status = HEAPWISE_OK;
  gchar **directories = NULL;

  GST_OBJECT_LOCK (self);
  if (self->profile_directories != NULL)
    directories = g_strsplit (self->profile_directories, ":", -1);
  for (gchar ** directory = directories; directory != NULL && *directory != NULL && status == HEAPWISE_OK; directory++)
    if (**directory != '\0')
      status = heapwise_options_add_profile_directory (options, *directory, error);
  if (status == HEAPWISE_OK && self->heap_catalog != NULL)
    status = heapwise_options_set_heaps (options, HEAPWISE_HEAPS_CATALOG_FILE, self->heap_catalog, error);
  if (status == HEAPWISE_OK && self->hints != NULL && g_strcmp0 (self->hints, "system") != 0)
    status = g_strcmp0 (self->hints, "none") == 0
        ? heapwise_options_set_hints (options, HEAPWISE_HINTS_NONE, NULL, error)
        : heapwise_options_set_hints (options, HEAPWISE_HINTS_FILE, self->hints, error);
  if (status == HEAPWISE_OK) {
    switch (self->broker) {
      case GST_HEAPWISE_BROKER_AUTOMATIC:
        status = heapwise_options_set_broker (options, HEAPWISE_BROKER_AUTOMATIC, self->broker_socket, error);
        break;
      case GST_HEAPWISE_BROKER_ALWAYS:
        status = heapwise_options_set_broker (options, HEAPWISE_BROKER_SOCKET, self->broker_socket, error);
        break;
      case GST_HEAPWISE_BROKER_NEVER:
        status = heapwise_options_set_broker (options, HEAPWISE_BROKER_NEVER, NULL, error);
        break;
    }
  }
  GST_OBJECT_UNLOCK (self);
  g_strfreev (directories);
  if (status != HEAPWISE_OK) {
    heapwise_options_free (options);
    return NULL;
  }
  return options;
}

static void
forget_offer (GstHeapwisePool * self)
{
  if (self->offered_plan != NULL)
    gst_heapwise_session_free_plan (self->session, g_steal_pointer (&self->offered_plan));
  g_clear_pointer (&self->offered, g_ptr_array_unref);
  self->offered_known = FALSE;
}

static void
forget_warnings (GstHeapwisePool * self)
{
  self->warned_width = self->warned_height = 0;
}

static void
clear_plan (GstHeapwisePool * self)
{
  GstBufferPool *pool;
  GST_OBJECT_LOCK (self);
  pool = g_steal_pointer (&self->pool);
  g_clear_pointer (&self->plan_json, g_free);
  GST_OBJECT_UNLOCK (self);
  if (pool != NULL) {
    gst_buffer_pool_set_active (pool, FALSE);
    gst_object_unref (pool);
  }
  g_clear_pointer (&self->plan, gst_heapwise_plan_unref);
}

static gboolean
heapwise_pool_start (GstBaseTransform * trans)
{
  GstHeapwisePool *self = GST_HEAPWISE_POOL (trans);
  heapwise_error *error = NULL;
  heapwise_options *options;
  heapwise_context *context = NULL;
  GPtrArray *devices;
  gchar *participants, *message = NULL;
  gboolean probe;

  options = make_options (self, &error);
  if (options == NULL || heapwise_context_new (options, &context, &error) != HEAPWISE_OK) {
    POST_HEAPWISE_ERROR (self, RESOURCE, SETTINGS, "cannot set up Heapwise", error);
    heapwise_error_free (error);
    heapwise_options_free (options);
    return FALSE;
  }
  heapwise_options_free (options);

  /* Downstream elements have started (a state change goes sink first): kmssink's fd is open. */
  devices = g_ptr_array_new_with_free_func (gst_heapwise_participant_free);
  GST_OBJECT_LOCK (self);
  participants = g_strdup (self->participants);
  probe = self->probe_neighbours;
  GST_OBJECT_UNLOCK (self);
  if (probe)
    gst_heapwise_neighbours_collect (GST_ELEMENT (self), devices);
  if (!gst_heapwise_participants_parse (participants, devices, &message)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", message), ("set participants to DEVICE:USAGE items separated by commas"));
    g_free (message);
    goto fail;
  }
  if (devices->len == 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("no device to plan for: neither neighbour names one, and the participants property is empty"),
        ("name the devices with participants=DEVICE:USAGE,... (a profile name or path, drm:DRIVER, v4l2:/dev/videoN)"));
    goto fail;
  }
  g_free (participants);
  for (guint i = 0; i < devices->len; i++) {
    GstHeapwiseParticipant *participant = g_ptr_array_index (devices, i);
    GST_INFO_OBJECT (self, "participant %s as %s (from %s)", participant->device, participant->usage, participant->origin);
  }
  GST_INFO_OBJECT (self, "planning %s", heapwise_context_route (context) == HEAPWISE_ROUTE_BROKER ? "through the broker" : "in this process");
  g_rec_mutex_lock (&self->state_lock);
  self->session = gst_heapwise_session_new (context);
  self->devices = devices;
  g_rec_mutex_unlock (&self->state_lock);
  return TRUE;

fail:
  /* A failed start is not followed by stop: nothing of it may stay behind. */
  g_free (participants);
  g_ptr_array_unref (devices);
  heapwise_context_free (context);
  return FALSE;
}

static gboolean
heapwise_pool_stop (GstBaseTransform * trans)
{
  GstHeapwisePool *self = GST_HEAPWISE_POOL (trans);
  g_rec_mutex_lock (&self->state_lock);
  clear_plan (self);
  forget_offer (self);
  forget_warnings (self);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_pointer (&self->session, gst_heapwise_session_unref);
  g_rec_mutex_unlock (&self->state_lock);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------
 * Planning
 * ---------------------------------------------------------------------------------------- */

static guint
images (GstHeapwisePool * self)
{
  guint count;
  GST_OBJECT_LOCK (self);
  count = self->images;
  GST_OBJECT_UNLOCK (self);
  return count;
}

/* A plan at a size, or NULL after posting the input error (a profile not found, a device
 * that cannot be probed). With the state lock held. */
static heapwise_plan *
plan_at (GstHeapwisePool * self, guint width, guint height, guint32 fourcc)
{
  heapwise_error *error = NULL;
  heapwise_plan *plan;
  g_mutex_lock (&self->session->lock);
  plan = gst_heapwise_plan_for (self->session->context, self->devices, width, height, images (self), fourcc, &error);
  g_mutex_unlock (&self->session->lock);
  if (plan == NULL) {
    POST_HEAPWISE_ERROR (self, RESOURCE, SETTINGS, "cannot plan this pipeline", error);
    heapwise_error_free (error);
  }
  return plan;
}

/* The plan at a size with no format fixed: made once per size and kept, with the formats it
 * offers (self->offered, best first). NULL when the pipeline cannot be planned (its error is
 * posted once per size). With the state lock held; the plan is the element's. */
static const heapwise_plan *
plan_at_size (GstHeapwisePool * self, guint width, guint height)
{
  heapwise_plan *plan;
  if (self->offered_known && self->offered_width == width && self->offered_height == height)
    return self->offered_plan;
  forget_offer (self);
  self->offered_width = width;
  self->offered_height = height;
  self->offered_known = TRUE;
  plan = self->offered_plan = plan_at (self, width, height, 0);
  if (plan == NULL)
    return NULL;
  self->offered = gst_heapwise_plan_gst_formats (plan);
  if (self->offered->len == 0)
    g_clear_pointer (&self->offered, g_ptr_array_unref);
  /* Neighbours may fail negotiation between themselves before this element's caps are set:
   * say why no buffers can serve them here, once per size. */
  if (!heapwise_plan_is_satisfied (plan) && (self->warned_width != width || self->warned_height != height)) {
    self->warned_width = width;
    self->warned_height = height;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("no buffer layout satisfies every device of this pipeline at %ux%u", width, height),
        ("%s", heapwise_plan_explanation (plan)));
  }
  GST_DEBUG_OBJECT (self, "at %ux%u: %u formats plan", width, height, self->offered ? self->offered->len : 0);
  return plan;
}

/* Both pads take the same caps (buffers pass through): the formats a plan exists for, in
 * Heapwise's order. Where nothing plans, the caps pass unnarrowed, so that negotiation
 * reaches set_caps and fails there with the plan's explanation rather than as a bare
 * not-negotiated. */
static GstCaps *
heapwise_pool_transform_caps (GstBaseTransform * trans, GstPadDirection direction, GstCaps * caps, GstCaps * filter)
{
  GstHeapwisePool *self = GST_HEAPWISE_POOL (trans);
  GstCaps *result = gst_caps_new_empty ();

  g_rec_mutex_lock (&self->state_lock);
  for (guint i = 0; i < gst_caps_get_size (caps); i++) {
    GstCaps *one = gst_caps_copy_nth (caps, i);
    GPtrArray *formats = NULL;
    if (self->session != NULL) {
      guint width, height;
      gst_heapwise_caps_nominal_size (gst_caps_get_structure (caps, i), &width, &height);
      if (plan_at_size (self, width, height) != NULL)
        formats = self->offered;
    }
    result = gst_caps_merge (result, formats != NULL ? gst_heapwise_caps_restrict (one, formats) : gst_caps_ref (one));
    gst_caps_unref (one);
  }
  g_rec_mutex_unlock (&self->state_lock);
  if (filter != NULL) {
    GstCaps *narrowed = gst_caps_intersect_full (result, filter, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (result);
    result = narrowed;
  }
  GST_DEBUG_OBJECT (self, "%s %" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT, direction == GST_PAD_SINK ? "downstream" : "upstream", caps, result);
  return result;
}

static void
post_plan (GstHeapwisePool * self, const heapwise_plan * plan)
{
  const heapwise_choice *choice = heapwise_plan_choice (plan);
  GstStructure *structure = gst_structure_new ("heapwise-plan",
      "json", G_TYPE_STRING, heapwise_plan_json (plan),
      "format", G_TYPE_STRING, heapwise_choice_format (choice),
      "modifier", G_TYPE_UINT64, (guint64) heapwise_choice_modifier (choice),
      "heap", G_TYPE_STRING, heapwise_choice_heap (choice),
      "width", G_TYPE_UINT, heapwise_plan_width (plan),
      "height", G_TYPE_UINT, heapwise_plan_height (plan),
      "count", G_TYPE_UINT, heapwise_plan_count (plan), NULL);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), structure));
  g_object_notify (G_OBJECT (self), "plan");
}

/* The plan for negotiated caps: the formats at that size (as the caps queries saw them), then
 * the plan again with the caps' format fixed, so that its choice is the one negotiated. NULL
 * after posting why not. With the state lock held. */
static heapwise_plan *
plan_for_caps (GstHeapwisePool * self, guint width, guint height, const gchar * format)
{
  const heapwise_plan *plan;
  heapwise_plan *exact = NULL;
  const heapwise_choice *choice;

  if ((plan = plan_at_size (self, width, height)) == NULL)
    return NULL;
  if (!heapwise_plan_is_satisfied (plan)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("no buffer layout satisfies every device of this pipeline at %ux%u", width, height), ("%s", heapwise_plan_explanation (plan)));
    return NULL;
  }
  choice = gst_heapwise_plan_find_choice (plan, format);
  if (choice == NULL) {
    GPtrArray *formats = gst_heapwise_plan_gst_formats (plan);
    gchar *shared;
    g_ptr_array_add (formats, NULL);
    shared = g_strjoinv (", ", (gchar **) formats->pdata);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("%s is not a format every device of this pipeline accepts at %ux%u", format, width, height),
        ("formats they share, best first: %s", formats->len > 1 ? shared : "none that classic caps can carry"));
    g_free (shared);
    g_ptr_array_unref (formats);
    return NULL;
  }
  exact = plan_at (self, width, height, heapwise_choice_fourcc (choice));
  /* Fixing the format cannot lose the plan, nor should it turn up a layout classic caps do
   * not describe; if it does, say so rather than lend tiled buffers as linear ones. */
  if (exact != NULL && (!heapwise_plan_is_satisfied (exact) || heapwise_choice_modifier (heapwise_plan_choice (exact)) != 0
          || g_strcmp0 (heapwise_choice_gst_format (heapwise_plan_choice (exact)), format) != 0)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("no linear %s layout satisfies every device of this pipeline at %ux%u", format, width, height),
        ("%s", heapwise_plan_is_satisfied (exact) ? heapwise_plan_text (exact) : heapwise_plan_explanation (exact)));
    gst_heapwise_session_free_plan (self->session, g_steal_pointer (&exact));
  }
  return exact;
}

static gboolean
heapwise_pool_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps * outcaps)
{
  GstHeapwisePool *self = GST_HEAPWISE_POOL (trans);
  GstVideoInfo info;
  heapwise_plan *exact;
  const gchar *format;
  guint width, height;
  gboolean ok = FALSE;

  if (!gst_video_info_from_caps (&info, incaps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("caps %" GST_PTR_FORMAT " are not raw video", incaps), (NULL));
    return FALSE;
  }
  width = GST_VIDEO_INFO_WIDTH (&info);
  height = GST_VIDEO_INFO_HEIGHT (&info);
  format = gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info));
  g_rec_mutex_lock (&self->state_lock);
  if (self->session == NULL)
    goto done;
  /* The same caps again (a reconfigure): the plan stands, and so does the pool upstream uses. */
  if (self->plan != NULL && heapwise_plan_width (self->plan->plan) == width && heapwise_plan_height (self->plan->plan) == height
      && g_strcmp0 (heapwise_choice_gst_format (heapwise_plan_choice (self->plan->plan)), format) == 0) {
    ok = TRUE;
    goto done;
  }
  if ((exact = plan_for_caps (self, width, height, format)) == NULL)
    goto done;
  clear_plan (self);
  self->plan = gst_heapwise_plan_new (self->session, exact);
  GST_OBJECT_LOCK (self);
  self->plan_json = g_strdup (heapwise_plan_json (exact));
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "plan for %ux%u %s: %s/%s from %s, %u images", width, height, format, heapwise_choice_format (heapwise_plan_choice (exact)),
      heapwise_choice_modifier_name (heapwise_plan_choice (exact)), heapwise_choice_heap (heapwise_plan_choice (exact)), heapwise_plan_count (exact));
  post_plan (self, exact);
  ok = TRUE;
done:
  g_rec_mutex_unlock (&self->state_lock);
  return ok;
}

/* ------------------------------------------------------------------------------------------
 * Allocation
 * ---------------------------------------------------------------------------------------- */

/* Upstream asks how to allocate: downstream is asked first (its minimum and the metas it
 * reads), then the plan's pool is offered with both. Buffers pass through unchanged, so the
 * metas upstream may add are the ones downstream understands, plus GstVideoMeta, which every
 * buffer of the pool carries. */
static gboolean
heapwise_pool_propose_allocation (GstBaseTransform * trans, GstQuery * decide_query, GstQuery * query)
{
  GstHeapwisePool *self = GST_HEAPWISE_POOL (trans);
  GstCaps *caps;
  gboolean need_pool;
  GstQuery *downstream;
  GstVideoInfo info;
  guint min = 0, size;
  GstStructure *config;
  const heapwise_choice *choice;

  gst_query_parse_allocation (query, &caps, &need_pool);
  if (caps == NULL || !gst_video_info_from_caps (&info, caps))
    return FALSE;

  /* Downstream first, without the state lock: its answer needs nothing of this element's. */
  downstream = gst_query_new_allocation (caps, FALSE);
  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SRC_PAD (trans), downstream)) {
    for (guint i = 0; i < gst_query_get_n_allocation_pools (downstream); i++) {
      guint pool_min;
      gst_query_parse_nth_allocation_pool (downstream, i, NULL, NULL, &pool_min, NULL);
      min = MAX (min, pool_min);
    }
    for (guint i = 0; i < gst_query_get_n_allocation_metas (downstream); i++) {
      const GstStructure *params;
      GType api = gst_query_parse_nth_allocation_meta (downstream, i, &params);
      if (!gst_query_find_allocation_meta (query, api, NULL))
        gst_query_add_allocation_meta (query, api, params);
    }
  }
  gst_query_unref (downstream);
  if (!gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);

  g_rec_mutex_lock (&self->state_lock);
  if (self->plan == NULL || (guint32) GST_VIDEO_INFO_WIDTH (&info) != heapwise_plan_width (self->plan->plan)
      || (guint32) GST_VIDEO_INFO_HEIGHT (&info) != heapwise_plan_height (self->plan->plan)) {
    GST_WARNING_OBJECT (self, "allocation query for %" GST_PTR_FORMAT ", not the negotiated plan's", caps);
    g_rec_mutex_unlock (&self->state_lock);
    return FALSE;
  }
  choice = heapwise_plan_choice (self->plan->plan);
  min = MAX (min, heapwise_plan_count (self->plan->plan));
  size = (guint) heapwise_choice_image_size (choice);
  if (self->pool == NULL) {
    gchar *name = g_strdup_printf ("gst-%s", GST_ELEMENT_NAME (self));
    GstBufferPool *pool = gst_heapwise_buffer_pool_new (self->plan, name, self->owner);
    g_free (name);
    config = gst_buffer_pool_get_config (pool);
    gst_buffer_pool_config_set_params (config, caps, size, min, 0);
    gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);
    if (!gst_buffer_pool_set_config (pool, config)) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("the Heapwise pool refused caps %" GST_PTR_FORMAT, caps), (NULL));
      gst_object_unref (pool);
      g_rec_mutex_unlock (&self->state_lock);
      return FALSE;
    }
    GST_OBJECT_LOCK (self);
    self->pool = pool;
    GST_OBJECT_UNLOCK (self);
  }
  GST_INFO_OBJECT (self, "offering the plan's pool: %u-byte images of %s, at least %u", size, heapwise_choice_format (choice), min);
  gst_query_add_allocation_pool (query, self->pool, size, min, 0);
  g_rec_mutex_unlock (&self->state_lock);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------
 * Properties
 * ---------------------------------------------------------------------------------------- */

static void
heapwise_pool_set_property (GObject * object, guint id, const GValue * value, GParamSpec * pspec)
{
  GstHeapwisePool *self = GST_HEAPWISE_POOL (object);
  GST_OBJECT_LOCK (self);
  switch (id) {
    case PROP_PARTICIPANTS:
      g_free (self->participants);
      self->participants = g_value_dup_string (value);
      break;
    case PROP_PROBE_NEIGHBOURS:
      self->probe_neighbours = g_value_get_boolean (value);
      break;
    case PROP_PROFILE_DIRECTORIES:
      g_free (self->profile_directories);
      self->profile_directories = g_value_dup_string (value);
      break;
    case PROP_HEAP_CATALOG:
      g_free (self->heap_catalog);
      self->heap_catalog = g_value_dup_string (value);
      break;
    case PROP_HINTS:
      g_free (self->hints);
      self->hints = g_value_dup_string (value);
      break;
    case PROP_BROKER:
      self->broker = g_value_get_enum (value);
      break;
    case PROP_BROKER_SOCKET:
      g_free (self->broker_socket);
      self->broker_socket = g_value_dup_string (value);
      break;
    case PROP_IMAGES:
      self->images = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
heapwise_pool_get_property (GObject * object, guint id, GValue * value, GParamSpec * pspec)
{
  GstHeapwisePool *self = GST_HEAPWISE_POOL (object);
  GST_OBJECT_LOCK (self);
  switch (id) {
    case PROP_PARTICIPANTS:
      g_value_set_string (value, self->participants);
      break;
    case PROP_PROBE_NEIGHBOURS:
      g_value_set_boolean (value, self->probe_neighbours);
      break;
    case PROP_PROFILE_DIRECTORIES:
      g_value_set_string (value, self->profile_directories);
      break;
    case PROP_HEAP_CATALOG:
      g_value_set_string (value, self->heap_catalog);
      break;
    case PROP_HINTS:
      g_value_set_string (value, self->hints);
      break;
    case PROP_BROKER:
      g_value_set_enum (value, self->broker);
      break;
    case PROP_BROKER_SOCKET:
      g_value_set_string (value, self->broker_socket);
      break;
    case PROP_IMAGES:
      g_value_set_uint (value, self->images);
      break;
    case PROP_PLAN:
      g_value_set_string (value, self->plan_json);
      break;
    case PROP_BUFFER_SOURCE:
      if (self->pool != NULL)
        g_value_take_string (value, gst_heapwise_buffer_pool_dup_source (GST_HEAPWISE_BUFFER_POOL (self->pool)));
      else
        g_value_set_string (value, NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
heapwise_pool_finalize (GObject * object)
{
  GstHeapwisePool *self = GST_HEAPWISE_POOL (object);
  g_free (self->participants);
  g_free (self->profile_directories);
  g_free (self->heap_catalog);
  g_free (self->hints);
  g_free (self->broker_socket);
  g_free (self->plan_json);
  g_rec_mutex_clear (&self->state_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_heapwise_pool_class_init (GstHeapwisePoolClass * klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  object_class->set_property = heapwise_pool_set_property;
  object_class->get_property = heapwise_pool_get_property;
  object_class->finalize = heapwise_pool_finalize;

  g_object_class_install_property (object_class, PROP_PARTICIPANTS,
      g_param_spec_string ("participants", "Participants",
          "Devices besides the neighbours, as DEVICE:USAGE items separated by commas: a profile name or path, "
          "drm:DRIVER, or v4l2:/dev/videoN, and the usage (write, read, scanout, or the profile's own): "
          "\"hantro-decoder:write,vop2-display:scanout\". Default: none", NULL, rw));
  g_object_class_install_property (object_class, PROP_PROBE_NEIGHBOURS,
      g_param_spec_boolean ("probe-neighbours", "Probe neighbours",
          "Probe the devices the neighbouring elements use (v4l2src/v4l2sink and V4L2 m2m device, kmssink fd, driver-name or bus-id). Default: true",
          TRUE, rw));
  g_object_class_install_property (object_class, PROP_PROFILE_DIRECTORIES,
      g_param_spec_string ("profile-directories", "Profile directories",
          "Directories of device profiles, separated by colons. Default: ./Profiles, then the installed ones", NULL, rw));
  g_object_class_install_property (object_class, PROP_HEAP_CATALOG,
      g_param_spec_string ("heap-catalog", "Heap catalog",
          "A heap catalog file (YAML) to plan against instead of this machine's dma-buf heaps; its buffers are then CPU-only memfd. Default: this machine's heaps",
          NULL, rw));
  g_object_class_install_property (object_class, PROP_HINTS,
      g_param_spec_string ("hints", "Heap hints",
          "Heap hints: \"system\" (/etc/heapwise/heap-hints.yaml when present), \"none\", or a file's path. Default: system",
          "system", rw));
  g_object_class_install_property (object_class, PROP_BROKER,
      g_param_spec_enum ("broker", "Broker", "When to plan and allocate through the allocation broker (heapwise serve). Default: automatic",
          GST_TYPE_HEAPWISE_BROKER_MODE, GST_HEAPWISE_BROKER_AUTOMATIC, rw));
  g_object_class_install_property (object_class, PROP_BROKER_SOCKET,
      g_param_spec_string ("broker-socket", "Broker socket", "The allocation broker's socket. Default: " DEFAULT_SOCKET, DEFAULT_SOCKET, rw));
  g_object_class_install_property (object_class, PROP_IMAGES,
      g_param_spec_uint ("images", "Images",
          "Images the plan is made for; the pool keeps at least this many, or the neighbours' minimum if larger. Default: 4",
          1, 64, DEFAULT_IMAGES, rw));
  g_object_class_install_property (object_class, PROP_PLAN,
      g_param_spec_string ("plan", "Plan", "The negotiated caps' plan, as `heapwise plan --json` prints it (NULL before negotiation)",
          NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (object_class, PROP_BUFFER_SOURCE,
      g_param_spec_string ("buffer-source", "Buffer source",
          "Where the pool's buffers come from: a dma-buf heap's name, \"memfd\" (no heaps here), or \"broker:HEAP\" (NULL before the pool allocates)",
          NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Heapwise buffer pool", "Filter/Video",
      "Passes video through on buffers Heapwise planned for every device of the pipeline: a format, layout and dma-buf heap they all accept",
      "Heapwise <https://github.com/heapwise/heapwise>");

  trans_class->start = GST_DEBUG_FUNCPTR (heapwise_pool_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (heapwise_pool_stop);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (heapwise_pool_transform_caps);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (heapwise_pool_set_caps);
  trans_class->propose_allocation = GST_DEBUG_FUNCPTR (heapwise_pool_propose_allocation);
  trans_class->passthrough_on_same_caps = TRUE;

  gst_type_mark_as_plugin_api (GST_TYPE_HEAPWISE_BROKER_MODE, 0);
}

static void
gst_heapwise_pool_init (GstHeapwisePool * self)
{
  static gint owners;
  self->probe_neighbours = TRUE;
  self->hints = g_strdup ("system");
  self->broker = GST_HEAPWISE_BROKER_AUTOMATIC;
  self->broker_socket = g_strdup (DEFAULT_SOCKET);
  self->images = DEFAULT_IMAGES;
  /* One owner per element: its pool's images come back to it unzeroed, to another zeroed. */
  self->owner = (guint64) g_atomic_int_add (&owners, 1) + 1;
  g_rec_mutex_init (&self->state_lock);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
