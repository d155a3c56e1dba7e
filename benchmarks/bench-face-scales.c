/* bench-face-scales.c - faces at every scale in wide frames: face recall
 * per face size with each tiling rule of the face detector, on synthetic
 * 1920x1080 frames and on the group photos of a labelled set (issue 16).
 *
 *   build/benchmarks/bench-face-scales DATA [DATA...] [--frames 8] [--json OUT]
 *
 * DATA is a folder laid out like ../shared/data (its faces/images is
 * read; /work/devset/data from scripts/devset-faces too). Nothing is
 * written into it and no picture is kept.
 *
 * Synthetic frames: the faces of the single-person photos of every DATA
 * (found by trawl_face_detector_run_photo), each cut with a margin of half
 * its box (inside the photo), are pasted into 1920x1080 frames of a
 * seeded random texture (blurred blocks of grey and colour, no face in it)
 * so that the face box is S px wide, S in 30 .. 80 px, on a jittered 8x4
 * grid, sizes mixed in every frame. A pasted face counts found when a
 * detected box has IoU >= 0.3 with its box moved into the frame; a
 * detected box matching no pasted face is a false face. Group photos:
 * labelled faces detected (the n largest, as trawl eval counts them) and
 * faces beyond the labelled ones.
 *
 * Each rule is a TrawlFaceOptions.tile (0 the default rule, -1 off, N a
 * fixed tile side); SSD regions per frame tell its cost (each region is
 * one 512x512 SSD run). Wall times are printed but are not the point: on
 * the shared 2-core machines they move with the load.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <trawl/base.h>
#include <trawl/detect.h>
#include <trawl/image.h>

#include "detect/detect-private.h"  /* _trawl_face_regions: each rule's cost */

#define FRAME_W 1920
#define FRAME_H 1080
#define GRID_X  8
#define GRID_Y  4

static const int sizes[] = { 30, 40, 50, 60, 70, 80 };
#define N_SIZES ((int) G_N_ELEMENTS (sizes))

typedef struct {
  const char *name;
  int         tile;
} Rule;

static const Rule rules[] = {
  { "off", -1 },
  { "tile 1097", 1097 },  /* two across at 1920 px, the default rule before issue 16 */
  { "default", 0 },
  { "tile 640", 640 },
};
#define N_RULES ((int) G_N_ELEMENTS (rules))

/* A face to paste: its photo cut with margin, and its box inside the cut. */
typedef struct {
  TrawlImage *cut;
  TrawlBox    box;
} Source;

static void
source_clear (gpointer p)
{
  trawl_image_free (((Source *) p)->cut);
}

/* A group photo's labels: the file and how many faces are labelled. */
typedef struct {
  char *path;
  int   n;
} Group;

static void
group_clear (gpointer p)
{
  g_free (((Group *) p)->path);
}

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* Reads DATA/faces/images/labels.csv: single-person photos into singles
 * (paths), group photos into groups. Plain parsing: these files are the
 * sets' own, file first and the count third. */
static void
read_labels (const char *data, GPtrArray *singles, GArray *groups)
{
  g_autofree char *dir = g_build_filename (data, "faces", "images", NULL);
  g_autofree char *csv = g_build_filename (dir, "labels.csv", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!g_file_get_contents (csv, &text, NULL, NULL))
    {
      fprintf (stderr, "bench-face-scales: no %s\n", csv);
      return;
    }
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (int i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", 4);
      if (g_strv_length (f) < 3 || g_hash_table_contains (seen, f[0]))
        continue;
      g_hash_table_add (seen, g_strdup (f[0]));
      int n = atoi (f[2]);
      char *path = g_build_filename (dir, f[0], NULL);
      if (n <= 1)
        g_ptr_array_add (singles, path);
      else
        {
          Group g = { path, n };
          g_array_append_val (groups, g);
        }
    }
}

