/* SPDX-License-Identifier: MIT */
#include "gstheapwisebufferpool.h"

#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

GST_DEBUG_CATEGORY_EXTERN (gst_heapwise_debug);
#define GST_CAT_DEFAULT gst_heapwise_debug

/* The broker's allocations hold plan-count images each and are freed whole: shared by the
 * leases of their images. */
typedef struct {
  GstHeapwiseSession *session;
  heapwise_allocation *allocation;
} SharedAllocation;

/* One image lent to a GstBuffer, released when the last of its memories is freed (a memory
 * can outlive its buffer, so the release follows the memories, each holding a reference). */
typedef struct {
  GstHeapwiseSession *session;
  heapwise_image *image;           /* from a heapwise_pool, or NULL */
  SharedAllocation *allocation;    /* from the broker, or NULL */
  gsize index;                     /* the image's index in `allocation` */
} Lease;

struct _GstHeapwiseBufferPool
{
  GstBufferPool parent;

  GstHeapwisePlan *plan;
  gchar *name;
  guint64 owner;
  GstVideoInfo info;
  /* The plan's layout as GstVideoMeta takes it: offsets from the start of the GstBuffer. */
  guint n_planes;
  gsize offsets[GST_VIDEO_MAX_PLANES];
  gint strides[GST_VIDEO_MAX_PLANES];

  GstAllocator *allocator;
  gboolean dmabuf;
  heapwise_pool *pool;
  /* Broker route: images of the last allocation not yet given to a buffer. */
  SharedAllocation *allocation;
  gsize next_image;
  /* Images acquired: each is named NAME.N (its dma-bufs NAME.N-0.B in fdinfo). */
  guint acquired;
  /* Under the object lock: read from other threads (the element's buffer-source). */
  gchar *source;
};

G_DEFINE_TYPE (GstHeapwiseBufferPool, gst_heapwise_buffer_pool, GST_TYPE_BUFFER_POOL);

static void release_sources (GstHeapwiseBufferPool * self);

/* The qdata by which each memory holds its image's lease (set in class_init). */
static GQuark lease_quark;

static void
shared_allocation_clear (gpointer data)
{
  SharedAllocation *shared = data;
  g_mutex_lock (&shared->session->lock);
  heapwise_allocation_free (shared->allocation);
  g_mutex_unlock (&shared->session->lock);
  gst_heapwise_session_unref (shared->session);
}

static void
lease_clear (gpointer data)
{
  Lease *lease = data;
  if (lease->image != NULL) {
    g_mutex_lock (&lease->session->lock);
    /* Kept for this pool's owner; another owner gets it zeroed (heapwise_pool's rule). */
    heapwise_image_release (lease->image, true);
    g_mutex_unlock (&lease->session->lock);
  }
  if (lease->allocation != NULL)
    g_atomic_rc_box_release_full (lease->allocation, shared_allocation_clear);
  gst_heapwise_session_unref (lease->session);
}

static void
lease_unref (gpointer lease)
{
  g_atomic_rc_box_release_full (lease, lease_clear);
}

static heapwise_buffer *
lease_buffer (Lease * lease, gsize buffer)
{
  if (lease->image != NULL)
    return heapwise_image_buffer (lease->image, buffer);
  return heapwise_allocation_buffer (lease->allocation->allocation, lease->index, buffer);
}

GstBufferPool *
gst_heapwise_buffer_pool_new (GstHeapwisePlan * plan, const gchar * name, guint64 owner)
{
  GstHeapwiseBufferPool *self = g_object_new (GST_TYPE_HEAPWISE_BUFFER_POOL, NULL);
  const heapwise_choice *choice = heapwise_plan_choice (plan->plan);
  gsize before[4] = { 0 };

  gst_object_ref_sink (self);
  self->plan = gst_heapwise_plan_ref (plan);
  self->name = g_strdup (name);
  self->owner = owner;
  /* Each buffer's start within the GstBuffer (its memories in order). */
  for (gsize b = 1; b < heapwise_choice_buffer_count (choice) && b < 4; b++)
    before[b] = before[b - 1] + heapwise_choice_buffer_size (choice, b - 1);
  self->n_planes = MIN (heapwise_choice_plane_count (choice), GST_VIDEO_MAX_PLANES);
  for (guint p = 0; p < self->n_planes; p++) {
    heapwise_plane plane;
    if (heapwise_choice_plane (choice, p, &plane)) {
      self->offsets[p] = before[MIN (plane.buffer, 3)] + plane.offset;
      self->strides[p] = (gint) plane.stride;
    }
  }
  return GST_BUFFER_POOL (self);
}

