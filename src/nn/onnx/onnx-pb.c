/* onnx-pb.c - protobuf wire-format decoding for the ONNX loader.
 *
 * Only decoding, only what ONNX files use: varints, fixed32/64, LEN spans,
 * packed and unpacked repeated scalars. Groups (wire types 3 and 4) are
 * obsolete and refused. All reads stay inside [p, end).
 */
#include "onnx-pb.h"

#include <string.h>
#include <trawl/nn.h>

void
_trawl_pb_reader_init (TrawlPbReader *r, const guint8 *buf, gsize len)
{
  r->p = buf;
  r->end = buf + len;
  r->base = buf;
}

void
_trawl_pb_reader_sub (TrawlPbReader *r, const TrawlPbReader *parent,
                      const TrawlPbField *f)
{
  r->p = f->data;
  r->end = f->data + f->len;
  r->base = parent->base;
}

gboolean
_trawl_pb_varint (const guint8 **p, const guint8 *end, guint64 *v)
{
  const guint8 *q = *p;
  guint64 x = 0;

  for (int shift = 0; shift < 70; shift += 7)
    {
      if (q >= end)
        return FALSE;
      guint8 b = *q++;
      if (shift == 63 && (b & 0x7e))
        return FALSE;  /* bits beyond 64 */
      x |= (guint64) (b & 0x7f) << shift;
      if (!(b & 0x80))
        {
          *p = q;
          *v = x;
          return TRUE;
        }
    }
  return FALSE;  /* more than 10 bytes */
}

/* number is the field's number, 0 when the tag itself is bad. */
static int
fail (GError **error, const TrawlPbReader *r, const guint8 *at, guint32 number,
      const char *what, const char *msg)
{
  if (number)
    g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
                 "%s (field %u at byte %" G_GSIZE_FORMAT " in %s)", msg, number,
                 (gsize) (at - r->base), what);
  else
    g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
                 "%s at byte %" G_GSIZE_FORMAT " in %s", msg, (gsize) (at - r->base), what);
  return -1;
}

int
_trawl_pb_next (TrawlPbReader *r, TrawlPbField *f, const char *what, GError **error)
{
  const guint8 *start = r->p;
  guint64 tag, n;

  if (r->p >= r->end)
    return 0;
  if (!_trawl_pb_varint (&r->p, r->end, &tag))
    return fail (error, r, start, 0, what, "truncated or overlong field tag");
  if ((tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
    return fail (error, r, start, 0, what, "invalid field number");
  f->number = (guint32) (tag >> 3);
  f->wire = (TrawlPbWire) (tag & 7);
  f->offset = (gsize) (start - r->base);
  f->data = NULL;
  f->len = 0;
  f->u = 0;

  switch (f->wire)
    {
    case TRAWL_PB_VARINT:
      if (!_trawl_pb_varint (&r->p, r->end, &f->u))
        return fail (error, r, start, f->number, what, "truncated varint");
      return 1;
    case TRAWL_PB_FIXED64:
      if (r->end - r->p < 8)
        return fail (error, r, start, f->number, what, "truncated fixed64");
      for (int i = 0; i < 8; i++)
        f->u |= (guint64) r->p[i] << (8 * i);
      r->p += 8;
      return 1;
    case TRAWL_PB_FIXED32:
      if (r->end - r->p < 4)
        return fail (error, r, start, f->number, what, "truncated fixed32");
      for (int i = 0; i < 4; i++)
        f->u |= (guint64) r->p[i] << (8 * i);
      r->p += 4;
      return 1;
    case TRAWL_PB_LEN:
      if (!_trawl_pb_varint (&r->p, r->end, &n))
        return fail (error, r, start, f->number, what, "truncated length");
      if (n > (guint64) (r->end - r->p))
        return fail (error, r, start, f->number, what, "length runs past the end of the data");
      f->data = r->p;
      f->len = (gsize) n;
      r->p += n;
      return 1;
    default:
      return fail (error, r, start, f->number, what, "unsupported wire type");
    }
}

static gboolean
field_error (GError **error, const TrawlPbField *f, const char *what, const char *msg)
{
  g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
               "%s (field %u at byte %" G_GSIZE_FORMAT " in %s)", msg,
               f->number, f->offset, what);
  return FALSE;
}

gboolean
_trawl_pb_append_ints (const TrawlPbField *f, GArray *out, const char *what,
                       GError **error)
{
  if (f->wire == TRAWL_PB_VARINT)
    {
      int64_t v = (int64_t) f->u;
      g_array_append_val (out, v);
      return TRUE;
    }
  if (f->wire != TRAWL_PB_LEN)
    return field_error (error, f, what, "wrong wire type for an integer list");
  const guint8 *p = f->data, *end = f->data + f->len;
  while (p < end)
    {
      guint64 u;
      if (!_trawl_pb_varint (&p, end, &u))
        return field_error (error, f, what, "truncated varint in a packed integer list");
      int64_t v = (int64_t) u;
      g_array_append_val (out, v);
    }
  return TRUE;
}

gboolean
_trawl_pb_append_floats (const TrawlPbField *f, GArray *out, const char *what,
                         GError **error)
{
  float v;

  if (f->wire == TRAWL_PB_FIXED32)
    {
      guint32 bits = (guint32) f->u;
      memcpy (&v, &bits, 4);
      g_array_append_val (out, v);
      return TRUE;
    }
  if (f->wire != TRAWL_PB_LEN)
    return field_error (error, f, what, "wrong wire type for a float list");
  if (f->len % 4)
    return field_error (error, f, what, "packed float list length is not a multiple of 4");
  gsize n = f->len / 4, old = out->len;
  g_array_set_size (out, old + n);
  /* Little-endian on the wire as on every host we build for. */
  memcpy ((float *) (void *) out->data + old, f->data, f->len);
  return TRUE;
}

gboolean
_trawl_pb_string (const TrawlPbField *f, char **out, const char *what, GError **error)
{
  if (f->wire != TRAWL_PB_LEN)
    return field_error (error, f, what, "string field has the wrong wire type");
  if (memchr (f->data, 0, f->len))
    return field_error (error, f, what, "string field holds a NUL byte");
  *out = g_strndup ((const char *) f->data, f->len);
  return TRUE;
}
