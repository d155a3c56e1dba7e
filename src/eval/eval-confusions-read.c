/* eval-confusions-read.c - `trawl eval --plate-confusions OUT DIR`: runs
 * trawl's own plate reader over the labelled plates of the data folder
 * (the crops, the boxes of plates/images, frames of videos/plates), read
 * as `trawl eval` reads them (eval-run.c) so the table describes the
 * reader the figures describe, and writes the table eval-confusions.c
 * makes of the reads.
 */
#include "trawl/eval.h"
#include "trawl/base.h"
#include "trawl/detect.h"
#include "trawl/image.h"
#include "trawl/plate.h"
#include "trawl/video.h"

#include <stdio.h>
#include <stdlib.h>

/* What the reader read, set against the labels. */
typedef struct {
  TrawlPlateReader       *pr;
  const char             *dir;
  const TrawlEvalOptions *opts;
  GPtrArray              *truths, *reads;  /* of char*, in step */
} Reads;

/* Keeps a read that is recognisably its plate (within a third of the
 * label's length of it): a read of something else, aligned with the label,
 * would count its differences as confusions. */
static void
keep (Reads *r, const char *where, const char *truth, const char *read)
{
  g_autofree char *t = trawl_plate_normalize (truth), *p = trawl_plate_normalize (read);
  int d = trawl_text_edit_distance (t, p);
  gboolean kept = *p && d <= MAX (1, (int) g_utf8_strlen (t, -1) / 3);
  if (kept)
    {
      g_ptr_array_add (r->truths, g_steal_pointer (&t));
      g_ptr_array_add (r->reads, g_steal_pointer (&p));
    }
  if (r->opts && r->opts->verbose)
    fprintf (stderr, "%s: truth %s read %s%s\n", where, truth, read, kept ? "" : " (not counted)");
}

static TrawlCsv *
labels (Reads *r, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename (r->dir, name, "labels.csv", NULL);
  return trawl_csv_load (path, error);
}

static gboolean
quick_skip (const Reads *r, guint i)
{
  return r->opts && r->opts->quick && i % 4 != 0;
}

/* Every crop of section name, read with flags. One bad crop does not spoil
 * the table: it is reported and skipped. */
static gboolean
read_crops (Reads *r, const char *name, TrawlPlateCropFlags flags, GError **error)
{
  g_autoptr (TrawlCsv) csv = labels (r, name, error);
  if (csv == NULL)
    return FALSE;
  for (guint i = 0; i < csv->rows->len; i++)
    {
      if (quick_skip (r, i))
        continue;
      TrawlCsvRow *row = csv->rows->pdata[i];
      const char *file = trawl_csv_get (csv, row, "file");
      g_autofree char *path = g_build_filename (r->dir, name, file, NULL);
      g_autoptr (GError) local = NULL;
      g_autoptr (TrawlImage) img = trawl_image_load (path, &local);
      if (img != NULL && trawl_csv_column (csv, "w") >= 0)
        {
          /* a scene with a labelled box: the box with a margin, as eval reads it */
          int x = atoi (trawl_csv_get (csv, row, "x")), y = atoi (trawl_csv_get (csv, row, "y"));
          int w = atoi (trawl_csv_get (csv, row, "w")), h = atoi (trawl_csv_get (csv, row, "h"));
          gboolean clipped = FALSE;
          TrawlImage *crop = w > 0 && h > 0 && trawl_image_clip_box (img, &x, &y, &w, &h, &clipped)
            ? trawl_image_crop (img, x - w / 10, y - h / 10, w + 2 * (w / 10), h + 2 * (h / 10)) : NULL;
          if (clipped)
            fprintf (stderr, "trawl eval: %s/labels.csv:%d: the box reaches outside the image; "
                     "clipped to it\n", name, row->line);
          trawl_image_free (img);
          img = crop;
          if (img == NULL)
            continue;
        }
      g_autoptr (TrawlPlate) p = img ? trawl_plate_reader_read_crop (r->pr, img, flags, &local) : NULL;
      g_autofree char *where = g_strdup_printf ("%s/%s", name, file);
      if (p == NULL)
        fprintf (stderr, "trawl eval: %s: %s\n", where, local->message);
      else
        keep (r, where, trawl_csv_get (csv, row, "plate_text"), p->text);
    }
  return TRUE;
}