gchar *
gst_heapwise_buffer_pool_dup_source (GstHeapwiseBufferPool * pool)
{
  gchar *source;
  GST_OBJECT_LOCK (pool);
  source = g_strdup (pool->source);
  GST_OBJECT_UNLOCK (pool);
  return source;
}

static void
set_source (GstHeapwiseBufferPool * self, gchar * source)
{
  GST_OBJECT_LOCK (self);
  g_free (self->source);
  self->source = source;
  GST_OBJECT_UNLOCK (self);
}

static const gchar **
pool_get_options (GstBufferPool * pool)
{
  static const gchar *options[] = { GST_BUFFER_POOL_OPTION_VIDEO_META, NULL };
  return options;
}

/* Takes only the plan's own caps: a pool of fixed-layout dma-bufs cannot serve another size
 * or format; the element makes a new pool (and plan) for new caps. */
static gboolean
pool_set_config (GstBufferPool * pool, GstStructure * config)
{
  GstHeapwiseBufferPool *self = GST_HEAPWISE_BUFFER_POOL (pool);
  const heapwise_choice *choice = heapwise_plan_choice (self->plan->plan);
  GstCaps *caps = NULL;
  guint size, min, max;
  GstVideoInfo info;

  if (!gst_buffer_pool_config_get_params (config, &caps, &size, &min, &max) || caps == NULL
      || !gst_video_info_from_caps (&info, caps)) {
    GST_WARNING_OBJECT (pool, "configuration without video caps: %" GST_PTR_FORMAT, config);
    return FALSE;
  }
  if ((guint32) info.width != heapwise_plan_width (self->plan->plan)
      || (guint32) info.height != heapwise_plan_height (self->plan->plan)
      || g_strcmp0 (gst_video_format_to_string (info.finfo->format), heapwise_choice_gst_format (choice)) != 0) {
    GST_WARNING_OBJECT (pool, "caps %" GST_PTR_FORMAT " are not the plan's %ux%u %s", caps,
        heapwise_plan_width (self->plan->plan), heapwise_plan_height (self->plan->plan), heapwise_choice_format (choice));
    return FALSE;
  }
  self->info = info;
  /* A buffer is the whole image, whatever size the caller asked for. */
  gst_buffer_pool_config_set_params (config, caps, (guint) heapwise_choice_image_size (choice), min, max);
  return GST_BUFFER_POOL_CLASS (gst_heapwise_buffer_pool_parent_class)->set_config (pool, config);
}

static gboolean
pool_start (GstBufferPool * pool)
{
  GstHeapwiseBufferPool *self = GST_HEAPWISE_BUFFER_POOL (pool);
  GstHeapwiseSession *session = self->plan->session;
  GstStructure *config = gst_buffer_pool_get_config (pool);
  guint size, min, max;
  heapwise_error *error = NULL;
  heapwise_status status = HEAPWISE_OK;
  gboolean broker;

  gst_buffer_pool_config_get_params (config, NULL, &size, &min, &max);
  gst_structure_free (config);

  g_mutex_lock (&session->lock);
  broker = heapwise_context_route (session->context) != HEAPWISE_ROUTE_IN_PROCESS;
  if (!broker) {
    guint idle = MAX (min, heapwise_plan_count (self->plan->plan));
    status = heapwise_context_pool_new (session->context, self->plan->plan, idle, &self->pool, &error);
    if (status == HEAPWISE_OK)
      set_source (self, g_strdup (heapwise_pool_heap (self->pool)));
  }
  g_mutex_unlock (&session->lock);
  if (status != HEAPWISE_OK) {
    GST_ERROR_OBJECT (pool, "cannot make a Heapwise pool: %s (%s)", heapwise_error_message (error),
        heapwise_error_remedy (error));
    heapwise_error_free (error);
    return FALSE;
  }
  /* memfd is not a dma-buf: plain fd memory, which no element will try to import. The broker
   * lends dma-bufs only. */
  self->dmabuf = broker || g_strcmp0 (self->source, "memfd") != 0;
  self->allocator = self->dmabuf ? gst_dmabuf_allocator_new () : gst_fd_allocator_new ();
  GST_INFO_OBJECT (pool, "buffers of %s from %s, at least %u, at most %u (0: no limit)", heapwise_choice_format (heapwise_plan_choice (self->plan->plan)),
      broker ? "the broker" : self->source, min, max);
  /* The parent allocates the minimum now; when that fails GstBufferPool does not stop us. */
  if (!GST_BUFFER_POOL_CLASS (gst_heapwise_buffer_pool_parent_class)->start (pool)) {
    release_sources (self);
    return FALSE;
  }
  return TRUE;
}

