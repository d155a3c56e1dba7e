/* trawl/detect.h - from a frame to sightings: faces (box, 68 landmarks,
 * quality, 128-d embedding) and licence plates (box, text, raw read,
 * per-character probabilities with alternatives).
 *
 * Two pipeline contexts, each made once from the model cache and reused for
 * every frame (their plans are built lazily per input size and kept):
 *
 *   TrawlFaceDetector: SSD MobileNetV1 at 512x512 on the whole frame, plus
 *     overlapping tiles (by default two across the long side, at most 800
 *     px unless that needs more than three across, each also resized to
 *     512: small faces vanish when a 1920-px frame is squeezed into 512);
 *     boxes merged by NMS -> 68-point landmarks -> similarity alignment to the
 *     dlib 150x150 chip -> 128-d embedding, L2-normalised.
 *   TrawlPlateReader: PP-OCRv4 det (DB) -> text regions -> rectified crops ->
 *     PP-OCRv4 rec -> CTC decode -> plate grammar (normalise, validate, fix
 *     confusable characters by position).
 *
 * The geometric helpers below (alignment, quality, tiling) need no model
 * and are public so tests can use them; plate text (normalisation,
 * grammars, confusions) is trawl/plate.h's.
 * Every _free accepts NULL.
 */
#pragma once

#include <glib.h>
#include "trawl/gpu.h"
#include "trawl/image.h"
#include "trawl/nn.h"
#include "trawl/plate.h"

G_BEGIN_DECLS

/* ---- geometry ---- */

typedef struct {
  float x, y;  /* px */
} TrawlPoint;

typedef struct {
  float x, y, w, h;  /* px: top-left corner and size */
} TrawlBox;

/* A box with a score, the unit of detector output before merging. */
typedef struct {
  TrawlBox box;
  float    score;  /* 0..1 */
} TrawlScoredBox;

float trawl_box_iou (const TrawlBox *a, const TrawlBox *b);
/* Intersection over the smaller box's area: catches a partial box (a face cut
 * by a tile edge) lying inside a whole one, which IoU alone misses. */
float trawl_box_overlap_min (const TrawlBox *a, const TrawlBox *b);

/* ---- tiling (faces: small faces in large frames) ---- */

/* Tiles of tile x tile px covering a width x height frame, neighbours
 * overlapping by at least overlap px (so a face smaller than overlap is
 * whole in some tile). A frame no larger than a tile gets one tile; tiles
 * are clipped to the frame. Returns a GArray of TrawlBox; free with
 * g_array_unref. NULL when an argument is out of range (sizes < 1,
 * overlap >= tile). */
GArray *trawl_tiles_plan (int width, int height, int tile, int overlap);

/* Greedy NMS over a GArray of TrawlScoredBox, in place: sorts by score and
 * drops a box when its IoU with a kept one exceeds iou, or when it lies
 * mostly (overlap_min > contain) inside a kept one. contain <= 0 disables
 * the second rule. */
void    trawl_boxes_merge (GArray *boxes, float iou, float contain);

/* ---- face alignment (dlib's 150x150 chip, padding 0.25) ---- */

#define TRAWL_FACE_LANDMARKS 68
#define TRAWL_FACE_EMBED_DIM 128
#define TRAWL_FACE_CHIP      150

/* Least-squares similarity transform (scale, rotation, translation) taking
 * src[i] to dst[i], n >= 2. m is the 2x3 matrix [a -b tx; b a ty]:
 * x' = m[0]x + m[1]y + m[2], y' = m[3]x + m[4]y + m[5]. FALSE (m untouched)
 * when the src points coincide. */
gboolean trawl_similarity_fit (const TrawlPoint *src, const TrawlPoint *dst, int n,
                               double m[6]);
/* Applies a 2x3 matrix to a point. */
TrawlPoint trawl_affine_apply (const double m[6], TrawlPoint p);

/* The five alignment points from 68 landmarks (iBUG order): the two eye
 * centres (means of 36-41 and 42-47), the nose tip (30), the mouth corners
 * (48, 54). */
