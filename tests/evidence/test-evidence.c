/* test-evidence.c - evidence export and verification.
 *
 * Clips are generated with the ffmpeg CLI (H.264 with a key frame every
 * 20 frames at 10 fps, so every 2 s; MJPEG in AVI, every frame a key
 * frame) and catalogued in a tiny case built with the catalog API: a
 * camera, the video with its real SHA-256, a track of three sightings with
 * thumbnails. No models are needed. The checks read the clips back with
 * libavformat and compare packets with the source's, byte for byte.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libavformat/avformat.h>
#include <sqlite3.h>

#include <trawl/catalog.h>
#include <trawl/evidence.h>
#include <trawl/image.h>
#include <trawl/video.h>

#include "../common/trawl-test.h"
#include "../../src/base/atomic-private.h"

#define START_UTC 1710512730.0  /* 2024-03-15T14:25:30Z, the test videos' start */

static char *tmpdir;

/* ---- helpers: tools, files ---- */

static gboolean
run_tool (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prog = g_find_program_in_path (argv[0]);
  int status = 0;

  if (prog == NULL)
    {
      g_test_skip ("ffmpeg CLI not installed (needed to generate test clips)");
      return FALSE;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return TRUE;
}

/* A 20 s clip named name (made once per run). kind: "h264" (mp4 or mkv by
 * name, key frame every 2 s, with AAC audio when audio), "mjpeg" (avi). */
static char *
make_clip (const char *name, const char *pattern, gboolean audio)
{
  char *out = g_build_filename (tmpdir, name, NULL);
  g_autofree char *src = g_strdup_printf ("%s=size=160x120:rate=10:duration=20", pattern);
  gboolean mjpeg = g_str_has_suffix (name, ".avi");

  if (g_file_test (out, G_FILE_TEST_EXISTS))
    return out;
  if (mjpeg)
    {
      const char *argv[] = { "ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi",
                             "-i", src, "-c:v", "mjpeg", "-q:v", "5", out, NULL };
      if (!run_tool (argv))
        g_clear_pointer (&out, g_free);
    }
  else if (audio)
    {
      const char *argv[] = { "ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi",
                             "-i", src, "-f", "lavfi", "-i", "sine=frequency=440:duration=20",
                             "-c:v", "libx264", "-g", "20", "-keyint_min", "20",
                             "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac",
                             "-shortest", out, NULL };
      if (!run_tool (argv))
        g_clear_pointer (&out, g_free);
    }
  else
    {
      const char *argv[] = { "ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi",
                             "-i", src, "-c:v", "libx264", "-g", "20", "-keyint_min", "20",
                             "-sc_threshold", "0", "-pix_fmt", "yuv420p", out, NULL };
      if (!run_tool (argv))
        g_clear_pointer (&out, g_free);
    }
  return out;
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (to, data, (gssize) len, NULL));
}

/* A copy of a flat folder (an export), for tampering with. */
static char *
copy_folder (const char *from, const char *name)
{
  char *to = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GDir) d = g_dir_open (from, 0, NULL);
  const char *entry;

  g_assert_cmpint (g_mkdir_with_parents (to, 0755), ==, 0);
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *a = g_build_filename (from, entry, NULL);
      g_autofree char *b = g_build_filename (to, entry, NULL);
      copy_file (a, b);
    }
  return to;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (path, name, NULL);
      remove_tree (p);
    }
  g_rmdir (path);
}

static void
flip_byte (const char *path, goffset at)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpint ((goffset) len, >, at);
  data[at] ^= 0x40;
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

/* ---- helpers: packets ---- */

typedef struct {
  GPtrArray *data;   /* GBytes* of each video packet, in file order */
  double     first_pts, last_pts;
  int        codec_id, width, height;
  GBytes    *extradata;
} Packets;

static void
packets_clear (Packets *p)
{
  g_clear_pointer (&p->data, g_ptr_array_unref);
  g_clear_pointer (&p->extradata, g_bytes_unref);
}

/* The video packets of path whose pts (s from the stream start) lies in
 * [t0, t1); the whole file for t0 = -inf, t1 = inf. */
static Packets
read_packets (const char *path, double t0, double t1)
{
  AVFormatContext *ic = NULL;
  AVPacket *pkt = av_packet_alloc ();
  Packets p = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), NAN, NAN,
                0, 0, 0, NULL };
  AVStream *st;
  gint64 origin;
  int vi;

  g_assert_cmpint (avformat_open_input (&ic, path, NULL, NULL), ==, 0);
  g_assert_cmpint (avformat_find_stream_info (ic, NULL), >=, 0);
  vi = av_find_best_stream (ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  g_assert_cmpint (vi, >=, 0);
  st = ic->streams[vi];
  origin = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
  p.codec_id = st->codecpar->codec_id;
  p.width = st->codecpar->width;
  p.height = st->codecpar->height;
  p.extradata = g_bytes_new (st->codecpar->extradata, st->codecpar->extradata_size);
  while (av_read_frame (ic, pkt) >= 0)
    {
      double t = (pkt->pts - origin) * av_q2d (st->time_base);
      if (pkt->stream_index == vi && t >= t0 - 1e-6 && t < t1 - 1e-6)
        {
          g_ptr_array_add (p.data, g_bytes_new (pkt->data, pkt->size));
          if (isnan (p.first_pts) || t < p.first_pts)
            p.first_pts = t;
          if (isnan (p.last_pts) || t > p.last_pts)
            p.last_pts = t;
        }
      av_packet_unref (pkt);
    }
  av_packet_free (&pkt);
  avformat_close_input (&ic);
  return p;
}

/* The clip's video packets are the source's over [start, end), unchanged,
 * with the same codec parameters. */
static void
assert_stream_copy (const char *src, const char *clip, double start, double end)
{
  Packets a = read_packets (src, start, end);
  Packets b = read_packets (clip, -INFINITY, INFINITY);

  g_assert_cmpint (b.codec_id, ==, a.codec_id);
  g_assert_cmpint (b.width, ==, a.width);
  g_assert_cmpint (b.height, ==, a.height);
  g_assert_true (g_bytes_equal (a.extradata, b.extradata));
  g_assert_cmpuint (a.data->len, >, 0);
  g_assert_cmpuint (b.data->len, ==, a.data->len);
  for (guint i = 0; i < a.data->len; i++)
    g_assert_true (g_bytes_equal (g_ptr_array_index (a.data, i), g_ptr_array_index (b.data, i)));
  packets_clear (&a);
  packets_clear (&b);
}

/* Frames the reader decodes from path. */
static gint64
count_frames (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = trawl_video_reader_open (path, NULL, &error);
  TrawlVideoFrame *f;
  TrawlVideoStats stats;
  gint64 n = 0;

  g_assert_no_error (error);
  while ((f = trawl_video_reader_next (r, &error)) != NULL)
    {
      n++;
      trawl_video_frame_free (f);
    }
  g_assert_no_error (error);
  trawl_video_reader_get_stats (r, &stats);
  g_assert_cmpint (stats.decode_errors, ==, 0);
  return n;
}

/* A copy of the frame of path at pts (within 10 ms); asserts there is one. */
static TrawlImage *
frame_at (const char *path, double pts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = trawl_video_reader_open (path, NULL, &error);
  TrawlImage *img = NULL;
  TrawlVideoFrame *f;

  g_assert_no_error (error);
  while (img == NULL && (f = trawl_video_reader_next (r, &error)) != NULL)
    {
      if (fabs (f->pts_s - pts) < 0.01)
        img = trawl_image_copy (f->image);
      trawl_video_frame_free (f);
    }
  g_assert_no_error (error);
  g_assert_nonnull (img);
  return img;
}