/* The next image for a buffer, with the session's lock held. A broker allocation this pool
 * no longer lends from comes back in `retired`, to be released once the lock is dropped (its
 * last release frees it, which takes the lock). */
static Lease *
next_lease (GstHeapwiseBufferPool * self, heapwise_error ** error, SharedAllocation ** retired)
{
  GstHeapwiseSession *session = self->plan->session;
  Lease *lease;

  if (self->pool != NULL) {
    heapwise_image *image = NULL;
    gchar *name = g_strdup_printf ("%s.%u", self->name, self->acquired++);
    heapwise_status status = heapwise_pool_acquire (self->pool, self->owner, name, &image, error);
    g_free (name);
    if (status != HEAPWISE_OK)
      return NULL;
    lease = g_atomic_rc_box_new0 (Lease);
    lease->image = image;
  } else {
    /* The broker lends a plan's images together: take the next, allocating when all are out. */
    if (self->allocation == NULL
        || self->next_image >= heapwise_allocation_image_count (self->allocation->allocation)) {
      heapwise_allocation *allocation = NULL;
      if (heapwise_context_allocate (session->context, self->plan->plan, self->name, &allocation, error) != HEAPWISE_OK)
        return NULL;
      *retired = self->allocation;
      self->allocation = g_atomic_rc_box_new0 (SharedAllocation);
      self->allocation->session = gst_heapwise_session_ref (session);
      self->allocation->allocation = allocation;
      self->next_image = 0;
      set_source (self, g_strconcat ("broker:", heapwise_allocation_heap (allocation), NULL));
    }
    lease = g_atomic_rc_box_new0 (Lease);
    lease->allocation = g_atomic_rc_box_acquire (self->allocation);
    lease->index = self->next_image++;
  }
  lease->session = gst_heapwise_session_ref (session);
  return lease;
}