void trawl_face_five_points (const TrawlPoint landmarks[68], TrawlPoint five[5]);
/* The same five points of dlib's mean face, in chip pixels for a chip of
 * size px with dlib's padding (0.25). */
void trawl_face_chip_template (int size, TrawlPoint five[5]);

/* The matrix mapping chip pixels to image pixels for a face with these
 * landmarks (fit on the five points). FALSE for degenerate landmarks. */
gboolean trawl_face_chip_transform (const TrawlPoint landmarks[68], int size, double m[6]);

/* Which landmarks an alignment fits to dlib's mean face. */
typedef enum {
  TRAWL_FACE_ALIGN_FIVE,   /* the five points above (the pipeline's) */
  TRAWL_FACE_ALIGN_DLIB68, /* dlib's 68-point rule: 27..54 and 60..64 (no jaw, brows,
                              lower lip) */
  TRAWL_FACE_ALIGN_DLIB5   /* dlib's 5-point model: eye corners 36, 39, 42, 45, nose base 33 */
} TrawlFaceAlignRule;

/* trawl_face_chip_transform with the padding around the mean face (dlib:
 * 0.25) and the landmarks fitted as choices, for measuring them (trawl
 * eval --face-variants). */
gboolean trawl_face_chip_transform_rule (const TrawlPoint landmarks[68], int size, double padding,
                                         TrawlFaceAlignRule rule, double m[6]);
/* The matrix of the mirror image of chip m (size px): its pixel x is
 * m's pixel size-1-x. */
void     trawl_face_chip_mirror (const double m[6], int size, double out[6]);
/* The iBUG index of landmark i's counterpart in the mirrored face (36,
 * the outer corner of one eye, <-> 45; 30, the nose tip, stays). */
int      trawl_face_mirror_index (int i);
/* The chip of the face mirrored left to right, aligned as any face: what
 * trawl_face_chip_transform_rule gives for the mirrored photo (its
 * landmarks renumbered by trawl_face_mirror_index), as a matrix into this
 * image. Unlike trawl_face_chip_mirror, the face sits where the template
 * puts it (dlib's mean face is not centred: its nose is 1 px left of the
 * chip's middle at 150 px). */
gboolean trawl_face_chip_transform_flipped (const TrawlPoint landmarks[68], int size,
                                            double padding, TrawlFaceAlignRule rule,
                                            double m[6]);

/* The aligned size x size chip of a face. NULL for degenerate landmarks.
 * Free with trawl_image_free. */
TrawlImage *trawl_face_align (const TrawlImage *img, const TrawlPoint landmarks[68], int size);

/* ---- face quality ---- */

typedef struct {
  float size;         /* 0..1: from the inter-ocular distance in the frame */
  float sharpness;    /* 0..1: from the Laplacian variance of the chip */
  float frontalness;  /* 0..1: 1 = nose centred between the jaw ends and eyes level */
  float detector;     /* the detector's score */
  float overall;      /* their product (geometric in spirit: one bad factor sinks it) */
} TrawlFaceQuality;

/* Quality of a face from its landmarks (frame px), its aligned chip (may be
 * NULL: sharpness then 0.5) and detector score. */
void  trawl_face_quality (const TrawlPoint landmarks[68], const TrawlImage *chip,
                          float det_score, TrawlFaceQuality *q);

/* Euclidean distance between two embeddings of TRAWL_FACE_EMBED_DIM. */
float trawl_face_distance (const float *a, const float *b);

/* ---- the face pipeline ---- */

typedef struct {
  TrawlBox         box;        /* frame px */
  float            score;      /* detector */
  TrawlPoint       landmarks[TRAWL_FACE_LANDMARKS];  /* frame px */
  TrawlFaceQuality quality;
  gboolean         has_embedding;
  float            embedding[TRAWL_FACE_EMBED_DIM];  /* L2-normalised */
} TrawlFace;