static int
cmp_face_area (gconstpointer a, gconstpointer b)
{
  const TrawlFace *fa = a, *fb = b;
  float x = fa->box.w * fa->box.h, y = fb->box.w * fb->box.h;
  return (x < y) - (x > y);
}

/* The largest face of each single photo, cut with a margin of half its box. */
static GArray *
make_sources (TrawlFaceDetector *fd, GPtrArray *singles)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Source));
  g_array_set_clear_func (out, source_clear);
  for (guint i = 0; i < singles->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlImage) img = trawl_image_load (singles->pdata[i], &error);
      g_autoptr (GArray) faces = img ? trawl_face_detector_run_photo (fd, img, &error) : NULL;
      if (faces == NULL || faces->len == 0)
        continue;
      g_array_sort (faces, cmp_face_area);
      TrawlBox b = g_array_index (faces, TrawlFace, 0).box;
      int x = (int) floorf (b.x - b.w / 2), y = (int) floorf (b.y - b.h / 2);
      int w = (int) ceilf (b.w * 2), h = (int) ceilf (b.h * 2);
      if (!trawl_image_clip_box (img, &x, &y, &w, &h, NULL))
        continue;
      Source s = { trawl_image_crop (img, x, y, w, h), { b.x - x, b.y - y, b.w, b.h } };
      g_array_append_val (out, s);
    }
  return out;
}

/* A seeded texture without faces: 64-px blocks of random colour, blurred
 * by a bilinear enlargement of a small random picture, plus pixel noise. */
static TrawlImage *
background (GRand *r)
{
  g_autoptr (TrawlImage) small = trawl_image_new (FRAME_W / 64, FRAME_H / 64 + 1);
  for (int y = 0; y < small->height; y++)
    for (int x = 0; x < small->width * 3; x++)
      small->data[y * small->stride + x] = (guint8) g_rand_int_range (r, 30, 226);
  TrawlImage *bg = trawl_image_resize (small, FRAME_W, FRAME_H);
  for (int y = 0; y < FRAME_H; y++)
    for (int x = 0; x < FRAME_W * 3; x++)
      {
        guint8 *p = &bg->data[y * bg->stride + x];
        *p = (guint8) CLAMP (*p + g_rand_int_range (r, -12, 13), 0, 255);
      }
  return bg;
}

/* Pastes src's cut scaled by s with its top-left at (x, y) into frame. */
static void
paste (TrawlImage *frame, const Source *src, double s, int x, int y)
{
  g_autoptr (TrawlImage) sc =
    trawl_image_resize (src->cut, MAX (1, (int) lround (src->cut->width * s)),
                        MAX (1, (int) lround (src->cut->height * s)));
  for (int v = 0; v < sc->height; v++)
    {
      int fy = y + v;
      if (fy < 0 || fy >= frame->height)
        continue;
      for (int u = 0; u < sc->width; u++)
        {
          int fx = x + u;
          if (fx >= 0 && fx < frame->width)
            memcpy (frame->data + (gsize) fy * frame->stride + 3 * fx,
                    sc->data + (gsize) v * sc->stride + 3 * u, 3);
        }
    }
}

typedef struct {
  int    found[N_SIZES], pasted[N_SIZES];
  int    false_faces;
  int    regions;       /* SSD regions per synthetic frame */
  double seconds;       /* synthetic frames */
  int    group_found, group_labelled, group_extra;
} Result;

/* One synthetic frame: pastes GRID_X x GRID_Y faces, sizes mixed; truth
 * receives their boxes, size_of their size index. */