static GstFlowReturn
pool_alloc_buffer (GstBufferPool * pool, GstBuffer ** out, GstBufferPoolAcquireParams * params)
{
  GstHeapwiseBufferPool *self = GST_HEAPWISE_BUFFER_POOL (pool);
  GstHeapwiseSession *session = self->plan->session;
  const heapwise_choice *choice = heapwise_plan_choice (self->plan->plan);
  gsize count = MIN (heapwise_choice_buffer_count (choice), GST_VIDEO_MAX_PLANES);
  heapwise_error *error = NULL;
  SharedAllocation *retired = NULL;
  gint fds[GST_VIDEO_MAX_PLANES];
  guint64 inodes[GST_VIDEO_MAX_PLANES];
  GstBuffer *buffer;
  Lease *lease;

  /* Every call on what the context made, under its lock: the buffers' descriptors are read
   * here and stay open as long as the lease, which each memory holds. */
  g_mutex_lock (&session->lock);
  lease = next_lease (self, &error, &retired);
  for (gsize b = 0; lease != NULL && b < count; b++) {
    heapwise_buffer *dmabuf = lease_buffer (lease, b);
    fds[b] = heapwise_buffer_fd (dmabuf);
    inodes[b] = heapwise_buffer_inode (dmabuf);
  }
  g_mutex_unlock (&session->lock);
  if (retired != NULL)
    g_atomic_rc_box_release_full (retired, shared_allocation_clear);
  if (lease == NULL) {
    GST_ERROR_OBJECT (pool, "no buffer: %s (%s)", heapwise_error_message (error),
        heapwise_error_remedy (error));
    heapwise_error_free (error);
    return GST_FLOW_ERROR;
  }

  buffer = gst_buffer_new ();
  for (gsize b = 0; b < count; b++) {
    /* The plan's size, on which the video meta's offsets are counted; the dma-buf itself may
     * be larger (a pool rounds to pages). */
    gsize size = (gsize) heapwise_choice_buffer_size (choice, b);
    GstMemory *memory = self->dmabuf
        ? gst_dmabuf_allocator_alloc_with_flags (self->allocator, fds[b], size, GST_FD_MEMORY_FLAG_DONT_CLOSE)
        : gst_fd_allocator_alloc (self->allocator, fds[b], size, GST_FD_MEMORY_FLAG_DONT_CLOSE);
    gst_mini_object_set_qdata (GST_MINI_OBJECT (memory), lease_quark, g_atomic_rc_box_acquire (lease), lease_unref);
    gst_buffer_append_memory (buffer, memory);
    GST_LOG_OBJECT (pool, "buffer %p memory %" G_GSIZE_FORMAT ": dma-buf inode %" G_GUINT64_FORMAT ", %" G_GSIZE_FORMAT " bytes",
        buffer, b, inodes[b], size);
  }
  lease_unref (lease);
  gst_buffer_add_video_meta_full (buffer, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT (&self->info),
      GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info), self->n_planes, self->offsets, self->strides);
  *out = buffer;
  return GST_FLOW_OK;
}

static void
pool_free_buffer (GstBufferPool * pool, GstBuffer * buffer)
{
  gst_buffer_unref (buffer);
}

/* Lets go of what start made: the broker allocation lent from, the Heapwise pool (its idle
 * images; lent ones stay valid until released) and the allocator. */
static void
release_sources (GstHeapwiseBufferPool * self)
{
  GstHeapwiseSession *session = self->plan->session;
  if (self->allocation != NULL) {
    g_atomic_rc_box_release_full (self->allocation, shared_allocation_clear);
    self->allocation = NULL;
  }
  g_mutex_lock (&session->lock);
  heapwise_pool_free (self->pool);
  self->pool = NULL;
  g_mutex_unlock (&session->lock);
  gst_clear_object (&self->allocator);
}

static gboolean
pool_stop (GstBufferPool * pool)
{
  GstHeapwiseBufferPool *self = GST_HEAPWISE_BUFFER_POOL (pool);
  gboolean stopped = GST_BUFFER_POOL_CLASS (gst_heapwise_buffer_pool_parent_class)->stop (pool);
  release_sources (self);
  return stopped;
}

static void
pool_finalize (GObject * object)
{
  GstHeapwiseBufferPool *self = GST_HEAPWISE_BUFFER_POOL (object);
  /* The plan (and its session) outlive the parent's finalize, which may still stop the pool. */
  GstHeapwisePlan *plan = self->plan;
  g_free (self->name);
  g_free (self->source);
  G_OBJECT_CLASS (gst_heapwise_buffer_pool_parent_class)->finalize (object);
  gst_heapwise_plan_unref (plan);
}

static void
gst_heapwise_buffer_pool_class_init (GstHeapwiseBufferPoolClass * klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  lease_quark = g_quark_from_static_string ("GstHeapwiseLease");
  object_class->finalize = pool_finalize;
  pool_class->get_options = pool_get_options;
  pool_class->set_config = pool_set_config;
  pool_class->start = pool_start;
  pool_class->stop = pool_stop;
  pool_class->alloc_buffer = pool_alloc_buffer;
  pool_class->free_buffer = pool_free_buffer;
}

static void
gst_heapwise_buffer_pool_init (GstHeapwiseBufferPool * self)
{
}