typedef struct {
  float    min_score;    /* detector threshold; 0 means the default 0.5 */
  int      tile;         /* tile side px (frame px); 0: automatic (frames >= 480 px:
                            two tiles across the long side, but tiles of at most
                            800 px unless that needs more than three across); < 0
                            disables tiling */
  int      max_faces;    /* 0 means 100 */
  gboolean no_embedding; /* stop after landmarks and quality */
  int      n_threads;    /* engine threads; 0 = one per core */
  TrawlNnBackendKind backend;  /* TRAWL_NN_BACKEND_CPU (0) or _CUDA */
  TrawlNnPrecision   precision;/* CUDA arithmetic; 0 = FP32 */
} TrawlFaceOptions;

typedef struct TrawlFaceDetector TrawlFaceDetector;

/* Loads the three face-api nets from the model cache. opts may be NULL.
 * NULL with error set (TRAWL_ERROR_NOT_FOUND naming scripts/setup when a
 * model is missing). Free with trawl_face_detector_free. */
TrawlFaceDetector *trawl_face_detector_new (const TrawlFaceOptions *opts, GError **error);
void               trawl_face_detector_free (TrawlFaceDetector *fd);

/* A frame for the detectors: in host memory (image, RGB24) or on the GPU
 * (gpu, NV12; an NVDEC surface). Exactly one is set. */
typedef struct {
  const TrawlImage    *image;
  const TrawlGpuFrame *gpu;
} TrawlDetectFrame;

/* Faces of n frames (n >= 1; sizes may differ) at once, host images or
 * GPU frames (a detector on the CPU backend takes host images, one on the
 * CUDA backend GPU frames; TRAWL_ERROR_INVALID_ARG otherwise, before any
 * work), batched across frames as trawl_face_detector_run_gpu_batch
 * describes. faces_out (n slots) receives frame i's faces, best score
 * first, in faces_out[i] (a GArray of TrawlFace, caller-owned): those
 * the frame gets alone, values equal up to the rounding of nets run at
 * another batch size. On failure FALSE with error set and every
 * faces_out[i] NULL. Not thread-safe per detector. */
gboolean trawl_face_detector_run_frames (TrawlFaceDetector *fd, const TrawlDetectFrame *frames,
                                         int n, GArray **faces_out, GError **error);

/* Faces in img, best score first: trawl_face_detector_run_frames with
 * n = 1. Returns a GArray of TrawlFace (owned by the caller,
 * g_array_unref), possibly empty; NULL with error set when an engine run
 * fails. Not thread-safe per detector. */
GArray *trawl_face_detector_run (TrawlFaceDetector *fd, const TrawlImage *img, GError **error);

/* Faces in a query photo: an investigator's picture of someone, which may
 * be a tight passport-style crop (the face filling the frame, no context
 * around it for the detector), grayscale, small or very large. Tried as it
 * is first (trawl_face_detector_run); only when that finds no face is it
 * tried again, in this order, until a try finds one:
 *   1. with a grey border half its long side wide on every side,
 *   2. with a grey border as wide as its long side,
 *   each on the photo brought to TRAWL_FACE_PHOTO_MIN_SIDE ..
 *   TRAWL_FACE_PHOTO_MAX_SIDE px on its long side (small ones enlarged,
 *   very large ones shrunk);
 *   3. enlarged twice (a photo under 480 px), so its small faces are
 *   looked for in tiles.
 * A photo in which the first try finds faces gets exactly those: the
 * later tries never add faces to it. Boxes and landmarks are in the
 * photo's own px whichever try found them, and quality is measured there
 * (size from the photo's px, sharpness from the chip that was described).
 * Returns a GArray of TrawlFace as trawl_face_detector_run does (caller-
 * owned, best score first, empty when no try finds a face); NULL with
 * error set when an engine run fails. trawl_face_photo_tries says in words
 * what was tried, for the message to a user whose photo has no face. Not
 * thread-safe per detector. (face-photo.c) */
#define TRAWL_FACE_PHOTO_MIN_SIDE 300
#define TRAWL_FACE_PHOTO_MAX_SIDE 800
GArray     *trawl_face_detector_run_photo (TrawlFaceDetector *fd, const TrawlImage *img,
                                           GError **error);