/* The read nearest truth among plates (GPtrArray of TrawlPlate), or NULL. */
static const char *
nearest (const GPtrArray *plates, const char *truth)
{
  const char *best = NULL;
  int best_d = G_MAXINT;
  g_autofree char *t = trawl_plate_normalize (truth);
  for (guint i = 0; i < plates->len; i++)
    {
      const char *text = ((const TrawlPlate *) plates->pdata[i])->text;
      int d = trawl_text_edit_distance (t, text);
      if (d < best_d)
        {
          best_d = d;
          best = text;
        }
    }
  return best;
}

/* Every frame of the plate clips at 4 fps (as eval samples them): the read
 * nearest each plate of the clip. CCTV frames are where confusions happen. */
static gboolean
read_videos (Reads *r, GError **error)
{
  g_autoptr (TrawlCsv) csv = labels (r, "videos/plates", error);
  if (csv == NULL)
    return FALSE;
  for (guint i = 0; i < csv->rows->len; i++)
    {
      if (quick_skip (r, i))
        continue;
      const char *file = trawl_csv_get (csv, csv->rows->pdata[i], "file");
      const char *truth = trawl_csv_get (csv, csv->rows->pdata[i], "plate_text");
      g_autofree char *path = g_build_filename (r->dir, "videos/plates", file, NULL);
      TrawlVideoOptions vo;
      trawl_video_options_init (&vo);
      vo.sample_fps = 4.0;
      g_autoptr (GError) local = NULL;
      g_autoptr (TrawlVideoReader) v = trawl_video_reader_open (path, &vo, &local);
      TrawlVideoFrame *f;
      int n = 0;
      while (v && (f = trawl_video_reader_next (v, &local)) != NULL)
        {
          g_autoptr (GPtrArray) plates = trawl_plate_reader_detect (r->pr, f->image, &local);
          trawl_video_frame_free (f);
          if (plates == NULL)
            break;
          const char *read = nearest (plates, truth);
          g_autofree char *where = g_strdup_printf ("videos/plates/%s frame %d", file, n++);
          if (read != NULL)
            keep (r, where, truth, read);
        }
      if (local != NULL)
        fprintf (stderr, "trawl eval: videos/plates/%s: %s\n", file, local->message);
    }
  return TRUE;
}

gboolean
trawl_eval_plate_confusions (const char *dir, const TrawlEvalOptions *opts, const char *out_path,
                             GError **error)
{
  g_return_val_if_fail (dir != NULL && out_path != NULL, FALSE);
  TrawlPlateOptions po = { 0 };
  po.n_threads = opts ? opts->n_threads : 0;
  g_autoptr (TrawlPlateReader) pr = trawl_plate_reader_new (&po, error);
  if (pr == NULL)
    return FALSE;
  g_autoptr (GPtrArray) truths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) reads = g_ptr_array_new_with_free_func (g_free);
  Reads r = { pr, dir, opts, truths, reads };
  /* The flags eval-run.c reads these sections with. */
  if (!read_crops (&r, "plates/crops_us", TRAWL_PLATE_CROP_BAND | TRAWL_PLATE_CROP_GRAY, error) ||
      !read_crops (&r, "plates/crops_cn", TRAWL_PLATE_CROP_DEFAULT, error) ||
      !read_crops (&r, "plates/images", TRAWL_PLATE_CROP_AUTO, error) ||
      !read_videos (&r, error))
    return FALSE;
  g_autofree char *source = g_strdup_printf (
    "plates/crops_us (band, gray), plates/crops_cn, plates/images (the\n"
    " * labelled boxes) and videos/plates (frames at 4 fps)%s",
    opts && opts->quick ? ",\n * every 4th item (--quick)" : "");
  g_autofree char *text = trawl_eval_plate_confusion_table (truths, reads, source);
  return g_file_set_contents (out_path, text, -1, error);
}
