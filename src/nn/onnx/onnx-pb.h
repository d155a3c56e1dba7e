/* onnx-pb.h - a minimal protobuf wire-format reader (private to nn/onnx).
 *
 * Reads fields one at a time out of a byte span without copying: varints,
 * fixed32/64 and length-delimited spans (sub-messages, strings, packed
 * repeated fields). Knows nothing about ONNX; onnx-load.c gives the field
 * numbers meaning. Every read is bounds-checked: a truncated or corrupt
 * buffer yields TRAWL_NN_ERROR_FORMAT, never a read past the end.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum {
  TRAWL_PB_VARINT = 0,
  TRAWL_PB_FIXED64 = 1,
  TRAWL_PB_LEN = 2,
  TRAWL_PB_FIXED32 = 5,
} TrawlPbWire;

/* A cursor over one message's bytes. */
typedef struct {
  const guint8 *p;     /* next byte to read */
  const guint8 *end;   /* one past the message's last byte */
  const guint8 *base;  /* start of the whole buffer, for offsets in errors */
} TrawlPbReader;

/* One decoded field. For LEN fields data/len give the payload (borrowed
 * from the reader's buffer); for the others u holds the value (fixed32 in
 * the low 32 bits). */
typedef struct {
  guint32       number;
  TrawlPbWire   wire;
  guint64       u;
  const guint8 *data;
  gsize         len;
  gsize         offset;  /* of the field's tag, from base */
} TrawlPbField;

/* A reader over buf[0..len); base is buf. */
void     _trawl_pb_reader_init (TrawlPbReader *r, const guint8 *buf, gsize len);
/* A reader over a LEN field's payload (same base as its parent). */
void     _trawl_pb_reader_sub (TrawlPbReader *r, const TrawlPbReader *parent,
                               const TrawlPbField *f);

/* Decodes the next field. Returns 1 with *f filled, 0 at the end of the
 * message, -1 with error set (TRAWL_NN_ERROR_FORMAT) when the bytes are
 * malformed; what names the message for the error text. */
int      _trawl_pb_next (TrawlPbReader *r, TrawlPbField *f, const char *what,
                         GError **error);

/* Decodes a varint at *p (< end), advancing *p. FALSE when truncated or
 * longer than 10 bytes. */
gboolean _trawl_pb_varint (const guint8 **p, const guint8 *end, guint64 *v);

/* Appends the values of a repeated int64/int32 field to out (an int64_t
 * GArray), accepting both the packed (LEN) and unpacked (VARINT) forms.
 * int32 fields are sign-extended by the wire format itself. FALSE with
 * error set on a malformed field. */
gboolean _trawl_pb_append_ints (const TrawlPbField *f, GArray *out,
                                const char *what, GError **error);
/* Same for a repeated float field: packed (LEN) or unpacked (FIXED32). */
gboolean _trawl_pb_append_floats (const TrawlPbField *f, GArray *out,
                                  const char *what, GError **error);
/* A LEN field as a newly allocated NUL-terminated string (g_free). FALSE
 * with error set when the field is not LEN or holds a NUL byte. */
gboolean _trawl_pb_string (const TrawlPbField *f, char **out, const char *what,
                           GError **error);

G_END_DECLS