/* The face at a box given by hand (img px: a person's "the face is here"
 * for a face the detector misses however the photo is tried): landmarks,
 * alignment, quality and descriptor computed on box as if SSD had found
 * it there, score 0 (no detector said so). Returns a GArray of one
 * TrawlFace (caller-owned; has_embedding FALSE when the landmarks are
 * degenerate); NULL with error set: TRAWL_ERROR_INVALID_ARG for a box
 * under 4 px a side or outside img, or when an engine run fails. Not
 * thread-safe per detector. (face-photo.c) */
GArray     *trawl_face_detector_run_box (TrawlFaceDetector *fd, const TrawlImage *img,
                                         const TrawlBox *box, GError **error);
/* What trawl_face_detector_run_photo tries, in words ("as it is, ..."),
 * for messages. A static string. */
const char *trawl_face_photo_tries (void);

/* Faces in a frame that stays on the GPU (an NVDEC surface): the same
 * pipeline as trawl_face_detector_run, but every network input (SSD
 * regions, landmark crops, aligned chips) is cut from the NV12 planes by
 * the warp kernel straight into the plans' device buffers, SSD regions and
 * per-face nets batched. Only net outputs and each face's 150 px chip (for
 * the sharpness measure) come back to host memory, so the faces match
 * trawl_face_detector_run on the frame's RGB up to float rounding. Returns
 * a GArray of TrawlFace (caller-owned, g_array_unref), possibly empty; NULL
 * with error set: TRAWL_ERROR_INVALID_ARG for a detector not made with the
 * CUDA backend or an empty frame, TRAWL_ERROR_NOT_BUILT without CUDA,
 * TRAWL_ERROR_FAILED when GPU work fails. The GPU work reading the frame
 * has finished when it returns (the frame may then be freed). Not
 * thread-safe per detector. trawl_face_detector_run_gpu_batch with n = 1. */
GArray *trawl_face_detector_run_gpu (TrawlFaceDetector *fd, const TrawlGpuFrame *frame,
                                     GError **error);

/* The same for n frames (n >= 1; sizes may differ) at once, batched
 * across frames: the SSD regions of all frames share runs (up to 32
 * regions each), then the landmarks of all their faces, then their chips
 * and embeddings (up to 32 faces each), which keeps the GPU busier than n
 * single calls. faces_out (n slots) receives frame i's faces in
 * faces_out[i], a GArray of TrawlFace owned by the caller: the faces, in
 * the same order, that trawl_face_detector_run_gpu gives for that frame
 * alone (values equal up to the rounding of nets run at another batch
 * size). On failure FALSE with error set (as above; also
 * TRAWL_ERROR_INVALID_ARG for n < 1 or a NULL frame) and every faces_out[i]
 * NULL: nothing to free. Hold at most as many frames as the decoder spares
 * (8, see trawl/gpu.h). */
gboolean trawl_face_detector_run_gpu_batch (TrawlFaceDetector *fd,
                                            const TrawlGpuFrame *const *frames, int n,
                                            GArray **faces_out, GError **error);

/* Seconds a detector has spent in each stage since it was made (the
 * engine runs with their pre- and post-processing), so the indexer can
 * report where its time goes. */
typedef struct {
  double detect_s;     /* SSD, tiles included */
  double landmarks_s;  /* 68-point net */
  double embed_s;      /* recognition net */
} TrawlFaceTimings;

void trawl_face_detector_get_timings (const TrawlFaceDetector *fd, TrawlFaceTimings *t);

/* ---- the plate pipeline ---- */

/* One character of a read, with the top alternatives CTC saw there. */
typedef struct {
  gunichar c;
  float    prob;
  gunichar alt[3];       /* 0 where absent */
  float    alt_prob[3];
  float    x;            /* centre column in the image read, px (where CTC
                            was surest of it; about one step, 8 input px) */
} TrawlPlateChar;