static TrawlImage *
make_frame (GRand *r, GArray *sources, int frame_no, GArray *truth, GArray *size_of)
{
  TrawlImage *frame = background (r);
  int cw = FRAME_W / GRID_X, ch = FRAME_H / GRID_Y;
  for (int k = 0; k < GRID_X * GRID_Y; k++)
    {
      int si = (k + frame_no) % N_SIZES;
      const Source *src = &g_array_index (sources, Source, g_rand_int_range (r, 0, sources->len));
      double s = sizes[si] / src->box.w;
      int pw = (int) lround (src->cut->width * s), ph = (int) lround (src->cut->height * s);
      int cx = (k % GRID_X) * cw, cy = (k / GRID_X) * ch;
      int x = cx + g_rand_int_range (r, 0, MAX (1, cw - pw));
      int y = cy + g_rand_int_range (r, 0, MAX (1, ch - ph));
      paste (frame, src, s, x, y);
      TrawlBox b = { (float) (x + src->box.x * s), (float) (y + src->box.y * s),
                     (float) (src->box.w * s), (float) (src->box.h * s) };
      g_array_append_val (truth, b);
      g_array_append_val (size_of, si);
    }
  return frame;
}

static void
score_frame (GArray *faces, GArray *truth, GArray *size_of, Result *res)
{
  g_autofree gboolean *used = g_new0 (gboolean, MAX (faces->len, 1));
  for (guint t = 0; t < truth->len; t++)
    {
      const TrawlBox *tb = &g_array_index (truth, TrawlBox, t);
      int si = g_array_index (size_of, int, t), best = -1;
      float best_iou = 0.3f;
      for (guint k = 0; k < faces->len; k++)
        {
          float iou = trawl_box_iou (tb, &g_array_index (faces, TrawlFace, k).box);
          if (!used[k] && iou >= best_iou)
            best_iou = iou, best = (int) k;
        }
      res->pasted[si]++;
      if (best >= 0)
        {
          used[best] = TRUE;
          res->found[si]++;
        }
    }
  for (guint k = 0; k < faces->len; k++)
    res->false_faces += !used[k];
}

static void
run_groups (TrawlFaceDetector *fd, GArray *groups, Result *res)
{
  for (guint i = 0; i < groups->len; i++)
    {
      const Group *g = &g_array_index (groups, Group, i);
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlImage) img = trawl_image_load (g->path, &error);
      g_autoptr (GArray) faces = img ? trawl_face_detector_run_photo (fd, img, &error) : NULL;
      res->group_labelled += g->n;
      if (faces == NULL)
        continue;
      res->group_found += MIN (g->n, (int) faces->len);
      res->group_extra += MAX (0, (int) faces->len - g->n);
    }
}

static void
add_result_json (JsonBuilder *b, const Rule *rule, const Result *res)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rule");
  json_builder_add_string_value (b, rule->name);
  json_builder_set_member_name (b, "tile");
  json_builder_add_int_value (b, rule->tile);
  json_builder_set_member_name (b, "regions_per_frame");
  json_builder_add_int_value (b, res->regions);
  json_builder_set_member_name (b, "recall_by_size");
  json_builder_begin_object (b);
  for (int s = 0; s < N_SIZES; s++)
    {
      g_autofree char *k = g_strdup_printf ("%d", sizes[s]);
      json_builder_set_member_name (b, k);
      json_builder_add_double_value (b, res->pasted[s] ? (double) res->found[s] / res->pasted[s] : 0);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "false_faces");
  json_builder_add_int_value (b, res->false_faces);
  json_builder_set_member_name (b, "group_found");
  json_builder_add_int_value (b, res->group_found);
  json_builder_set_member_name (b, "group_labelled");
  json_builder_add_int_value (b, res->group_labelled);
  json_builder_set_member_name (b, "group_extra");
  json_builder_add_int_value (b, res->group_extra);
  json_builder_set_member_name (b, "seconds_synthetic");
  json_builder_add_double_value (b, res->seconds);
  json_builder_end_object (b);
}

