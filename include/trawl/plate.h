/* trawl/plate.h - the one home of licence-plate text: how a plate is
 * spelt, which texts can be plates, which characters a reader mixes up, and
 * how near two plate texts (or a text and a search pattern) are.
 *
 *   normalisation   one spelling for reads, labels and queries alike:
 *                   "32-lbd 6" and "32LBD6" are the same plate;
 *   grammars        the country formats (Chinese, new-energy, Brazilian,
 *                   other Latin), plausibility, grammar-guided fixes;
 *   confusions      the a-priori OCR confusion classes (0/O/D/Q, 1/I/L,
 *                   2/Z, 5/S, 8/B, 6/G) and the substitution costs measured
 *                   on trawl's own reader (src/plate/confusions.inc);
 *   distances       plain Levenshtein, and a weighted edit distance whose
 *                   substitutions cost what the reader's confusions say;
 *   patterns        wildcard queries ('?' one character, '*' any run),
 *                   matched exactly or at a confusion-weighted cost;
 *   n-gram vectors  a fixed-length featuriser for FAISS.
 *
 * No models: detect, track, vectors, search and the front ends all use
 * it. Every function accepts NULL text as "" unless it says otherwise;
 * every _free accepts NULL.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- normalisation ---- */

/* The one spelling of plate text: full-width forms to ASCII, upper case,
 * and only characters a plate can hold kept: letters A-Z, digits 0-9 and
 * Han characters (a Chinese province, 学, 警, ...). Separators (space, '-',
 * '.', U+00B7 '·', ...) and any other symbol are dropped. Invalid UTF-8 is
 * read as far as it is valid (the bad bytes are dropped). Returns a new
 * string (g_free); "" for NULL. "32-lbd 6" -> "32LBD6", "粤B·12345" ->
 * "粤B12345". */
char    *trawl_plate_normalize (const char *text);
/* Would normalisation keep c (after case and width folding)? */
gboolean trawl_plate_char_kept (gunichar c);
/* Is c a separator normalisation drops silently (space, '-', '.', '·',
 * U+2022, U+30FB, dashes, tab, ideographic space)? */
gboolean trawl_plate_char_is_separator (gunichar c);
/* c as normalisation spells it: full-width to ASCII, ASCII upper case. */
gunichar trawl_plate_char_normalize (gunichar c);

/* ---- grammars ---- */

typedef enum {
  TRAWL_PLATE_INVALID = 0,  /* not a plausible plate */
  TRAWL_PLATE_CN = 1,       /* province + letter + 5 alphanumerics */
  TRAWL_PLATE_CN_NEW_ENERGY = 2, /* province + letter + 6 */
  TRAWL_PLATE_BR = 3,       /* LLL9999 or Mercosul LLL9L99 */
  TRAWL_PLATE_LATIN = 4,    /* other Latin plates: 2..8 letters/digits */
} TrawlPlateFormat;

/* The format of a normalised text (see trawl_plate_normalize). */
TrawlPlateFormat trawl_plate_classify (const char *norm);
const char      *trawl_plate_format_name (TrawlPlateFormat f);
gboolean         trawl_plate_is_province (gunichar c);

/* Plate-shaped ordinary text? FALSE for words a plate reader often sees
 * near a plate (state names, makes, slogans) and for texts that fit no
 * format. */
gboolean trawl_plate_plausible (const char *norm);

/* Fixes confusable characters where the format says which kind belongs
 * (CN: letter after the province; BR: letters first, digits where digits
 * go). Returns a new string; the input when nothing applies. g_free. */
char *trawl_plate_fix_by_grammar (const char *norm);

/* ---- shapes: national formats by position ----
 *
 * Where letters and where digits go on the plates of a country (Dutch side
 * codes, Belgian, Czech, French/Italian/Slovak, Spanish, UK, Polish, German, common US,
 * Brazilian: src/plate/plate-grammar.c), for telling an O from a 0 by its
 * place. A union over countries: a text fits when any shape does. */

/* The country of the first shape the normalised text fits ("nl", "uk",
 * ...; static), or NULL: none does (or the text is not ASCII). */
const char *trawl_plate_shape_country (const char *norm);

/* One character of a read with what else the reader (or a vote over a
 * track's frames) thought it could be. */
#define TRAWL_PLATE_SLOT_N 4
typedef struct {
  gunichar c[TRAWL_PLATE_SLOT_N]; /* most likely first; 0 ends the list */
  float    p[TRAWL_PLATE_SLOT_N]; /* their probabilities */
} TrawlPlateSlot;