/* Ornament at the ends of a read: drops characters off either end of chars
 * (a GArray of TrawlPlateChar) while the end character lies left of
 * x0 - margin or right of x1 + margin, [x0, x1] being the columns of the
 * plate's main text line, and the reader was less than max_prob sure of it.
 * Only letters, digits and CJK count as ends: separators beyond a dropped
 * end go with it. Sure characters outside the line are kept (a county
 * number set apart by a picture is still plate text). Returns the number of
 * elements removed; chars is modified in place. */
int trawl_plate_chars_trim (GArray *chars, float x0, float x1, float margin, float max_prob);

/* Stacked characters at the ends of a read (US county or class letters
 * set one above the other beside the number, read as one character): the
 * first and the last character of chars (a GArray of TrawlPlateChar, x in
 * img px) are dropped, however sure the reader was, where img's column
 * under them holds ink in the upper and lower thirds of the text line
 * (rows y0 to y1, img px) and a row without ink between: a full-height
 * glyph meets ink in every row. Ink is the lesser side of Otsu's threshold
 * over the line. Separators beyond a dropped end go with it; at least
 * min_keep letters/digits stay. Returns the number of elements removed. */
int trawl_plate_chars_trim_stacked (GArray *chars, const TrawlImage *img, float y0, float y1,
                                    int min_keep);

/* The characters of a read that normalisation keeps, as slots (the read
 * character normalised, then its distinct alternatives): up to max; the
 * count, or -1 when there are more. */
int   trawl_plate_chars_to_slots (const GArray *chars, TrawlPlateSlot *slots, int max);
/* The text of a read: norm (the normalised read of chars) with its
 * confusable characters placed by national shape using chars'
 * alternatives (trawl_plate_resolve_by_shape), else as
 * trawl_plate_fix_by_grammar makes it (Chinese and Brazilian rules).
 * g_free. */
char *trawl_plate_chars_resolve (const GArray *chars, const char *norm);

typedef struct {
  TrawlBox         box;        /* frame px (axis-aligned hull of quad) */
  TrawlPoint       quad[4];    /* the detected region, clockwise from top-left */
  float            det_score;  /* DB box score; 1 for crops read directly */
  char            *raw;        /* the reader's text as it came out */
  char            *text;       /* normalised and grammar-fixed */
  TrawlPlateFormat format;
  float            confidence; /* mean character probability */
  GArray          *chars;      /* of TrawlPlateChar: the characters text was made
                                  from, raw's less any ornament trimmed off the
                                  ends (may be NULL) */
} TrawlPlate;

void trawl_plate_free (TrawlPlate *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlPlate, trawl_plate_free)

typedef enum {
  TRAWL_PLATE_CROP_DEFAULT = 0,
  TRAWL_PLATE_CROP_DETECT  = 1 << 0,  /* loose crop: run det first, read the best region */
  TRAWL_PLATE_CROP_BAND    = 1 << 1,  /* read the central band of rows (US plates with
                                         state names above and slogans below), and
                                         trim unsure characters at the ends that lie
                                         outside the main text line that det finds
                                         (stacked small letters, logos, pictures) */
  TRAWL_PLATE_CROP_GRAY    = 1 << 2,  /* grayscale before reading */
  TRAWL_PLATE_CROP_AUTO    = 1 << 3,  /* read both the whole crop and its band, keep the
                                         read that fits a plate format best */
} TrawlPlateCropFlags;

typedef struct {
  float min_det_score;    /* DB box score threshold; 0 means 0.5 */
  float min_confidence;   /* reads below are dropped in scenes; 0 means 0.5 */
  int   det_max_side;     /* det input limit px; 0 means 960 */
  int   n_threads;
  TrawlNnBackendKind backend;  /* TRAWL_NN_BACKEND_CPU (0) or _CUDA */
  TrawlNnPrecision   precision;/* CUDA arithmetic; 0 = FP32 */
} TrawlPlateOptions;

typedef struct TrawlPlateReader TrawlPlateReader;

/* Loads PP-OCRv4 det, rec and the character list from the model cache.
 * opts may be NULL. NULL with error set. Free with trawl_plate_reader_free. */
TrawlPlateReader *trawl_plate_reader_new (const TrawlPlateOptions *opts, GError **error);
void              trawl_plate_reader_free (TrawlPlateReader *pr);

