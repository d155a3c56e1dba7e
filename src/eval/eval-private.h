/* eval-private.h - helpers shared by the files of src/eval and by no one
 * else.
 */
#pragma once

/* Euclidean distance of two dim-long vectors (in double, returned as float). */
float _trawl_eval_l2 (const float *a, const float *b, int dim);