/* The text of n slots (normalised characters) with confusable characters
 * moved to the class their position needs: the top characters as they are
 * when they fit some shape (never forced into another); else the text of
 * the shape reached most cheaply, changing characters to look-alike
 * alternatives (trawl_plate_confusable; cost ln(p_top / p_alt)) or to a
 * confusion partner the
 * reader did not offer (as if offered at 1e-3), when that costs at most
 * ln 4 (alternatives offered at a quarter of the read or more: a sure read
 * is not forced) and at least 1 less than any other text. Chosen on the
 * shared plate photos: allowing unoffered changes (cost 6.5) fixed one
 * Italian plate (BA268IM) and broke eight US plates, whose many state
 * formats the table does not hold; at ln 4 no read changed.
 * A read one character too long may also lose one (see _full below).
 * Returns a new string, or NULL when no shape can be reached so (or the
 * slots hold non-ASCII). cost (nullable) gets the cost paid. */
char *trawl_plate_resolve_by_shape (const TrawlPlateSlot *slots, int n, double *cost);
/* The same, and a read one character too long for the shapes it should
 * fit: a character may also be dropped, at the cost ln(p / rest), rest
 * being the probability its slot leaves to no letter or digit (so only
 * where "nothing" was offered at >= 1/4 of it: a sticker, a bolt or a
 * separator read as a character), in the same budget and margin as the
 * changes. dropped (nullable) gets the slot dropped, or -1. */
char *trawl_plate_resolve_by_shape_full (const TrawlPlateSlot *slots, int n, double *cost,
                                         int *dropped);

/* One read of a plate in a track: its slots and how much it counts. */
typedef struct {
  const TrawlPlateSlot *slots;
  int                   n;
  double                weight;  /* e.g. confidence x detection score */
} TrawlPlateRead;

/* A vote per character over reads of one plate (a track's frames): the
 * length is the one most of the weight reads at; reads of another length
 * are aligned to the heaviest read of that length (edit distance on
 * confusion-folded characters; extra characters vote for nothing). Each
 * read gives every candidate of a slot weight x probability. Writes the
 * voted slots (candidates by share of the weight, most first) to out and
 * returns their count; 0 when there is nothing to vote on or more than
 * max positions. Pass the result to trawl_plate_resolve_by_shape. */
int trawl_plate_vote (const TrawlPlateRead *reads, int n_reads, TrawlPlateSlot *out, int max);

/* A read below this confidence that fits no shape and is all letters, all
 * digits or shorter than 5 is taken for a badge, a model name or a sign,
 * not a plate (chosen on the shared plate clips: such tracks read at best
 * 0.41-0.83, their plates 0.88-0.97; vanity plates are rare). */
#define TRAWL_PLATE_WORD_MIN_CONFIDENCE 0.85

/* Is a normalised read of this confidence (0..1) likely a plate?
 * Plausible (trawl_plate_plausible) and either a Chinese or Brazilian
 * format, a national shape, 5 or more letters and digits mixed, or else
 * read with at least TRAWL_PLATE_WORD_MIN_CONFIDENCE. Judge the read as
 * read, before trawl_plate_resolve_by_shape moved characters. */
gboolean trawl_plate_likely (const char *norm, double confidence);

/* ---- confusions ---- */

/* OCR confusion classes: 0/O/D/Q -> '0', 1/I/L -> '1', 2/Z -> '2',
 * 5/S -> '5', 8/B -> '8', 6/G -> '6'; any other character maps to itself
 * (normalised: upper case, full-width to ASCII). */
gunichar trawl_plate_fold_char (gunichar c);
/* The normalised text with every character folded: the key that matches
 * reads differing only by confusable characters. g_free. */
char    *trawl_plate_fold (const char *text);
gboolean trawl_plate_confusable (gunichar a, gunichar b);
/* The letter a confusable digit most often stands for where a letter must
 * be ('0' -> 'O', '8' -> 'B', ...), and the digit a confusable letter
 * stands for where a digit must be ('B' -> '8', 'D' -> '0', ...); other
 * characters come back as they are. */
gunichar trawl_plate_digit_to_letter (gunichar c);
gunichar trawl_plate_letter_to_digit (gunichar c);

/* The cost of reading a for b (or b for a: symmetric), 0..1: 0 when equal,
 * 1 for characters the reader never mixes up or that the measured table
 * does not know; in between for the pairs it does, lower the more often
 * trawl's reader confused them on the shared plate crops (a B read as 8
 * costs far less than B vs X). Characters are compared normalised. */
double trawl_plate_substitution_cost (gunichar a, gunichar b);

/* ---- distances ---- */

/* Levenshtein distance between two UTF-8 strings, in characters (no
 * normalisation, unit costs). Invalid UTF-8: the longer byte length. */
int    trawl_text_edit_distance (const char *a, const char *b);

/* Weighted edit distance between two normalised texts: insertions and
 * deletions cost 1, substitutions trawl_plate_substitution_cost.
 * Symmetric; 0 exactly when a and b are equal. Handles any UTF-8 (a
 * Chinese province costs like any other character); invalid UTF-8 gives
 * the longer length in bytes. */
double trawl_plate_edit_distance (const char *a, const char *b);

/* ---- patterns ---- */

typedef enum {
  TRAWL_PLATE_MATCH_FUZZY = 0,       /* confusion-weighted edit cost */
  TRAWL_PLATE_MATCH_EXACT = 1 << 0,  /* the normalised text must fit the pattern */
} TrawlPlateMatchFlags;