/* ---- helpers: the case ---- */

typedef struct {
  char   *root;       /* scratch folder of the test */
  char   *dir;        /* the case */
  char   *video;      /* the source file the case catalogued */
  gint64  track_id;
  gint64  sighting_ids[3];
} Case;

/* A real 48x32 JPEG (the report decodes thumbnails), shade varying with i. */
static GBytes *
thumb_jpeg (int i)
{
  g_autoptr(TrawlImage) img = trawl_image_new (48, 32);
  g_autoptr(GError) error = NULL;
  guint8 *jpeg;
  gsize len;

  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < 3 * img->width; x++)
      img->data[y * img->stride + x] = (guint8) (40 * i + 2 * x + y);
  jpeg = trawl_image_encode_jpeg (img, 90, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (jpeg, len);
}

/* Catalogues path for camera cam (clock offset offset_s) in cat; returns the video id. */
static gint64
add_video_at (TrawlCatalog *cat, const char *cam, double offset_s, const char *path,
              double start_utc)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = trawl_file_sha256 (path, &error);
  TrawlCatalogVideo v = { 0 };
  GStatBuf sb;
  gint64 camera;

  g_assert_no_error (error);
  g_assert_true (trawl_catalog_ensure_camera (cat, cam, &camera, &error));
  if (offset_s != 0)
    g_assert_true (trawl_catalog_set_camera_clock_offset (cat, camera, offset_s, &error));
  g_assert_cmpint (g_stat (path, &sb), ==, 0);
  v.camera_id = camera;
  v.path = (char *) path;
  v.size = sb.st_size;
  v.sha256 = sha;
  v.duration_s = 20;
  v.codec = (char *) "h264";
  v.width = 160;
  v.height = 120;
  v.fps = 10;
  v.start_time_utc = start_utc;
  v.time_source = TRAWL_TIME_SOURCE_CONTAINER;
  g_assert_true (trawl_catalog_insert_video (cat, &v, &error));
  g_assert_no_error (error);
  return v.id;
}

static gint64
add_video (TrawlCatalog *cat, const char *cam, double offset_s, const char *path)
{
  return add_video_at (cat, cam, offset_s, path, START_UTC);
}

/* A face track in video at pts 8, 9, 10 s, each sighting with a thumbnail. */
static gint64
add_track (TrawlCatalog *cat, gint64 video, gint64 *sightings)
{
  g_autoptr(GError) error = NULL;
  TrawlTrack t = { 0 };

  t.kind = TRAWL_KIND_FACE;
  t.video_id = video;
  t.first_utc = t.last_utc = NAN;
  g_assert_true (trawl_catalog_insert_track (cat, &t, &error));
  for (int i = 0; i < 3; i++)
    {
      TrawlSighting s = { 0 };
      s.track_id = t.id;
      s.video_id = video;
      s.kind = TRAWL_KIND_FACE;
      s.pts_s = 8.0 + i;
      s.utc = START_UTC + s.pts_s;
      s.x = 10, s.y = 10, s.w = 40, s.h = 40;
      s.score = 0.9f;
      s.quality = i == 1 ? 0.9f : 0.5f;
      g_autoptr(GBytes) jpeg = thumb_jpeg (i);
      g_assert_true (trawl_catalog_insert_sighting (cat, &s, &error));
      g_assert_true (trawl_catalog_insert_thumbnail (cat, s.id, g_bytes_get_data (jpeg, NULL),
                                                     g_bytes_get_size (jpeg), &error));
      g_assert_no_error (error);
      sightings[i] = s.id;
    }
  t.first_pts_s = 8.0;
  t.last_pts_s = 10.0;
  t.first_utc = START_UTC + 8;
  t.last_utc = START_UTC + 10;
  t.best_sighting_id = sightings[1];
  t.best_quality = 0.9f;
  t.n_sightings = 3;
  g_assert_true (trawl_catalog_update_track (cat, &t, &error));
  g_assert_no_error (error);
  return t.id;
}

/* A fresh case whose one video is a private copy of the generated clip
 * (so tests may change or remove it). NULL (skipped) without ffmpeg. */
