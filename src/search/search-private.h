/* search-private.h - what the files of src/search share: the query's
 * fields, the search context, and the candidate list the face and plate
 * searches hand to the common ranking (search.c). */
#pragma once

#include <trawl/detect.h>
#include <trawl/plate.h>
#include <trawl/search.h>

typedef struct {
  char  *path;
  int    face_index;
  gboolean has_box;
  float  box[4];
} QueryPhoto;

struct _TrawlQuery {
  GPtrArray *photos;        /* of QueryPhoto* */
  GArray    *descriptors;   /* of float, TRAWL_FACE_DIM each */
  char      *plate_pattern; /* as given */
  gboolean   plate_exact;
  char      *plate_photo;
  gint64     track_id;
  GPtrArray *cameras;       /* of char* */
  double     from_utc, to_utc;
  double     min_score;
  int        limit;
  gboolean   thumbnails;
};

/* One plate track, as the in-memory table holds it. */
typedef struct {
  gint64  track_id;
  gint64  camera_id;
  double  first_utc, last_utc;
  char   *text;
  char   *alternatives;
} PlateRow;

struct _TrawlSearch {
  TrawlCase         *kase;
  TrawlFaceDetector *faces;       /* loaded on first use */
  TrawlPlateReader  *plates;      /* loaded on first use */
  GArray            *plate_rows;  /* of PlateRow; NULL until used */
  gint64             plate_rows_version;  /* catalog data_version when filled */
};

/* A track found, with its score, before the common filters and ranking. */
typedef struct {
  gint64 track_id;
  double score;
  gint64 sighting_id;  /* the sighting that scored, or 0: the track's best */
  gboolean low_quality; /* faces: no sighting of searchable quality */
} Candidate;

/* The filters a candidate must pass, resolved against the case. */
typedef struct {
  GHashTable *camera_ids;  /* gint64* set, or NULL: any camera */
  double      from_utc, to_utc;
} SearchFilter;

/* Best score first, ties by track id (a stable order for equal scores);
 * low_quality candidates after all others. */
void     _trawl_search_candidates_sort (GArray *candidates);
gboolean _trawl_search_filter_pass (const SearchFilter *f, gint64 camera_id, double first_utc,
                                    double last_utc);

QueryPhoto *_trawl_query_photo_copy (const QueryPhoto *p);
void        _trawl_query_photo_free (QueryPhoto *p);
TrawlQuery *_trawl_query_copy (const TrawlQuery *q);

/* search-face.c: candidates (GArray of Candidate, best first) for the
 * query's photos (n_photos unit descriptors); exclude_track (0: none) is
 * left out. */
GArray  *_trawl_search_faces (TrawlSearch *s, const float *photos, int n_photos,
                              const SearchFilter *f, int want, gint64 exclude_track,
                              GCancellable *cancellable, GError **error);
/* search-face.c: the unit descriptors of the query's photos and given
 * descriptors, appended to out (GArray of float, TRAWL_FACE_DIM a face). */
gboolean _trawl_search_query_descriptors (TrawlSearch *s, const TrawlQuery *q, GArray *out,
                                          GError **error);
/* search-plate.c: candidates for a pattern. */
GArray  *_trawl_search_plates (TrawlSearch *s, const TrawlPlatePattern *pattern,
                               const SearchFilter *f, gint64 exclude_track, double min_score,
                               gint64 *n_looked_at, GCancellable *cancellable, GError **error);
/* search-plate.c: reads the plate in a photo as a pattern ('?' where the
 * reader is unsure). g_free. */
char    *_trawl_search_read_plate_photo (TrawlSearch *s, const char *path, GError **error);
void     _trawl_search_plate_rows_free (GArray *rows);
