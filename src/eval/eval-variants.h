/* eval-variants.h - trawl eval --face-variants (eval-variants.c): the face
 * descriptor computed a few other ways (alignment rule, padding, flip
 * test-time augmentation) for every labelled face faces/images finds,
 * and the verification and pooled-gallery figures of each. Private to
 * src/eval; eval-run.c feeds it.
 */
#pragma once

#include "trawl/detect.h"
#include "trawl/eval.h"
#include "trawl/image.h"

G_BEGIN_DECLS

typedef struct _TrawlEvalVariants TrawlEvalVariants;

/* Loads the recognition net for its own CPU plan. NULL with error set
 * when the model is missing. */
TrawlEvalVariants *_trawl_eval_variants_new (int n_threads, GError **error);
void               _trawl_eval_variants_free (TrawlEvalVariants *v);
/* Adds face f of img (its landmarks and the pipeline's embedding), of
 * identity id named name, found in file: every variant's descriptor of it. */
void               _trawl_eval_variants_add (TrawlEvalVariants *v, const TrawlImage *img,
                                             const TrawlFace *f, int id, const char *name,
                                             const char *file);
/* Variant name's unit descriptor (e.g. "five", "five+flip", "dlib68") of
 * the face with these landmarks in img into out. FALSE for an unknown
 * name, degenerate landmarks or a failed run. */
gboolean           _trawl_eval_variant_descriptor (TrawlEvalVariants *v, const char *name,
                                                   const TrawlImage *img,
                                                   const TrawlPoint landmarks[68], float *out);
/* Section faces/variants: the figures of every variant. */
void               _trawl_eval_variants_report (TrawlEvalVariants *v, TrawlEvalReport *r);

G_END_DECLS