static Case *
case_new (const char *clip_name)
{
  g_autofree char *clip = make_clip (clip_name, "testsrc", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autofree char *ext = NULL;
  Case *c;
  gint64 vid;

  if (clip == NULL)
    return NULL;
  c = g_new0 (Case, 1);
  c->root = g_build_filename (tmpdir, "t-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (c->root));
  c->dir = g_build_filename (c->root, "case", NULL);
  ext = g_strdup (strrchr (clip_name, '.'));
  c->video = g_strdup_printf ("%s/source%s", c->root, ext);
  copy_file (clip, c->video);
  cat = trawl_catalog_open (c->dir, TRAWL_CATALOG_CREATE, &error);
  g_assert_no_error (error);
  vid = add_video (cat, "gate-1", 0, c->video);
  g_assert_true (trawl_catalog_begin_video (cat, vid, &error));
  c->track_id = add_track (cat, vid, c->sighting_ids);
  g_assert_true (trawl_catalog_commit_video (cat, vid, &error));
  g_assert_no_error (error);
  return c;
}

static void
case_free (Case *c)
{
  if (c == NULL)
    return;
  remove_tree (c->root);
  g_free (c->root);
  g_free (c->dir);
  g_free (c->video);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Case, case_free)

static TrawlCatalog *
case_open (Case *c)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat = trawl_catalog_open (c->dir, 0, &error);

  g_assert_no_error (error);
  return cat;
}

/* Exports the case's track to <root>/name; asserts success. */
static TrawlExportResult *
export_track (Case *c, const char *name, gboolean sign)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalog) cat = case_open (c);
  g_autofree char *out = g_build_filename (c->root, name, NULL);
  TrawlExportOptions o;
  TrawlExportResult *r;

  trawl_export_options_init (&o);
  o.track_id = c->track_id;
  o.out_dir = out;
  o.operator_name = "test operator";
  o.query = "face photo suspect.jpg";
  o.sign = sign;
  r = trawl_evidence_export (cat, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static JsonNode *
load_manifest (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "manifest.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) p = json_parser_new ();

  g_assert_true (json_parser_load_from_file (p, path, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (p));
}

static TrawlVerifyReport *
verify (const char *dir, Case *with_case)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  TrawlVerifyReport *r;

  if (with_case != NULL)
    {
      cat = trawl_catalog_open (with_case->dir, TRAWL_CATALOG_READONLY, &error);
      g_assert_no_error (error);
    }
  r = trawl_evidence_verify (dir, cat, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

/* r has a problem about file (and field, when not NULL) whose message
 * contains words. */
static void
assert_problem (const TrawlVerifyReport *r, const char *file, const char *field,
                const char *words)
{
  for (guint i = 0; i < r->problems->len; i++)
    {
      const TrawlVerifyProblem *p = g_ptr_array_index (r->problems, i);
      if (g_strcmp0 (p->file, file) == 0 && (field == NULL || g_strcmp0 (p->field, field) == 0) &&
          strstr (p->message, words) != NULL)
        return;
    }
  for (guint i = 0; i < r->problems->len; i++)
    {
      const TrawlVerifyProblem *p = g_ptr_array_index (r->problems, i);
      g_printerr ("  problem: %s [%s] %s\n", p->file, p->field, p->message);
    }
  g_error ("no problem about %s [%s] saying '%s' (%u problems)", file, field, words,
           r->problems->len);
}

/* No "<out>.partial-*" folders left beside out. */
static void
assert_no_partial (const char *parent)
{
  g_autoptr(GDir) d = g_dir_open (parent, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_assert_null (strstr (name, ".partial-"));
}

/* ---- remux ---- */

static void
test_remux_h264 (void)
{
  g_autofree char *src = make_clip ("k2.mp4", "testsrc", FALSE);
  g_autofree char *dst = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TrawlRemuxResult) r = { 0 };

  if (src == NULL)
    return;
  dst = g_build_filename (tmpdir, "remux-h264.mp4", NULL);
  g_assert_true (trawl_video_remux (src, 7.3, 12.1, dst, &r, NULL, &error));
  g_assert_no_error (error);
  /* key frames every 2 s: the GOPs at 6 and 8, 10, 12 cover 7.3..12.1 */
  g_assert_cmpfloat_with_epsilon (r.requested_start_s, 7.3, 1e-9);
  g_assert_cmpfloat_with_epsilon (r.requested_end_s, 12.1, 1e-9);
  g_assert_cmpfloat_with_epsilon (r.start_s, 6.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (r.end_s, 14.0, 1e-3);
  g_assert_cmpint (r.video_packets, ==, 80);
  g_assert_cmpstr (r.codec, ==, "h264");
  g_assert_cmpstr (r.container, ==, "mp4");
  assert_stream_copy (src, dst, r.start_s, r.end_s);
  g_assert_cmpint (count_frames (dst), ==, 80);
}

static void
test_remux_containers (void)
{
  struct { const char *name; double t0, t1, start, end; } cases[] = {
    { "k2.mkv", 3.0, 5.0, 2.0, 6.0 },     /* ends before the key frame at 6 */
    { "all-key.avi", 3.05, 4.0, 3.0, 4.1 },/* MJPEG: every frame a key frame */
    { "k2.mp4", 0.0, 0.5, 0.0, 2.0 },
    { "k2.mp4", 19.0, 25.0, 18.0, 20.0 }, /* past the end: to the end */
    { "k2.mp4", -5.0, 1.0, 0.0, 2.0 },    /* before the start: from 0 */
    { "k2.mp4", 6.0, 7.0, 6.0, 8.0 },     /* starts on a key frame */
    { "k2.mp4", 6.5, 7.5, 6.0, 8.0 },     /* inside one GOP */
    { "k2.mp4", 5.9, 8.0, 4.0, 10.0 },    /* ends on a key frame: its GOP is in */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *src = make_clip (cases[i].name, "testsrc", FALSE);
      g_autofree char *ext = NULL, *dst = NULL;
      g_autoptr(GError) error = NULL;
      g_auto(TrawlRemuxResult) r = { 0 };

      if (src == NULL)
        return;
      ext = trawl_video_remux_extension (src, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (ext, ==, strrchr (cases[i].name, '.') + 1);
      dst = g_strdup_printf ("%s/remux-%zu.%s", tmpdir, i, ext);
      g_assert_true (trawl_video_remux (src, cases[i].t0, cases[i].t1, dst, &r, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (r.start_s, cases[i].start, 1e-3);
      g_assert_cmpfloat_with_epsilon (r.end_s, cases[i].end, 1e-3);
      g_assert_cmpfloat (r.start_s, <=, MAX (cases[i].t0, 0));
      assert_stream_copy (src, dst, r.start_s, r.end_s);
      g_assert_cmpint (count_frames (dst), ==, r.video_packets);
    }
}

static void
test_remux_audio (void)
{
  g_autofree char *src = make_clip ("av.mp4", "testsrc", TRUE);
  g_autofree char *dst = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(TrawlRemuxResult) r = { 0 };
  AVFormatContext *ic = NULL;

  if (src == NULL)
    return;
  dst = g_build_filename (tmpdir, "remux-av.mp4", NULL);
  g_assert_true (trawl_video_remux (src, 4.5, 7.5, dst, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r.other_packets, >, 0);
  assert_stream_copy (src, dst, r.start_s, r.end_s);
  g_assert_cmpint (avformat_open_input (&ic, dst, NULL, NULL), ==, 0);
  g_assert_cmpint (ic->nb_streams, ==, 2);
  avformat_close_input (&ic);
}

static void
test_remux_errors (void)
{
  g_autofree char *src = make_clip ("k2.mp4", "testsrc", FALSE);
  g_autofree char *dst = NULL, *missing = NULL;
  g_autoptr(GError) error = NULL;
  TrawlRemuxResult r;

  if (src == NULL)
    return;
  dst = g_build_filename (tmpdir, "remux-bad.mp4", NULL);
  g_assert_false (trawl_video_remux (src, 5.0, 5.0, dst, &r, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (trawl_video_remux (src, NAN, 5.0, dst, &r, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (trawl_video_remux (src, 30.0, 40.0, dst, &r, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "outside the video"));
  g_assert_false (g_file_test (dst, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  missing = g_build_filename (tmpdir, "no-such.mp4", NULL);
  g_assert_false (trawl_video_remux (missing, 1.0, 2.0, dst, &r, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (trawl_video_remux (src, 1.0, 2.0, "/proc/no/such/dir/x.mp4", &r, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "/proc/no/such/dir/x.mp4"));
  g_clear_error (&error);
  /* an existing file is never overwritten */
  g_assert_true (g_file_set_contents (dst, "keep", -1, NULL));
  g_assert_false (trawl_video_remux (src, 1.0, 9.0, dst, &r, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  {
    g_autofree char *kept = NULL;
    g_assert_true (g_file_get_contents (dst, &kept, NULL, NULL));
    g_assert_cmpstr (kept, ==, "keep");
  }
}

static void
test_remux_cancel (void)
{
  g_autofree char *src = make_clip ("k2.mp4", "testsrc", FALSE);
  g_autofree char *dst = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  TrawlRemuxResult r;

  if (src == NULL)
    return;
  dst = g_build_filename (tmpdir, "remux-cancel.mp4", NULL);
  g_cancellable_cancel (cancel);
  g_assert_false (trawl_video_remux (src, 0.0, 20.0, dst, &r, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (dst, G_FILE_TEST_EXISTS));
}

/* ---- export ---- */

static void
test_export_track (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlExportResult) r = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *clip = NULL, *clip_sha = NULL, *src_sha = NULL, *best_thumb = NULL;
  JsonObject *m, *cj, *wall;
  JsonArray *req, *act;
  const TrawlExportClip *rc;

  if (c == NULL)
    return;
  r = export_track (c, "ev", FALSE);
  g_assert_cmpuint (r->clips->len, ==, 1);
  g_assert_cmpuint (r->thumbnails->len, ==, 3);
  best_thumb = g_strdup_printf ("thumb-%" G_GINT64_FORMAT ".jpg", c->sighting_ids[1]);
  g_assert_cmpstr (g_ptr_array_index (r->thumbnails, 0), ==, best_thumb);
  g_assert_cmpint (r->audit_id, >, 0);
  g_assert_null (r->public_key);
  rc = g_ptr_array_index (r->clips, 0);
  /* track 8..10 s, 10 s either side: 0..20 requested (clamped), whole file */
  g_assert_cmpfloat_with_epsilon (rc->requested_start_s, 0.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (rc->requested_end_s, 20.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (rc->start_utc, START_UTC + rc->start_s, 1e-6);
  clip = g_build_filename (r->dir, rc->file, NULL);
  assert_stream_copy (c->video, clip, rc->start_s, rc->end_s);
  clip_sha = trawl_file_sha256 (clip, NULL);
  g_assert_cmpstr (clip_sha, ==, rc->sha256);

  root = load_manifest (r->dir);
  m = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (m, "format"), ==, "trawl-evidence/1");
  g_assert_cmpstr (json_object_get_string_member (m, "operator"), ==, "test operator");
  g_assert_cmpstr (json_object_get_string_member (m, "query"), ==, "face photo suspect.jpg");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (m, "case"),
                                                  "name"), ==, "case");
  g_assert_true (json_object_get_null_member (m, "signing"));
  g_assert_nonnull (json_object_get_array_member (m, "models"));
  cj = json_array_get_object_element (json_object_get_array_member (m, "clips"), 0);
  g_assert_cmpstr (json_object_get_string_member (cj, "sha256"), ==, clip_sha);
  g_assert_false (json_object_get_boolean_member (cj, "derived"));
  src_sha = trawl_file_sha256 (c->video, NULL);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (cj, "source"),
                                                  "sha256"), ==, src_sha);
  req = json_object_get_array_member (cj, "requested_pts_s");
  act = json_object_get_array_member (cj, "actual_pts_s");
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (req, 1), 20.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (act, 0), rc->start_s, 1e-9);
  wall = json_object_get_object_member (cj, "wall_clock");
  g_assert_cmpstr (json_object_get_string_member (wall, "time_source"), ==, "container");
  g_assert_cmpstr (json_object_get_string_member (wall, "start_utc"), ==,
                   "2024-03-15T14:25:30.000Z");
  g_assert_nonnull (json_object_get_string_member (wall, "local_offset"));
  {
    g_autoptr(TrawlVerifyReport) v = verify (r->dir, c);
    g_assert_true (trawl_verify_report_ok (v));
    g_assert_cmpint (v->audit_id, ==, r->audit_id);
    g_assert_cmpuint (v->files_checked, ==, 5);  /* clip, 3 thumbnails, README */
  }
}

static void
test_export_sighting_range (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlExportResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *clip = NULL;
  TrawlExportOptions o;
  const TrawlExportClip *rc;

  if (c == NULL)
    return;
  cat = case_open (c);
  out = g_build_filename (c->root, "ev-s", NULL);
  trawl_export_options_init (&o);
  o.sighting_id = c->sighting_ids[0];  /* pts 8 */
  o.before_s = 1.5;
  o.after_s = 3.5;
  o.out_dir = out;
  r = trawl_evidence_export (cat, &o, NULL, &error);
  g_assert_no_error (error);
  rc = g_ptr_array_index (r->clips, 0);
  g_assert_cmpfloat_with_epsilon (rc->requested_start_s, 6.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (rc->requested_end_s, 11.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (rc->start_s, 6.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (rc->end_s, 12.0, 1e-3);
  g_assert_cmpuint (r->thumbnails->len, ==, 1);
  clip = g_build_filename (out, rc->file, NULL);
  assert_stream_copy (c->video, clip, rc->start_s, rc->end_s);
  g_clear_pointer (&r, trawl_export_result_free);

  /* no output folder: one of its own under the case's exports/ */
  o.out_dir = NULL;
  r = trawl_evidence_export (cat, &o, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *exports = g_build_filename (c->dir, "exports", NULL);
    g_autofree char *base = g_path_get_basename (r->dir);
    g_autofree char *prefix = g_strdup_printf ("sighting-%" G_GINT64_FORMAT "-",
                                               c->sighting_ids[0]);
    g_autofree char *parent = g_path_get_dirname (r->dir);
    g_autofree char *canon = g_canonicalize_filename (exports, NULL);
    g_autoptr(TrawlVerifyReport) v = verify (r->dir, NULL);
    g_assert_cmpstr (parent, ==, canon);
    g_assert_true (g_str_has_prefix (base, prefix));
    g_assert_true (trawl_verify_report_ok (v));
  }
}

static void
test_export_changed_source (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  TrawlExportOptions o;

  if (c == NULL)
    return;
  flip_byte (c->video, 5000);
  cat = case_open (c);
  out = g_build_filename (c->root, "ev", NULL);
  trawl_export_options_init (&o);
  o.track_id = c->track_id;
  o.out_dir = out;
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, c->video));
  g_assert_nonnull (strstr (error->message, "CHANGED"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  assert_no_partial (c->root);
  g_clear_error (&error);
  /* a moved (missing) source */
  g_assert_cmpint (g_remove (c->video), ==, 0);
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, c->video));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

static void
test_export_existing_folder (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlExportResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *stale = NULL;
  TrawlExportOptions o;

  if (c == NULL)
    return;
  cat = case_open (c);
  out = g_build_filename (c->root, "ev", NULL);
  stale = g_build_filename (out, "stale.txt", NULL);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  g_assert_true (g_file_set_contents (stale, "old", -1, NULL));
  trawl_export_options_init (&o);
  o.track_id = c->track_id;
  o.out_dir = out;
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "--force"));
  g_assert_true (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  o.force = TRUE;
  r = trawl_evidence_export (cat, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  assert_no_partial (c->root);
  {
    g_autoptr(TrawlVerifyReport) v = verify (out, NULL);
    g_assert_true (trawl_verify_report_ok (v));
  }
}

static void
test_export_bad_input (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  TrawlExportOptions o;
  gint64 audit_before, audit_after;

  if (c == NULL)
    return;
  cat = case_open (c);
  g_assert_true (trawl_catalog_audit_verify (cat, &audit_before, NULL, NULL));
  out = g_build_filename (c->root, "ev", NULL);
  trawl_export_options_init (&o);
  o.out_dir = out;
  /* nothing selected */
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  /* two subjects */
  o.track_id = c->track_id;
  o.sighting_id = c->sighting_ids[0];
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  /* unknown track */
  o.sighting_id = 0;
  o.track_id = 9999;
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "track 9999"));
  g_clear_error (&error);
  /* negative margin */
  o.track_id = c->track_id;
  o.before_s = -1;
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  /* an unwritable place */
  o.before_s = 10;
  o.out_dir = "/proc/trawl-cannot-write/ev";
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "/proc/trawl-cannot-write"));
  g_clear_error (&error);
  /* a window no video covers, an unknown camera */
  o.track_id = 0;
  o.out_dir = out;
  o.from_utc = START_UTC + 100;
  o.to_utc = START_UTC + 110;
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  o.from_utc = START_UTC + 1;
  o.to_utc = START_UTC + 2;
  o.cameras = (const char *const[]) { "no-such-camera", NULL };
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-camera"));
  g_clear_error (&error);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  /* failures are not audited as exports */
  g_assert_true (trawl_catalog_audit_verify (cat, &audit_after, NULL, NULL));
  g_assert_cmpint (audit_after, ==, audit_before);
}

/* A disk that fills up: every atomic write (thumbnails, README, manifest,
 * signature) after the first n fails with ENOSPC. Each failure must leave
 * no folder, nothing partial and no audit row; in the end, with enough
 * room, the export succeeds. */
static int writes_left;

static ssize_t
full_disk_write (int fd, const void *buf, size_t count)
{
  if (writes_left-- <= 0)
    {
      errno = ENOSPC;
      return -1;
    }
  return _trawl_atomic_default_hooks ()->write (fd, buf, count);
}

static void
test_export_full_disk (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autofree char *out = NULL;
  TrawlAtomicHooks hooks;
  TrawlExportOptions o;
  gint64 rows_before, rows_after;
  int n;

  if (c == NULL)
    return;
  cat = case_open (c);
  out = g_build_filename (c->root, "ev", NULL);
  trawl_export_options_init (&o);
  o.track_id = c->track_id;
  o.out_dir = out;
  o.sign = TRUE;
  hooks = *_trawl_atomic_default_hooks ();
  hooks.write = full_disk_write;
  g_assert_true (trawl_catalog_audit_verify (cat, &rows_before, NULL, NULL));
  for (n = 0; n < 20; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TrawlExportResult) r = NULL;
      writes_left = n;
      _trawl_atomic_set_hooks (&hooks);
      r = trawl_evidence_export (cat, &o, NULL, &error);
      _trawl_atomic_set_hooks (NULL);
      if (r != NULL)
        break;
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, g_strerror (ENOSPC)));
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
      assert_no_partial (c->root);
      g_assert_true (trawl_catalog_audit_verify (cat, &rows_after, NULL, NULL));
      g_assert_cmpint (rows_after, ==, rows_before);
    }
  /* 3 thumbnails, README, manifest, signature, and the key file's first write
   * goes through GLib, not the hooks */
  g_assert_cmpint (n, >=, 5);
  g_assert_cmpint (n, <, 20);
  {
    g_autoptr(TrawlVerifyReport) v = verify (out, NULL);
    g_assert_true (trawl_verify_report_ok (v));
  }
}

/* How much redder (R - G, mean over x 14..45) row y of the annotated
 * frame at source time pts is than the source's own frame there. */
static double
redder_row (const char *ann, const char *src, double pts, double ann_start, int y)
{
  g_autoptr(TrawlImage) a = frame_at (ann, pts - ann_start);
  g_autoptr(TrawlImage) b = frame_at (src, pts);
  double redder = 0;

  for (int x = 14; x < 46; x++)
    {
      const guint8 *pa = a->data + y * a->stride + 3 * x, *pb = b->data + y * b->stride + 3 * x;
      redder += ((pa[0] - pa[1]) - (pb[0] - pb[1])) / 32.0;
    }
  return redder;
}

/* --annotated: a re-encoded copy beside the stream copy, boxes burnt in,
 * marked derived, covered by verify. */
static void
test_export_annotated (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlExportResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL, *clip = NULL, *ann = NULL;
  const TrawlExportClip *rc;
  JsonObject *d;
  TrawlExportOptions o;

  if (c == NULL)
    return;
  cat = case_open (c);
  out = g_build_filename (c->root, "ev-ann", NULL);
  trawl_export_options_init (&o);
  o.track_id = c->track_id;
  o.before_s = 1;
  o.after_s = 1;
  o.out_dir = out;
  o.annotated = TRUE;
  r = trawl_evidence_export (cat, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->derived->len, ==, 1);
  rc = g_ptr_array_index (r->clips, 0);
  clip = g_build_filename (out, rc->file, NULL);
  assert_stream_copy (c->video, clip, rc->start_s, rc->end_s);  /* the original is untouched */
  root = load_manifest (out);
  d = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (root), "derived"), 0);
  g_assert_true (json_object_get_boolean_member (d, "derived"));
  g_assert_cmpstr (json_object_get_string_member (d, "derived_from"), ==, rc->file);
  g_assert_cmpstr (json_object_get_string_member (d, "file"), ==, r->derived->pdata[0]);
  g_assert_cmpint (json_object_get_int_member (d, "boxes"), ==, 3);
  /* every frame of the copied range, re-encoded; on the frame of the middle
   * sighting (source pts 9 s) the box's bottom edge (row 50, x 10..50) turned red (its
   * top edge lies under the clock) */
  ann = g_build_filename (out, (char *) r->derived->pdata[0], NULL);
  g_assert_cmpint (count_frames (ann), ==, (gint64) llround ((rc->end_s - rc->start_s) * 10));
  g_assert_cmpfloat (redder_row (ann, c->video, 9.0, rc->start_s, 50), >, 40);
  /* 2 s from any sighting: no box */
  g_assert_cmpfloat (fabs (redder_row (ann, c->video, 6.0, rc->start_s, 50)), <, 10);
  {
    g_autoptr(TrawlVerifyReport) v = verify (out, NULL);
    g_assert_true (trawl_verify_report_ok (v));
    g_clear_pointer (&v, trawl_verify_report_free);
    flip_byte (ann, 2000);
    v = verify (out, NULL);
    assert_problem (v, r->derived->pdata[0], "derived[0].sha256", "was changed");
  }
}

/* A sighting whose range lies past the end of its video. */
static void
test_export_range_outside (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  TrawlSighting s = { 0 };
  TrawlExportOptions o;

  if (c == NULL)
    return;
  cat = case_open (c);
  s.video_id = 1;
  s.kind = TRAWL_KIND_FACE;
  s.pts_s = 60.0;
  s.utc = NAN;
  g_assert_true (trawl_catalog_insert_sighting (cat, &s, &error));
  out = g_build_filename (c->root, "ev", NULL);
  trawl_export_options_init (&o);
  o.sighting_id = s.id;
  o.before_s = 5;
  o.after_s = 5;
  o.out_dir = out;
  g_assert_null (trawl_evidence_export (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_assert_nonnull (strstr (error->message, "outside the video"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  assert_no_partial (c->root);
}

static void
test_export_window (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autofree char *other = NULL, *out = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlExportResult) r = NULL;
  g_autoptr(GError) error = NULL;
  TrawlExportOptions o;
  gint64 vid;

  if (c == NULL)
    return;
  /* camera gate-2 runs 3 s slow: its video starts 3 s later in true UTC */
  other = make_clip ("k2-other.mp4", "testsrc2", FALSE);
  cat = case_open (c);
  vid = add_video (cat, "gate-2", 3.0, other);
  g_assert_true (trawl_catalog_set_video_status (cat, vid, TRAWL_VIDEO_STATUS_DONE, NULL, &error));
  out = g_build_filename (c->root, "ev-w", NULL);
  trawl_export_options_init (&o);
  o.from_utc = START_UTC + 5.0;
  o.to_utc = START_UTC + 9.0;
  o.cameras = (const char *const[]) { "gate-1", "gate-2", NULL };
  o.out_dir = out;
  o.sign = TRUE;
  r = trawl_evidence_export (cat, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->clips->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const TrawlExportClip *rc = g_ptr_array_index (r->clips, i);
      gboolean second = strcmp (rc->camera, "gate-2") == 0;
      g_autofree char *clip = g_build_filename (out, rc->file, NULL);
      double t0 = second ? 2.0 : 5.0;
      g_assert_cmpfloat_with_epsilon (rc->requested_start_s, t0, 1e-6);
      g_assert_cmpfloat_with_epsilon (rc->requested_end_s, t0 + 4.0, 1e-6);
      g_assert_cmpfloat (rc->start_utc, <=, START_UTC + 5.0 + 1e-6);
      g_assert_cmpfloat (rc->end_utc, >=, START_UTC + 9.0 - 1e-6);
      assert_stream_copy (second ? other : c->video, clip, rc->start_s, rc->end_s);
    }
  g_assert_cmpuint (r->thumbnails->len, ==, 0);
  {
    g_autoptr(TrawlVerifyReport) v = verify (out, NULL);
    g_assert_true (trawl_verify_report_ok (v));
    g_assert_cmpuint (v->files_checked, ==, 3);
  }
  g_clear_pointer (&r, trawl_export_result_free);

  /* a window across two files of one camera: a clip from each */
  {
    g_autofree char *next = make_clip ("k2-next.mp4", "smptebars", FALSE);
    g_autofree char *out2 = g_build_filename (c->root, "ev-w2", NULL);
    /* it starts where the first file ends */
    add_video_at (cat, "gate-1", 0, next, START_UTC + 20);
    o.from_utc = START_UTC + 17.0;
    o.to_utc = START_UTC + 23.0;
    o.cameras = (const char *const[]) { "gate-1", NULL };
    o.out_dir = out2;
    o.sign = FALSE;
    r = trawl_evidence_export (cat, &o, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (r->clips->len, ==, 2);
    g_assert_cmpfloat_with_epsilon (((TrawlExportClip *) r->clips->pdata[0])->requested_start_s,
                                    17.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (((TrawlExportClip *) r->clips->pdata[1])->requested_start_s,
                                    0.0, 1e-6);  /* -3 s clamped to the file's start */
    g_assert_cmpfloat_with_epsilon (((TrawlExportClip *) r->clips->pdata[1])->requested_end_s,
                                    3.0, 1e-6);
    g_assert_cmpstr (((TrawlExportClip *) r->clips->pdata[0])->file, !=,
                     ((TrawlExportClip *) r->clips->pdata[1])->file);
  }
  trawl_catalog_close (g_steal_pointer (&cat));
  {
    g_autoptr(TrawlVerifyReport) v = verify (out, c);
    g_assert_true (trawl_verify_report_ok (v));
  }
}

/* ---- signing and verification ---- */

static void
test_sign_verify (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlExportResult) r = NULL, r2 = NULL;
  g_autofree char *key = NULL, *case_key = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf sb;

  if (c == NULL)
    return;
  r = export_track (c, "ev", TRUE);
  g_assert_nonnull (r->public_key);
  key = g_build_filename (c->dir, "case.key", NULL);
  g_assert_cmpint (g_stat (key, &sb), ==, 0);
  g_assert_cmpint (sb.st_mode & 0777, ==, 0600);
  {
    g_autoptr(TrawlCatalog) cat = case_open (c);
    g_assert_true (trawl_catalog_get_signing_key (cat, NULL, &case_key, &error));
    g_assert_cmpstr (case_key, ==, r->public_key);
  }
  {
    g_autoptr(TrawlVerifyReport) v = verify (r->dir, c);
    g_assert_true (trawl_verify_report_ok (v));
    g_assert_true (v->is_signed);
    g_assert_true (v->signature_ok);
  }
  /* the same key signs the next export */
  r2 = export_track (c, "ev2", TRUE);
  g_assert_cmpstr (r2->public_key, ==, r->public_key);
  /* a lost private key is refused, not silently replaced */
  g_assert_cmpint (g_remove (key), ==, 0);
  {
    g_autoptr(TrawlCatalog) cat = case_open (c);
    g_autofree char *pk = NULL;
    g_assert_false (trawl_evidence_case_key (cat, &pk, &error));
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "case.key"));
  }
}

typedef void (*Tamper) (const char *dir, const TrawlExportResult *r);

static void
tamper_flip_clip (const char *dir, const TrawlExportResult *r)
{
  g_autofree char *p = g_build_filename (dir, ((TrawlExportClip *) r->clips->pdata[0])->file, NULL);
  flip_byte (p, 3000);
}

static void
tamper_truncate_clip (const char *dir, const TrawlExportResult *r)
{
  g_autofree char *p = g_build_filename (dir, ((TrawlExportClip *) r->clips->pdata[0])->file, NULL);
  g_assert_cmpint (truncate (p, 1000), ==, 0);
}

static void
tamper_remove_thumb (const char *dir, const TrawlExportResult *r)
{
  g_autofree char *p = g_build_filename (dir, (char *) r->thumbnails->pdata[0], NULL);
  g_assert_cmpint (g_remove (p), ==, 0);
}

static void
tamper_edit_manifest (const char *dir, const TrawlExportResult *r)
{
  g_autofree char *p = g_build_filename (dir, "manifest.json", NULL);
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  g_auto(GStrv) parts = NULL;

  (void) r;
  g_assert_true (g_file_get_contents (p, &text, NULL, NULL));
  parts = g_strsplit (text, "test operator", -1);
  g_assert_cmpint (g_strv_length (parts), ==, 2);
  edited = g_strjoinv ("someone else", parts);
  g_assert_true (g_file_set_contents (p, edited, -1, NULL));
}

static void
tamper_bad_signature (const char *dir, const TrawlExportResult *r)
{
  g_autofree char *p = g_build_filename (dir, "manifest.sig", NULL);
  (void) r;
  flip_byte (p, 10);
}

static void
tamper_remove_signature (const char *dir, const TrawlExportResult *r)
{
  g_autofree char *p = g_build_filename (dir, "manifest.sig", NULL);
  (void) r;
  g_assert_cmpint (g_remove (p), ==, 0);
}

static void
tamper_remove_manifest (const char *dir, const TrawlExportResult *r)
{
  g_autofree char *p = g_build_filename (dir, "manifest.json", NULL);
  (void) r;
  g_assert_cmpint (g_remove (p), ==, 0);
}

static void
tamper_add_file (const char *dir, const TrawlExportResult *r)
{
  g_autofree char *p = g_build_filename (dir, "extra.mp4", NULL);
  (void) r;
  g_assert_true (g_file_set_contents (p, "x", -1, NULL));
}

static void
test_verify_tampering (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlExportResult) r = NULL;
  struct { const char *name; Tamper fn; const char *file; const char *field; const char *words; }
  cases[] = {
    { "flip", tamper_flip_clip, NULL, "clips[0].sha256", "was changed" },
    { "truncate", tamper_truncate_clip, NULL, "clips[0].size", "truncated" },
    { "nothumb", tamper_remove_thumb, "thumb", "thumbnails[0]", "missing" },
    { "edit", tamper_edit_manifest, "manifest.sig", "signing.public_key", "does not match" },
    { "badsig", tamper_bad_signature, "manifest.sig", "signing.public_key", "" },
    { "nosig", tamper_remove_signature, "manifest.sig", "signing", "missing" },
    { "extra", tamper_add_file, "extra.mp4", NULL, "not listed" },
    { "nomanifest", tamper_remove_manifest, "manifest.json", NULL, "cannot be read" },
  };

  if (c == NULL)
    return;
  r = export_track (c, "ev", TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("tampered-%s", cases[i].name);
      g_autofree char *dir = copy_folder (r->dir, name);
      g_autofree char *thumb = g_strdup (r->thumbnails->pdata[0]);
      const char *file = cases[i].file;
      g_autoptr(TrawlVerifyReport) before = verify (dir, c);
      g_autoptr(TrawlVerifyReport) v = NULL;

      g_assert_true (trawl_verify_report_ok (before));
      cases[i].fn (dir, r);
      v = verify (dir, c);
      g_assert_false (trawl_verify_report_ok (v));
      if (file == NULL)
        file = ((TrawlExportClip *) r->clips->pdata[0])->file;
      else if (strcmp (file, "thumb") == 0)
        file = thumb;
      assert_problem (v, file, cases[i].field, cases[i].words);
      if (cases[i].fn == tamper_edit_manifest)
        assert_problem (v, "audit", NULL, "no audit row");
      remove_tree (dir);
    }
}

/* An export checked against a case it does not come from. */
static void
test_verify_other_case (void)
{
  g_autoptr(Case) a = case_new ("k2.mp4");
  g_autoptr(Case) b = NULL;
  g_autoptr(TrawlExportResult) ra = NULL;
  g_autoptr(TrawlVerifyReport) v = NULL;
  g_autoptr(GError) error = NULL;

  if (a == NULL)
    return;
  b = g_new0 (Case, 1);
  b->root = g_build_filename (tmpdir, "other-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (b->root));
  b->dir = g_build_filename (b->root, "case", NULL);
  trawl_catalog_close (trawl_catalog_open (b->dir, TRAWL_CATALOG_CREATE, &error));
  g_assert_no_error (error);
  {
    g_autoptr(TrawlCatalog) cat = case_open (b);
    g_autofree char *key = NULL;
    g_assert_true (trawl_evidence_case_key (cat, &key, &error));  /* b gets a key of its own */
  }
  ra = export_track (a, "ev", TRUE);
  v = verify (ra->dir, b);
  assert_problem (v, "manifest.json", "signing.public_key", "is not the case's signing key");
  assert_problem (v, "audit", NULL, "no audit row");
  assert_problem (v, "manifest.json", "clips[0].source.sha256", "no video of the case");
  g_clear_pointer (&v, trawl_verify_report_free);
  v = verify (ra->dir, a);
  g_assert_true (trawl_verify_report_ok (v));
}

/* Edits, deletes and reorders audit rows behind the catalog's back (the
 * append-only triggers dropped, as a forger with the file would). */
static void
test_verify_audit_chain (void)
{
  struct { const char *sql; const char *row; } attacks[] = {
    { "UPDATE audit SET user = 'mallory' WHERE id = 1", "row 1" },        /* edited */
    { "DELETE FROM audit WHERE id = 1", "row 2" },                        /* deleted */
    { "UPDATE audit SET id = -id WHERE id IN (1, 2);"                     /* reordered */
      "UPDATE audit SET id = 2 WHERE id = -1; UPDATE audit SET id = 1 WHERE id = -2", "row 1" },
    { "DELETE FROM audit WHERE action = 'export'", NULL },                /* all exports gone */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (attacks); i++)
    {
      g_autoptr(Case) c = case_new ("k2.mp4");
      g_autoptr(TrawlExportResult) r0 = NULL, r = NULL;
      g_autoptr(TrawlVerifyReport) v = NULL;
      g_autofree char *db_path = NULL;
      sqlite3 *db = NULL;
      char *err = NULL;

      if (c == NULL)
        return;
      r0 = export_track (c, "ev0", FALSE);  /* row 1 */
      r = export_track (c, "ev", FALSE);    /* row 2 */
      g_assert_cmpint (r->audit_id, ==, 2);
      db_path = g_build_filename (c->dir, "catalog.sqlite", NULL);
      g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER audit_no_update; "
                                         "DROP TRIGGER audit_no_delete", NULL, NULL, &err), ==,
                       SQLITE_OK);
      if (sqlite3_exec (db, attacks[i].sql, NULL, NULL, &err) != SQLITE_OK)
        g_error ("%s: %s", attacks[i].sql, err);
      sqlite3_close (db);
      v = verify (r->dir, c);
      g_assert_false (trawl_verify_report_ok (v));
      if (attacks[i].row == NULL)
        assert_problem (v, "audit", NULL, "no audit row");
      else
        assert_problem (v, "audit", attacks[i].row, "audit chain is broken");
    }
}

/* ---- the PDF report ---- */

/* The text of pdf (pdftotext), or NULL (test skipped) without poppler. */
static char *
pdf_text (const char *pdf)
{
  g_autofree char *prog = g_find_program_in_path ("pdftotext");
  const char *argv[] = { "pdftotext", "-layout", pdf, "-", NULL };
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = 0;

  if (prog == NULL)
    {
      g_test_skip ("pdftotext (poppler-utils) not installed");
      return NULL;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* Renders page 1 with pdftoppm; asserts a non-blank PNG came out. */
static void
assert_first_page_renders (const char *pdf, const char *root)
{
  g_autofree char *prefix = g_build_filename (root, "page", NULL);
  g_autofree char *png = g_strconcat (prefix, "-1.png", NULL);
  const char *argv[] = { "pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", pdf, prefix, NULL };
  g_autoptr(TrawlImage) img = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0, dark = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  img = trawl_image_load (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (img->width, >, 300);  /* A4 at 40 dpi: 331 x 468 */
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      dark += img->data[y * img->stride + 3 * x] < 128;
  g_assert_cmpint (dark, >, 500);  /* text and thumbnails, not a blank page */
}

static void
test_report (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlExportResult) ex = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlReportResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = NULL, *text = NULL, *sha = NULL, *search = NULL;
  TrawlReportOptions o;
  gint64 rows;

  if (c == NULL)
    return;
  ex = export_track (c, "ev", TRUE);
  cat = case_open (c);
  pdf = g_build_filename (c->root, "report.pdf", NULL);
  trawl_report_options_init (&o);
  o.track_ids = &c->track_id;
  o.n_tracks = 1;
  o.query = "face photo suspect.jpg";
  o.out_path = pdf;
  o.operator_name = "test operator";
  r = trawl_evidence_report (cat, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_findings, ==, 1);
  g_assert_cmpint (r->pages, >=, 1);
  sha = trawl_file_sha256 (pdf, NULL);
  g_assert_cmpstr (sha, ==, r->sha256);
  g_assert_true (trawl_catalog_audit_verify (cat, &rows, NULL, NULL));
  g_assert_cmpint (r->audit_id, ==, rows);  /* the last row: this report */
  text = pdf_text (pdf);
  if (text == NULL)
    return;
  g_assert_nonnull (strstr (text, "Finding 1: face track"));
  g_assert_nonnull (strstr (text, "gate-1"));
  g_assert_nonnull (strstr (text, "face photo suspect.jpg"));
  g_assert_nonnull (strstr (text, "2024-03-15T14:25:38.000Z"));  /* first sighting, UTC */
  g_assert_nonnull (strstr (text, ((TrawlExportClip *) ex->clips->pdata[0])->sha256));
  g_assert_nonnull (strstr (text, ex->manifest_sha256));
  g_assert_nonnull (strstr (text, "Route across cameras"));
  assert_first_page_renders (pdf, c->root);

  /* never overwritten without force */
  g_clear_pointer (&r, trawl_report_result_free);
  r = trawl_evidence_report (cat, &o, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  /* findings from a search result */
  search = g_strdup_printf ("{\"query\": {\"plate\": \"AB*\"}, \"results\": "
                            "[{\"track_id\": %" G_GINT64_FORMAT "}, {\"track_id\": %"
                            G_GINT64_FORMAT "}]}", c->track_id, c->track_id);
  trawl_report_options_init (&o);
  o.search_json = search;
  o.out_path = pdf;
  o.force = TRUE;
  r = trawl_evidence_report (cat, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_findings, ==, 1);  /* the same track twice is one finding */
  g_clear_pointer (&text, g_free);
  text = pdf_text (pdf);
  g_assert_nonnull (strstr (text, "AB*"));
}

static void
test_report_bad_input (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = NULL;
  gint64 unknown = 4242;
  TrawlReportOptions o;

  if (c == NULL)
    return;
  cat = case_open (c);
  pdf = g_build_filename (c->root, "report.pdf", NULL);
  trawl_report_options_init (&o);
  o.out_path = pdf;
  g_assert_null (trawl_evidence_report (cat, &o, NULL, &error));  /* no findings */
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  o.track_ids = &unknown;
  o.n_tracks = 1;
  g_assert_null (trawl_evidence_report (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "4242"));
  g_clear_error (&error);
  o.n_tracks = 0;
  o.search_json = "not json";
  g_assert_null (trawl_evidence_report (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  o.search_json = NULL;
  o.track_ids = &c->track_id;
  o.n_tracks = 1;
  o.out_path = "/proc/trawl-cannot-write/report.pdf";
  g_assert_null (trawl_evidence_report (cat, &o, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
  g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
}

/* ---- async, cancel, CLI ---- */

static void
on_exported (GObject *source, GAsyncResult *res, gpointer data)
{
  TrawlExportResult **out = data;
  g_autoptr(GError) error = NULL;

  (void) source;
  *out = trawl_evidence_export_finish (res, &error);
  g_assert_no_error (error);
}

static void
on_verified (GObject *source, GAsyncResult *res, gpointer data)
{
  TrawlVerifyReport **out = data;
  g_autoptr(GError) error = NULL;

  (void) source;
  *out = trawl_evidence_verify_finish (res, &error);
  g_assert_no_error (error);
}

static void
test_async (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlExportResult) r = NULL;
  g_autoptr(TrawlVerifyReport) v = NULL;
  g_autofree char *out = NULL;
  TrawlExportOptions o;

  if (c == NULL)
    return;
  cat = case_open (c);
  out = g_build_filename (c->root, "ev-async", NULL);
  trawl_export_options_init (&o);
  o.track_id = c->track_id;
  o.out_dir = out;
  o.sign = TRUE;
  trawl_evidence_export_async (cat, &o, NULL, on_exported, &r);
  while (r == NULL)
    g_main_context_iteration (NULL, TRUE);
  trawl_evidence_verify_async (out, cat, NULL, on_verified, &v);
  while (v == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (trawl_verify_report_ok (v));
  g_assert_true (v->signature_ok);
}

static void
test_cancel (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  TrawlExportOptions o;

  if (c == NULL)
    return;
  cat = case_open (c);
  out = g_build_filename (c->root, "ev", NULL);
  trawl_export_options_init (&o);
  o.track_id = c->track_id;
  o.out_dir = out;
  g_cancellable_cancel (cancel);
  g_assert_null (trawl_evidence_export (cat, &o, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  assert_no_partial (c->root);
}

static int
run_cli (const char *const *args, char **out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (char *) TRAWL_TEST_CLI);
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, NULL,
                &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli (void)
{
  g_autoptr(Case) c = case_new ("k2.mp4");
  g_autofree char *out = NULL, *text = NULL, *track = NULL, *clip = NULL;

  if (c == NULL)
    return;
  if (!g_file_test (TRAWL_TEST_CLI, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("trawl CLI not built");
      return;
    }
  out = g_build_filename (c->root, "ev-cli", NULL);
  track = g_strdup_printf ("%" G_GINT64_FORMAT, c->track_id);
  g_assert_cmpint (run_cli ((const char *[]) { "export", c->dir, track, "--before", "2s",
                                               "--after", "1", "--out", out, "--sign", NULL },
                            &text), ==, 0);
  g_assert_nonnull (strstr (text, "manifest.json sha256"));
  g_clear_pointer (&text, g_free);
  g_assert_cmpint (run_cli ((const char *[]) { "verify", out, "--case", c->dir, NULL }, &text),
                   ==, 0);
  g_assert_true (g_str_has_prefix (text, "OK "));
  g_clear_pointer (&text, g_free);
  /* an existing folder: exit 1; bad usage: exit 2 */
  g_assert_cmpint (run_cli ((const char *[]) { "export", c->dir, track, "--out", out, NULL },
                            &text), ==, 1);
  g_clear_pointer (&text, g_free);
  g_assert_cmpint (run_cli ((const char *[]) { "export", c->dir, "abc", "--out", out, NULL },
                            &text), ==, 2);
  g_clear_pointer (&text, g_free);
  clip = g_build_filename (out, "clip-1-gate-1.mp4", NULL);
  flip_byte (clip, 2000);
  g_assert_cmpint (run_cli ((const char *[]) { "verify", out, NULL }, &text), ==, 1);
  g_assert_nonnull (strstr (text, "PROBLEM clip-1-gate-1.mp4 [clips[0].sha256]"));
}

/* ---- shared data ---- */

static void
test_real_clip (void)
{
  g_autofree char *src = trawl_test_need_data ("videos/traffic/car-detection.mp4");
  g_autofree char *root = NULL, *dir = NULL, *out = NULL, *clip = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlExportResult) r = NULL;
  g_autoptr(GError) error = NULL;
  TrawlSighting s = { 0 };
  TrawlExportOptions o;
  const TrawlExportClip *rc;
  gint64 vid;

  if (src == NULL)
    return;
  root = g_build_filename (tmpdir, "real-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (root));
  dir = g_build_filename (root, "case", NULL);
  cat = trawl_catalog_open (dir, TRAWL_CATALOG_CREATE, &error);
  g_assert_no_error (error);
  vid = add_video (cat, "traffic", 0, src);  /* read in place, never copied */
  s.video_id = vid;
  s.kind = TRAWL_KIND_PLATE;
  s.pts_s = 15.0;
  s.utc = START_UTC + 15;
  s.plate_text = (char *) "AB123";
  g_assert_true (trawl_catalog_insert_sighting (cat, &s, &error));
  out = g_build_filename (root, "ev", NULL);
  trawl_export_options_init (&o);
  o.sighting_id = s.id;
  o.before_s = 3;
  o.after_s = 3;
  o.out_dir = out;
  o.sign = TRUE;
  r = trawl_evidence_export (cat, &o, NULL, &error);
  g_assert_no_error (error);
  rc = g_ptr_array_index (r->clips, 0);
  g_assert_cmpfloat (rc->start_s, <=, 12.0);
  g_assert_cmpfloat (rc->end_s, >=, 18.0);
  clip = g_build_filename (out, rc->file, NULL);
  assert_stream_copy (src, clip, rc->start_s, rc->end_s);
  g_assert_cmpint (count_frames (clip), >=, (gint64) ((18.0 - 12.0) * 12.5));
  {
    g_autoptr(TrawlVerifyReport) v = trawl_evidence_verify (out, cat, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (trawl_verify_report_ok (v));
  }
  trawl_catalog_close (g_steal_pointer (&cat));
  remove_tree (root);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  g_setenv ("TZ", "Europe/Berlin", TRUE);  /* a local offset that is not +00:00 */
  tmpdir = g_dir_make_tmp ("trawl-evidence-XXXXXX", NULL);
  g_test_add_func ("/evidence/remux/h264", test_remux_h264);
  g_test_add_func ("/evidence/remux/containers", test_remux_containers);
  g_test_add_func ("/evidence/remux/audio", test_remux_audio);
  g_test_add_func ("/evidence/remux/errors", test_remux_errors);
  g_test_add_func ("/evidence/remux/cancel", test_remux_cancel);
  g_test_add_func ("/evidence/export/track", test_export_track);
  g_test_add_func ("/evidence/export/sighting-range", test_export_sighting_range);
  g_test_add_func ("/evidence/export/changed-source", test_export_changed_source);
  g_test_add_func ("/evidence/export/existing-folder", test_export_existing_folder);
  g_test_add_func ("/evidence/export/bad-input", test_export_bad_input);
  g_test_add_func ("/evidence/export/range-outside", test_export_range_outside);
  g_test_add_func ("/evidence/export/full-disk", test_export_full_disk);
  g_test_add_func ("/evidence/export/window", test_export_window);
  g_test_add_func ("/evidence/export/annotated", test_export_annotated);
  g_test_add_func ("/evidence/sign/verify", test_sign_verify);
  g_test_add_func ("/evidence/verify/tampering", test_verify_tampering);
  g_test_add_func ("/evidence/verify/audit-chain", test_verify_audit_chain);
  g_test_add_func ("/evidence/verify/other-case", test_verify_other_case);
  g_test_add_func ("/evidence/report/pdf", test_report);
  g_test_add_func ("/evidence/report/bad-input", test_report_bad_input);
  g_test_add_func ("/evidence/async", test_async);
  g_test_add_func ("/evidence/cancel", test_cancel);
  g_test_add_func ("/evidence/cli", test_cli);
  g_test_add_func ("/evidence/real-clip", test_real_clip);
  rc = g_test_run ();
  remove_tree (tmpdir);
  g_free (tmpdir);
  return rc;
}