/* Plates in n frames (n >= 1; sizes may differ) at once, host images or
 * GPU frames (TrawlDetectFrame; a reader on the CPU backend takes host
 * images, one on the CUDA backend GPU frames; TRAWL_ERROR_INVALID_ARG
 * otherwise, before any work), batched across frames as
 * trawl_plate_reader_detect_gpu_batch describes. plates_out (n slots)
 * receives frame i's plates in plates_out[i] (a GPtrArray of TrawlPlate,
 * caller-owned, most confident first): those the frame gets alone, values
 * equal up to the rounding of nets run at another batch size. On failure
 * FALSE with error set and every plates_out[i] NULL. */
gboolean    trawl_plate_reader_detect_frames (TrawlPlateReader *pr,
                                              const TrawlDetectFrame *frames, int n,
                                              GPtrArray **plates_out, GError **error);

/* Plates in a full scene, most confident first
 * (trawl_plate_reader_detect_frames with n = 1): a GPtrArray of TrawlPlate
 * (owned by the array; g_ptr_array_unref frees all). Reads failing the
 * plate grammar are dropped. NULL with error set on engine failure. */
GPtrArray  *trawl_plate_reader_detect (TrawlPlateReader *pr, const TrawlImage *img,
                                       GError **error);
/* Plates in a frame that stays on the GPU: as trawl_plate_reader_detect,
 * with every net input cut from the NV12 planes on the GPU in the CPU
 * path's two steps (a rectified box cut to 8-bit values, then resized for
 * the net), the regions batched through rec; only net outputs come back to
 * host memory, so the plates match trawl_plate_reader_detect on the
 * frame's RGB up to float rounding. Returns a GPtrArray of TrawlPlate as
 * that does; NULL with error set: TRAWL_ERROR_INVALID_ARG for a reader not
 * made with the CUDA backend or an empty frame, TRAWL_ERROR_NOT_BUILT
 * without CUDA, TRAWL_ERROR_FAILED when GPU work fails. The GPU work
 * reading the frame has finished when it returns. Not thread-safe per
 * reader. trawl_plate_reader_detect_gpu_batch with n = 1. */
GPtrArray  *trawl_plate_reader_detect_gpu (TrawlPlateReader *pr, const TrawlGpuFrame *frame,
                                           GError **error);
/* The same for n frames (n >= 1; sizes may differ) at once, batched across
 * frames: det of the frames of one size shares runs, then the reads of
 * every box of every frame share rec runs (up to 32 each), then the
 * zoomed looks at small boxes. plates_out (n slots) receives frame i's
 * plates in plates_out[i], a GPtrArray of TrawlPlate owned by the caller:
 * those trawl_plate_reader_detect_gpu gives for that frame alone (values
 * equal up to the rounding of nets run at another batch size). On failure
 * FALSE with error set (as above; also TRAWL_ERROR_INVALID_ARG for n < 1
 * or a NULL frame) and every plates_out[i] NULL: nothing to free. */
gboolean    trawl_plate_reader_detect_gpu_batch (TrawlPlateReader *pr,
                                                 const TrawlGpuFrame *const *frames, int n,
                                                 GPtrArray **plates_out, GError **error);
/* Seconds spent detecting text regions (PP-OCR det + DB boxes) and reading
 * them (PP-OCR rec + CTC) since the reader was made. */
typedef struct {
  double detect_s;
  double read_s;
} TrawlPlateTimings;

void trawl_plate_reader_get_timings (const TrawlPlateReader *pr, TrawlPlateTimings *t);

/* Reads a plate crop (no grammar filter: the crop is taken to be a plate).
 * Returns a new TrawlPlate (trawl_plate_free) or NULL with error set. */
TrawlPlate *trawl_plate_reader_read_crop (TrawlPlateReader *pr, const TrawlImage *crop,
                                          TrawlPlateCropFlags flags, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlFaceDetector, trawl_face_detector_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlPlateReader, trawl_plate_reader_free)

G_END_DECLS
