/* plate-private.h - what the files of src/plate share and nobody else
 * needs. */
#pragma once

#include "trawl/plate.h"

/* The substitution costs of a (< 128) against every ASCII character,
 * indexed by the other character; NULL for a >= 128. Characters as
 * normalisation spells them (the table holds no lower case). */
const float *_trawl_plate_ascii_costs (gunichar a);

/* Does the table pair an ASCII character with one beyond ASCII? While it
 * does not, any character beyond ASCII costs 1 against any ASCII one. */
gboolean _trawl_plate_table_mixes_ascii (void);