/* The most characters a pattern may hold, '*' not counted. */
#define TRAWL_PLATE_PATTERN_MAX 16

typedef struct _TrawlPlatePattern TrawlPlatePattern;

/* Compiles a wildcard pattern over plate text: '?' stands for one
 * character, '*' for any run (possibly empty; several in a row are one).
 * The literal parts are normalised like reads: case and width folded,
 * separators (space, '-', '.', '·', ...) dropped, a Chinese province kept.
 * Fails with TRAWL_ERROR_INVALID_ARG, saying what is wrong, for invalid
 * UTF-8, a pattern empty after normalisation or of wildcards only, one of
 * more than TRAWL_PLATE_PATTERN_MAX characters ('*' not counted), and a
 * character no plate holds ('#', 'é', ...). Returns NULL then; free with
 * trawl_plate_pattern_free. */
TrawlPlatePattern *trawl_plate_pattern_new (const char *pattern, TrawlPlateMatchFlags flags,
                                            GError **error);
void               trawl_plate_pattern_free (TrawlPlatePattern *p);
/* The normalised pattern, e.g. "AB12?CD" for "ab-12?cd"; owned by p. */
const char        *trawl_plate_pattern_get_normalized (const TrawlPlatePattern *p);
gboolean           trawl_plate_pattern_has_wildcards (const TrawlPlatePattern *p);
TrawlPlateMatchFlags trawl_plate_pattern_get_flags (const TrawlPlatePattern *p);
/* How many literal characters the pattern holds (neither '?' nor '*'). */
int                trawl_plate_pattern_get_n_literals (const TrawlPlatePattern *p);

/* The cost of the cheapest alignment of text (a normalised read: it is not
 * normalised again) to the pattern: 0 for an exact fit; a literal
 * substituted costs trawl_plate_substitution_cost, a character inserted or
 * deleted 1, '?' matches any one character for 0 and '*' any run for 0.
 * With TRAWL_PLATE_MATCH_EXACT only 0 or INFINITY (alternatives unused).
 *
 * alternatives_json (nullable) is the read's per-character alternatives as
 * trawl_plate_chars_to_json writes them ([{"c":"B","p":0.61,"alt":[["B",
 * 0.61],["8",0.35]]}, ...]): when its entries that normalisation keeps line
 * up one to one with text, a pattern character among a position's
 * alternatives costs 1 - its probability there, where that is less than the
 * table's cost. Alternatives that do not line up are ignored, and so is
 * JSON that does not parse.
 *
 * Cost per 7-character text (benchmarks/plate-match.c, CPU time): about
 * 50-70 ns without alternatives, 25-40 ns bounded (cost_bounded), 0.4 us
 * with alternatives in trawl's own layout (any other JSON layout goes
 * through json-glib: ~30 us). Returns INFINITY for NULL text or invalid
 * UTF-8. */
double trawl_plate_pattern_cost (const TrawlPlatePattern *p, const char *text,
                                 const char *alternatives_json);
/* The same, but gives up (returning INFINITY) as soon as the cost is sure
 * to exceed max_cost: cheaper when most texts are far. Any cost <= max_cost
 * comes back exact. */
double trawl_plate_pattern_cost_bounded (const TrawlPlatePattern *p, const char *text,
                                         const char *alternatives_json, double max_cost);
/* Similarity 0..1 for ranking: 1 - cost / MAX (1, n_literals), clamped at 0
 * (n_literals: trawl_plate_pattern_get_n_literals). 1 is an exact fit; a
 * single confusable substitution in a 7-character plate scores about 0.95,
 * an unrelated character 0.86. */
double trawl_plate_pattern_score (const TrawlPlatePattern *p, const char *text,
                                  const char *alternatives_json);
/* A SQLite GLOB pattern that every text the pattern matches fits, for a
 * cheap prefilter in SQL over normalised text: with
 * TRAWL_PLATE_MATCH_EXACT the normalised pattern itself; NULL for fuzzy
 * patterns (no prefilter applies: any text may cost little). g_free. */
char  *trawl_plate_pattern_to_glob (const TrawlPlatePattern *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlPlatePattern, trawl_plate_pattern_free)

/* ---- n-gram vectors ---- */

#define TRAWL_PLATE_NGRAM_DIM 256  /* hashed n-gram vector length */

/* Writes the TRAWL_PLATE_NGRAM_DIM-d vector of a plate reading into out:
 * the text is normalised (trawl_plate_normalize), then character 1-, 2-
 * and 3-grams (with start/end markers) are hashed into the vector, once for
 * the exact characters and once with OCR-confusable characters folded into
 * one class each (trawl_plate_fold_char), so "AB12CD" stays near "A812CD".
 * The result is L2-normalised; an empty reading gives the zero vector and
 * FALSE. */
gboolean trawl_plate_ngram_vector (const char *text, float *out);

G_END_DECLS