int
main (int argc, char **argv)
{
  int n_frames = 8;
  g_autofree char *json_out = NULL;
  g_auto (GStrv) data = NULL;
  GOptionEntry entries[] = {
    { "frames", 0, 0, G_OPTION_ARG_INT, &n_frames, "Synthetic frames (32 faces each)", "N" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_out, "Write the figures as JSON", "OUT" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &data, NULL, "DATA..." },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("DATA... - face recall per size and tiling rule");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || data == NULL || n_frames < 1)
    {
      fprintf (stderr, "bench-face-scales: %s\n", error ? error->message : "give DATA folders");
      return 2;
    }
  g_autoptr (GPtrArray) singles = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) groups = g_array_new (FALSE, FALSE, sizeof (Group));
  g_array_set_clear_func (groups, group_clear);
  for (int i = 0; data[i] != NULL; i++)
    read_labels (data[i], singles, groups);

  g_autoptr (TrawlFaceDetector) base = trawl_face_detector_new (NULL, &error);
  if (base == NULL)
    {
      fprintf (stderr, "bench-face-scales: %s\n", error->message);
      return 1;
    }
  g_autoptr (GArray) sources = make_sources (base, singles);
  if (sources->len == 0)
    {
      fprintf (stderr, "bench-face-scales: no face found in the single-person photos\n");
      return 1;
    }
  printf ("%u faces from %u single-person photos, %u group photos; %d frames of %dx%d, "
          "%d faces each\n", sources->len, singles->len, groups->len, n_frames, FRAME_W,
          FRAME_H, GRID_X * GRID_Y);

  Result res[N_RULES] = { 0 };
  for (int r = 0; r < N_RULES; r++)
    {
      TrawlFaceOptions fo = { 0 };
      fo.tile = rules[r].tile;
      fo.no_embedding = TRUE;
      g_autoptr (TrawlFaceDetector) fd = trawl_face_detector_new (&fo, &error);
      if (fd == NULL)
        {
          fprintf (stderr, "bench-face-scales: %s\n", error->message);
          return 1;
        }
      g_autoptr (GRand) rng = g_rand_new_with_seed (16);  /* the same frames for every rule */
      for (int f = 0; f < n_frames; f++)
        {
          g_autoptr (GArray) truth = g_array_new (FALSE, FALSE, sizeof (TrawlBox));
          g_autoptr (GArray) size_of = g_array_new (FALSE, FALSE, sizeof (int));
          g_autoptr (TrawlImage) frame = make_frame (rng, sources, f, truth, size_of);
          double t0 = now_s ();
          g_autoptr (GArray) faces = trawl_face_detector_run (fd, frame, &error);
          res[r].seconds += now_s () - t0;
          if (faces == NULL)
            {
              fprintf (stderr, "bench-face-scales: %s\n", error->message);
              return 1;
            }
          score_frame (faces, truth, size_of, &res[r]);
        }
      g_autoptr (GArray) regions = _trawl_face_regions (fd, FRAME_W, FRAME_H);
      res[r].regions = (int) regions->len;
      run_groups (fd, groups, &res[r]);
    }

  printf ("%-20s", "rule");
  for (int s = 0; s < N_SIZES; s++)
    printf ("  %3d px", sizes[s]);
  printf ("  false  group  extra   s/frame\n");
  for (int r = 0; r < N_RULES; r++)
    {
      printf ("%-20s", rules[r].name);
      for (int s = 0; s < N_SIZES; s++)
        printf ("  %5.1f%%", res[r].pasted[s] ? 100.0 * res[r].found[s] / res[r].pasted[s] : 0.0);
      printf ("  %5d  %2d/%-2d  %5d  %8.2f\n", res[r].false_faces, res[r].group_found,
              res[r].group_labelled, res[r].group_extra, res[r].seconds / n_frames);
    }
  if (json_out != NULL)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rules");
      json_builder_begin_array (b);
      for (int r = 0; r < N_RULES; r++)
        add_result_json (b, &rules[r], &res[r]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      json_generator_set_pretty (gen, TRUE);
      if (!json_generator_to_file (gen, json_out, &error))
        {
          fprintf (stderr, "bench-face-scales: %s\n", error->message);
          return 1;
        }
    }
  return 0;
}
