/* test-onnx-load.c - the protobuf wire reader and the ONNX loader.
 *
 * Hand-made byte buffers check the reader (varints, fixed widths, packed
 * and unpacked repeated fields, malformed input). Small models written here
 * with a tiny protobuf writer check the loader's mapping, including the
 * rewrites of older opsets, by running them and comparing with values
 * worked out by hand. The real PP-OCR models check loading at full size and
 * that truncated, corrupted, empty and missing files fail with a GError
 * (run this program under ASan too).
 */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <trawl/base.h>
#include <trawl/nn.h>

#include "nn/onnx/onnx-pb.h"

/* ---- a tiny protobuf writer ---- */

static void
put_varint (GByteArray *b, guint64 v)
{
  do
    {
      guint8 c = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
      g_byte_array_append (b, &c, 1);
      v >>= 7;
    }
  while (v);
}

static void
put_tag (GByteArray *b, guint field, guint wire)
{
  put_varint (b, ((guint64) field << 3) | wire);
}

static void
put_int (GByteArray *b, guint field, int64_t v)
{
  put_tag (b, field, 0);
  put_varint (b, (guint64) v);
}

static void
put_bytes (GByteArray *b, guint field, const void *data, gsize len)
{
  put_tag (b, field, 2);
  put_varint (b, len);
  g_byte_array_append (b, data, (guint) len);
}

static void
put_str (GByteArray *b, guint field, const char *s)
{
  put_bytes (b, field, s, strlen (s));
}

/* Appends sub as a LEN field and frees it. */
static void
put_msg (GByteArray *b, guint field, GByteArray *sub)
{
  put_bytes (b, field, sub->data, sub->len);
  g_byte_array_unref (sub);
}

static void
put_float (GByteArray *b, guint field, float f)
{
  guint8 le[4];

  memcpy (le, &f, 4);
  put_tag (b, field, 5);
  g_byte_array_append (b, le, 4);
}

/* TensorProto with float raw_data. */
static GByteArray *
tensor_f32 (const char *name, int ndim, const int64_t *dims, const float *v, int n)
{
  GByteArray *t = g_byte_array_new ();

  for (int i = 0; i < ndim; i++)
    put_int (t, 1, dims[i]);
  put_int (t, 2, 1);
  if (name)
    put_str (t, 8, name);
  put_bytes (t, 9, v, sizeof (float) * n);
  return t;
}

/* TensorProto with packed int64_data (dtype 7) or int32_data (dtype 6). */
static GByteArray *
tensor_int (const char *name, int dtype, int64_t n, const int64_t *v)
{
  GByteArray *t = g_byte_array_new (), *packed = g_byte_array_new ();

  put_int (t, 1, n);
  put_int (t, 2, dtype);
  put_str (t, 8, name);
  for (int i = 0; i < n; i++)
    put_varint (packed, (guint64) v[i]);
  put_bytes (t, dtype == 7 ? 7 : 5, packed->data, packed->len);
  g_byte_array_unref (packed);
  return t;
}

static GByteArray *
attr_int (const char *name, int64_t v)
{
  GByteArray *a = g_byte_array_new ();

  put_str (a, 1, name);
  put_int (a, 20, 2);
  put_int (a, 3, v);
  return a;
}

static GByteArray *
attr_float (const char *name, float v)
{
  GByteArray *a = g_byte_array_new ();

  put_str (a, 1, name);
  put_int (a, 20, 1);
  put_float (a, 2, v);
  return a;
}

/* INTS attribute, unpacked (as onnx's Python writer emits them). */
static GByteArray *
attr_ints (const char *name, int n, const int64_t *v)
{
  GByteArray *a = g_byte_array_new ();

  put_str (a, 1, name);
  put_int (a, 20, 7);
  for (int i = 0; i < n; i++)
    put_int (a, 8, v[i]);
  return a;
}

/* NodeProto: inputs and outputs as NULL-terminated lists; attrs taken. */
static GByteArray *
node (const char *op, const char *name, const char *const *in, const char *const *out,
      GByteArray **attrs, int n_attrs)
{
  GByteArray *n = g_byte_array_new ();

  for (int i = 0; in && in[i]; i++)
    put_str (n, 1, in[i]);
  for (int i = 0; out[i]; i++)
    put_str (n, 2, out[i]);
  put_str (n, 3, name);
  put_str (n, 4, op);
  for (int i = 0; i < n_attrs; i++)
    put_msg (n, 5, attrs[i]);
  return n;
}

/* ValueInfoProto of a float tensor; dims -1 become dim_param "N". */
static GByteArray *
value_info (const char *name, int ndim, const int64_t *dims)
{
  GByteArray *vi = g_byte_array_new (), *type = g_byte_array_new ();
  GByteArray *tt = g_byte_array_new (), *shape = g_byte_array_new ();

  for (int i = 0; i < ndim; i++)
    {
      GByteArray *d = g_byte_array_new ();
      if (dims[i] < 0)
        put_str (d, 2, "N");
      else
        put_int (d, 1, dims[i]);
      put_msg (shape, 1, d);
    }
  put_int (tt, 1, 1);
  put_msg (tt, 2, shape);
  put_msg (type, 1, tt);
  put_str (vi, 1, name);
  put_msg (vi, 2, type);
  return vi;
}

/* ModelProto around graph (taken) with the given default-domain opset. */
static GByteArray *
model (GByteArray *graph, int opset)
{
  GByteArray *m = g_byte_array_new (), *os = g_byte_array_new ();

  put_int (m, 1, 7);
  put_msg (m, 7, graph);
  put_str (os, 1, "");
  put_int (os, 2, opset);
  put_msg (m, 8, os);
  return m;
}

/* Writes bytes (taken) to a temp file and loads it. */
static TrawlNnGraph *
load_bytes (GByteArray *bytes, GError **error)
{
  GError *err = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("trawl-onnx-XXXXXX.onnx", &path, &err);

  g_assert_no_error (err);
  close (fd);
  g_assert_true (g_file_set_contents (path, (const char *) bytes->data, bytes->len, &err));
  g_assert_no_error (err);
  g_byte_array_unref (bytes);
  TrawlNnGraph *g = trawl_nn_load_onnx (path, error);
  g_unlink (path);
  g_free (path);
  return g;
}

/* Plans g for one input of the given dims and runs it; returns output 0's
 * data copied (g_free). */
static float *
run1 (TrawlNnGraph *g, int ndim, const int64_t *dims, const float *x, TrawlNnTensor *out_shape)
{
  GError *err = NULL;
  TrawlNnTensor in = { .dtype = TRAWL_NN_F32, .ndim = ndim, .data = (void *) x };
  TrawlNnPlanOptions opts = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 1 };
  TrawlNnTensor out;

  memcpy (in.dims, dims, sizeof (int64_t) * ndim);
  TrawlNnPlan *plan = trawl_nn_plan_new (g, &in, 1, &opts, &err);
  g_assert_no_error (err);
  g_assert_true (trawl_nn_plan_run (plan, &in, 1, &out, 1, &err));
  g_assert_no_error (err);
  float *copy = g_memdup2 (out.data, sizeof (float) * trawl_nn_tensor_numel (&out));
  *out_shape = out;
  out_shape->data = NULL;
  trawl_nn_plan_free (plan);
  return copy;
}

/* ---- the wire reader ---- */

static void
check_varint (const guint8 *bytes, gsize len, gboolean ok, guint64 want)
{
  const guint8 *p = bytes;
  guint64 v = 12345;

  g_assert_cmpint (_trawl_pb_varint (&p, bytes + len, &v), ==, ok);
  if (ok)
    {
      g_assert_cmpuint (v, ==, want);
      g_assert_true (p == bytes + len);
    }
  else
    {
      g_assert_true (p == bytes);  /* nothing consumed on failure */
    }
}

static void
test_pb_varint (void)
{
  static const guint8 zero[] = { 0x00 };
  static const guint8 v150[] = { 0x96, 0x01 };
  static const guint8 v300[] = { 0xac, 0x02 };
  static const guint8 max[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
  static const guint8 over[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
  static const guint8 eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                   0x80, 0x00 };
  static const guint8 trunc[] = { 0x80, 0x80 };

  check_varint (zero, 1, TRUE, 0);
  check_varint (v150, 2, TRUE, 150);
  check_varint (v300, 2, TRUE, 300);
  check_varint (max, 10, TRUE, G_MAXUINT64);  /* also int64 -1 */
  g_assert_cmpint ((int64_t) G_MAXUINT64, ==, -1);
  check_varint (over, 10, FALSE, 0);
  check_varint (eleven, 11, FALSE, 0);
  check_varint (trunc, 2, FALSE, 0);
  check_varint (v150, 1, FALSE, 0);
  check_varint (v150, 0, FALSE, 0);
}

static void
test_pb_fields (void)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  static const guint8 f64[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  TrawlPbReader r;
  TrawlPbField f;
  GError *err = NULL;

  put_int (b, 1, 150);
  put_float (b, 2, 1.5f);
  put_str (b, 3, "abc");
  put_tag (b, 4, 1);
  g_byte_array_append (b, f64, 8);
  put_int (b, 536870911, 7);  /* the largest field number */

  _trawl_pb_reader_init (&r, b->data, b->len);
  g_assert_cmpint (_trawl_pb_next (&r, &f, "test", &err), ==, 1);
  g_assert_cmpuint (f.number, ==, 1);
  g_assert_cmpint (f.wire, ==, TRAWL_PB_VARINT);
  g_assert_cmpuint (f.u, ==, 150);
  g_assert_cmpuint (f.offset, ==, 0);

  g_assert_cmpint (_trawl_pb_next (&r, &f, "test", &err), ==, 1);
  g_assert_cmpint (f.wire, ==, TRAWL_PB_FIXED32);
  guint32 bits = (guint32) f.u;
  float fv;
  memcpy (&fv, &bits, 4);
  g_assert_cmpfloat (fv, ==, 1.5f);

  g_assert_cmpint (_trawl_pb_next (&r, &f, "test", &err), ==, 1);
  g_assert_cmpint (f.wire, ==, TRAWL_PB_LEN);
  g_assert_cmpuint (f.len, ==, 3);
  g_assert_cmpmem (f.data, 3, "abc", 3);
  char *s = NULL;
  g_assert_true (_trawl_pb_string (&f, &s, "test", &err));
  g_assert_cmpstr (s, ==, "abc");
  g_free (s);

  g_assert_cmpint (_trawl_pb_next (&r, &f, "test", &err), ==, 1);
  g_assert_cmpint (f.wire, ==, TRAWL_PB_FIXED64);
  g_assert_cmpuint (f.u, ==, G_GUINT64_CONSTANT (0x0807060504030201));

  g_assert_cmpint (_trawl_pb_next (&r, &f, "test", &err), ==, 1);
  g_assert_cmpuint (f.number, ==, 536870911);
  g_assert_cmpint (_trawl_pb_next (&r, &f, "test", &err), ==, 0);
  g_assert_no_error (err);
}

static void
test_pb_packed (void)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_autoptr (GByteArray) packed = g_byte_array_new ();
  g_autoptr (GArray) ints = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GArray) floats = g_array_new (FALSE, FALSE, sizeof (float));
  static const float fl[3] = { 0.5f, -2.0f, 1e30f };
  TrawlPbReader r;
  TrawlPbField f;
  GError *err = NULL;

  put_varint (packed, 3);
  put_varint (packed, 270);
  put_varint (packed, (guint64) (int64_t) -2);
  put_bytes (b, 1, packed->data, packed->len);  /* packed */
  put_int (b, 1, 86942);                         /* and unpacked, mixed */
  put_int (b, 1, -1);
  put_bytes (b, 2, fl, sizeof fl);               /* packed floats */
  put_float (b, 2, 7.25f);                       /* unpacked float */

  _trawl_pb_reader_init (&r, b->data, b->len);
  while (_trawl_pb_next (&r, &f, "test", &err) == 1)
    {
      if (f.number == 1)
        g_assert_true (_trawl_pb_append_ints (&f, ints, "test", &err));
      else
        g_assert_true (_trawl_pb_append_floats (&f, floats, "test", &err));
    }
  g_assert_no_error (err);
  g_assert_cmpuint (ints->len, ==, 5);
  g_assert_cmpint (g_array_index (ints, int64_t, 0), ==, 3);
  g_assert_cmpint (g_array_index (ints, int64_t, 1), ==, 270);
  g_assert_cmpint (g_array_index (ints, int64_t, 2), ==, -2);
  g_assert_cmpint (g_array_index (ints, int64_t, 3), ==, 86942);
  g_assert_cmpint (g_array_index (ints, int64_t, 4), ==, -1);
  g_assert_cmpuint (floats->len, ==, 4);
  g_assert_cmpfloat (g_array_index (floats, float, 0), ==, 0.5f);
  g_assert_cmpfloat (g_array_index (floats, float, 1), ==, -2.0f);
  g_assert_cmpfloat (g_array_index (floats, float, 2), ==, 1e30f);
  g_assert_cmpfloat (g_array_index (floats, float, 3), ==, 7.25f);

  /* A packed float list whose length is not a multiple of 4. */
  g_byte_array_set_size (b, 0);
  put_bytes (b, 4, fl, 5);
  _trawl_pb_reader_init (&r, b->data, b->len);
  g_assert_cmpint (_trawl_pb_next (&r, &f, "test", &err), ==, 1);
  g_assert_false (_trawl_pb_append_floats (&f, floats, "floats", &err));
  g_assert_error (err, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT);
  g_clear_error (&err);

  /* A packed int list ending inside a varint. */
  g_byte_array_set_size (b, 0);
  static const guint8 bad[] = { 0x05, 0x80 };
  put_bytes (b, 1, bad, 2);
  _trawl_pb_reader_init (&r, b->data, b->len);
  g_assert_cmpint (_trawl_pb_next (&r, &f, "test", &err), ==, 1);
  g_assert_false (_trawl_pb_append_ints (&f, ints, "ints", &err));
  g_assert_error (err, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT);
  g_clear_error (&err);
}

/* Each buffer must fail with a FORMAT error whose text mentions needle. */
static void
check_pb_error (const guint8 *bytes, gsize len, const char *needle)
{
  TrawlPbReader r;
  TrawlPbField f;
  GError *err = NULL;
  int rc;

  _trawl_pb_reader_init (&r, bytes, len);
  while ((rc = _trawl_pb_next (&r, &f, "TestProto", &err)) == 1)
    ;
  g_assert_cmpint (rc, ==, -1);
  g_assert_error (err, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT);
  g_assert_nonnull (strstr (err->message, needle));
  g_assert_nonnull (strstr (err->message, "TestProto"));
  g_clear_error (&err);
}

static void
test_pb_errors (void)
{
  static const guint8 len_past_end[] = { 0x0a, 0x05, 'a', 'b' };
  static const guint8 group[] = { 0x0b, 0x00 };
  static const guint8 field0[] = { 0x00, 0x01 };
  static const guint8 fixed32[] = { 0x08, 0x01, 0x15, 0x01, 0x02 };
  static const guint8 fixed64[] = { 0x09, 1, 2, 3, 4, 5, 6, 7 };
  static const guint8 tag[] = { 0x80 };
  static const guint8 value[] = { 0x08, 0xff };

  check_pb_error (len_past_end, sizeof len_past_end, "past the end");
  check_pb_error (group, sizeof group, "wire type");
  check_pb_error (field0, sizeof field0, "field number");
  check_pb_error (fixed32, sizeof fixed32, "fixed32");
  check_pb_error (fixed64, sizeof fixed64, "fixed64");
  check_pb_error (tag, sizeof tag, "tag");
  check_pb_error (value, sizeof value, "varint");
}

/* ---- the loader on small hand-made models ---- */

/* y = Clip(x + c, -1, 0.5) * w with opset-9 attributes, c from a Constant
 * node and w from an initializer in float_data (also listed as an input). */
static GByteArray *
tiny_model (void)
{
  GByteArray *g = g_byte_array_new ();
  static const int64_t xd[2] = { -1, 3 }, cd[1] = { 3 };
  static const float c[3] = { 0.25f, 1.0f, -4.0f };

  /* Constant node with a TENSOR attribute. */
  GByteArray *val = g_byte_array_new ();
  put_str (val, 1, "value");
  put_int (val, 20, 4);
  put_msg (val, 5, tensor_f32 (NULL, 1, cd, c, 3));
  GByteArray *a1[1] = { val };
  put_msg (g, 1, node ("Constant", "const", NULL, (const char *[]) { "c", NULL }, a1, 1));
  put_msg (g, 1, node ("Add", "add", (const char *[]) { "x", "c", NULL },
                       (const char *[]) { "s", NULL }, NULL, 0));
  GByteArray *a2[2] = { attr_float ("min", -1.0f), attr_float ("max", 0.5f) };
  put_msg (g, 1, node ("Clip", "clip", (const char *[]) { "s", NULL },
                       (const char *[]) { "y", NULL }, a2, 2));
  put_msg (g, 1, node ("Mul", "", (const char *[]) { "y", "w", NULL },
                       (const char *[]) { "z", NULL }, NULL, 0));
  put_str (g, 2, "tiny");
  /* initializer w (float_data, packed), listed as an input too (IR 3) */
  GByteArray *w = g_byte_array_new ();
  put_int (w, 1, 1);
  put_int (w, 2, 1);
  put_str (w, 8, "w");
  static const float two = 2.0f;
  put_bytes (w, 4, &two, 4);
  put_msg (g, 5, w);
  put_msg (g, 11, value_info ("x", 2, xd));
  put_msg (g, 11, value_info ("w", 1, (const int64_t[]) { 1 }));
  put_msg (g, 12, value_info ("z", 2, xd));
  return model (g, 9);
}

static void
test_load_tiny (void)
{
  GError *err = NULL;

  TrawlNnGraph *graph = load_bytes (tiny_model (), &err);
  g_assert_no_error (err);
  g_assert_cmpint (trawl_nn_graph_n_inputs (graph), ==, 1);
  g_assert_cmpstr (trawl_nn_graph_input_name (graph, 0), ==, "x");
  g_assert_cmpint (trawl_nn_graph_n_outputs (graph), ==, 1);
  g_assert_cmpstr (trawl_nn_graph_output_name (graph, 0), ==, "z");
  g_assert_cmpint (trawl_nn_graph_n_nodes (graph), ==, 3);  /* Constant is folded in */
  g_assert_cmpint (trawl_nn_graph_find_value (graph, "c"), >=, 0);

  static const float x[6] = { 0, 0, 0, -3, 0.1f, 10 };
  static const int64_t dims[2] = { 2, 3 };
  TrawlNnTensor shape;
  float *y = run1 (graph, 2, dims, x, &shape);
  g_assert_cmpint (shape.ndim, ==, 2);
  g_assert_cmpint (shape.dims[0], ==, 2);
  g_assert_cmpint (shape.dims[1], ==, 3);
  /* 2 * clip(x + c, -1, 0.5) */
  static const float want[6] = { 0.5f, 1.0f, -2.0f, -2.0f, 1.0f, 1.0f };
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (y[i], want[i], 1e-6);
  g_free (y);
  trawl_nn_graph_unref (graph);
}

/* Opset-9 Slice/Squeeze attributes and a legacy Softmax that flattens: the
 * loader's rewrites must keep the old meaning. */
static void
test_load_legacy_ops (void)
{
  GByteArray *g = g_byte_array_new ();
  static const int64_t xd[3] = { 1, 2, 4 };
  GError *err = NULL;

  /* Slice x[:, :, 1:3] -> [1,2,2], then Softmax(axis=1) over 4 values
   * (opset < 13 coerces to [1, 4]), then Squeeze(axes=[0]) -> [2,2]. */
  GByteArray *sa[3] = { attr_ints ("starts", 1, (const int64_t[]) { 1 }),
                        attr_ints ("ends", 1, (const int64_t[]) { 3 }),
                        attr_ints ("axes", 1, (const int64_t[]) { 2 }) };
  put_msg (g, 1, node ("Slice", "slice", (const char *[]) { "x", NULL },
                       (const char *[]) { "a", NULL }, sa, 3));
  GByteArray *sm[1] = { attr_int ("axis", 1) };
  put_msg (g, 1, node ("Softmax", "softmax", (const char *[]) { "a", NULL },
                       (const char *[]) { "b", NULL }, sm, 1));
  GByteArray *sq[1] = { attr_ints ("axes", 1, (const int64_t[]) { 0 }) };
  put_msg (g, 1, node ("Squeeze", "squeeze", (const char *[]) { "b", NULL },
                       (const char *[]) { "y", NULL }, sq, 1));
  put_msg (g, 11, value_info ("x", 3, xd));
  put_msg (g, 12, value_info ("y", 2, xd));

  TrawlNnGraph *graph = load_bytes (model (g, 9), &err);
  g_assert_no_error (err);

  static const float x[8] = { 9, 0, 1, 9, 9, 2, 3, 9 };
  TrawlNnTensor shape;
  float *y = run1 (graph, 3, xd, x, &shape);
  g_assert_cmpint (shape.ndim, ==, 2);
  g_assert_cmpint (shape.dims[0], ==, 2);
  g_assert_cmpint (shape.dims[1], ==, 2);
  double z = exp (0) + exp (1) + exp (2) + exp (3);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat_with_epsilon (y[i], exp (i) / z, 1e-6);
  g_free (y);
  trawl_nn_graph_unref (graph);
}

/* Opset-9 Upsample (scales input) and Pad (pads/value attributes). */
static void
test_load_legacy_upsample_pad (void)
{
  GByteArray *g = g_byte_array_new ();
  static const int64_t xd[4] = { 1, 1, 2, 2 }, sd[1] = { 4 };
  static const float scales[4] = { 1, 1, 2, 2 };
  GError *err = NULL;

  put_msg (g, 5, tensor_f32 ("scales", 1, sd, scales, 4));
  GByteArray *ua[1] = { g_byte_array_new () };
  put_str (ua[0], 1, "mode");
  put_int (ua[0], 20, 3);
  put_str (ua[0], 4, "nearest");
  put_msg (g, 1, node ("Upsample", "up", (const char *[]) { "x", "scales", NULL },
                       (const char *[]) { "u", NULL }, ua, 1));
  GByteArray *pa[2] = { attr_ints ("pads", 8, (const int64_t[]) { 0, 0, 0, 1, 0, 0, 0, 1 }),
                        attr_float ("value", 7) };
  put_msg (g, 1, node ("Pad", "pad", (const char *[]) { "u", NULL },
                       (const char *[]) { "y", NULL }, pa, 2));
  put_msg (g, 11, value_info ("x", 4, xd));
  put_msg (g, 12, value_info ("y", 4, xd));
  TrawlNnGraph *graph = load_bytes (model (g, 9), &err);
  g_assert_no_error (err);

  static const float x[4] = { 1, 2, 3, 4 };
  static const float want[4][6] = { { 7, 1, 1, 2, 2, 7 }, { 7, 1, 1, 2, 2, 7 },
                                    { 7, 3, 3, 4, 4, 7 }, { 7, 3, 3, 4, 4, 7 } };
  TrawlNnTensor shape;
  float *y = run1 (graph, 4, xd, x, &shape);
  g_assert_cmpint (shape.ndim, ==, 4);
  g_assert_cmpint (shape.dims[2], ==, 4);
  g_assert_cmpint (shape.dims[3], ==, 6);
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 6; c++)
      g_assert_cmpfloat (y[r * 6 + c], ==, want[r][c]);
  g_free (y);
  trawl_nn_graph_unref (graph);
}

/* INT32 initializers are widened to INT64 (weight bytes show it) with
 * their sign: Reshape takes the widened [3, -1]. */
static void
test_load_int32 (void)
{
  GByteArray *g = g_byte_array_new ();
  static const int64_t xd[2] = { 2, 3 }, v[2] = { 3, -1 };
  GError *err = NULL;

  put_msg (g, 5, tensor_int ("shape32", 6, 2, v));
  put_msg (g, 5, tensor_int ("shape64", 7, 2, v));
  put_msg (g, 1, node ("Reshape", "reshape", (const char *[]) { "x", "shape32", NULL },
                       (const char *[]) { "y", NULL }, NULL, 0));
  put_msg (g, 11, value_info ("x", 2, xd));
  put_msg (g, 12, value_info ("y", 2, xd));
  TrawlNnGraph *graph = load_bytes (model (g, 11), &err);
  g_assert_no_error (err);
  g_assert_cmpuint (trawl_nn_graph_weight_bytes (graph), ==, 2 * 16);

  static const float x[6] = { 1, 2, 3, 4, 5, 6 };
  TrawlNnTensor shape;
  float *y = run1 (graph, 2, xd, x, &shape);
  g_assert_cmpint (shape.dims[0], ==, 3);
  g_assert_cmpint (shape.dims[1], ==, 2);
  g_assert_cmpfloat (y[5], ==, 6);
  g_free (y);
  trawl_nn_graph_unref (graph);
}

/* A one-node graph Relu(x) -> y around extra, with the given opset. */
static GByteArray *
relu_model (GByteArray *extra_graph_fields, int opset)
{
  GByteArray *g = g_byte_array_new ();
  static const int64_t xd[1] = { 4 };

  if (extra_graph_fields)
    {
      g_byte_array_append (g, extra_graph_fields->data, extra_graph_fields->len);
      g_byte_array_unref (extra_graph_fields);
    }
  put_msg (g, 1, node ("Relu", "relu", (const char *[]) { "x", NULL },
                       (const char *[]) { "y", NULL }, NULL, 0));
  put_msg (g, 11, value_info ("x", 1, xd));
  put_msg (g, 12, value_info ("y", 1, xd));
  return model (g, opset);
}

static void
expect_fail (GByteArray *bytes, int code, const char *needle)
{
  GError *err = NULL;
  TrawlNnGraph *g = load_bytes (bytes, &err);

  g_assert_null (g);
  g_assert_error (err, TRAWL_NN_ERROR, code);
  if (!strstr (err->message, needle))
    g_error ("'%s' does not mention '%s'", err->message, needle);
  g_clear_error (&err);
}

static void
test_load_unsupported (void)
{
  GByteArray *x;

  /* sanity: the base model loads */
  GError *err = NULL;
  TrawlNnGraph *g = load_bytes (relu_model (NULL, 11), &err);
  g_assert_no_error (err);
  trawl_nn_graph_unref (g);

  /* a DOUBLE initializer */
  x = g_byte_array_new ();
  GByteArray *t = g_byte_array_new ();
  put_int (t, 1, 1);
  put_int (t, 2, 11);
  put_str (t, 8, "dbl");
  static const double d = 1;
  put_bytes (t, 9, &d, 8);
  put_msg (x, 5, t);
  expect_fail (relu_model (x, 11), TRAWL_NN_ERROR_UNSUPPORTED, "dbl");

  /* external data */
  x = g_byte_array_new ();
  t = g_byte_array_new ();
  put_int (t, 1, 1);
  put_int (t, 2, 1);
  put_str (t, 8, "ext");
  put_int (t, 14, 1);
  put_msg (x, 5, t);
  expect_fail (relu_model (x, 11), TRAWL_NN_ERROR_UNSUPPORTED, "external");

  /* raw_data size disagreeing with dims */
  x = g_byte_array_new ();
  static const float f3[3] = { 1, 2, 3 };
  put_msg (x, 5, tensor_f32 ("short", 1, (const int64_t[]) { 4 }, f3, 3));
  expect_fail (relu_model (x, 11), TRAWL_NN_ERROR_FORMAT, "short");

  /* an op nobody implements */
  x = g_byte_array_new ();
  put_msg (x, 1, node ("NoSuchOp", "weird", (const char *[]) { "x", NULL },
                       (const char *[]) { "q", NULL }, NULL, 0));
  expect_fail (relu_model (x, 11), TRAWL_NN_ERROR_UNSUPPORTED, "NoSuchOp");

  /* a GRAPH attribute */
  x = g_byte_array_new ();
  GByteArray *a = g_byte_array_new ();
  put_str (a, 1, "then_branch");
  put_int (a, 20, 5);
  put_bytes (a, 6, "", 0);
  GByteArray *as[1] = { a };
  put_msg (x, 1, node ("Relu", "withgraph", (const char *[]) { "x", NULL },
                       (const char *[]) { "q", NULL }, as, 1));
  expect_fail (relu_model (x, 11), TRAWL_NN_ERROR_UNSUPPORTED, "then_branch");

  /* an input used before it is defined */
  x = g_byte_array_new ();
  put_msg (x, 1, node ("Relu", "early", (const char *[]) { "later", NULL },
                       (const char *[]) { "q", NULL }, NULL, 0));
  expect_fail (relu_model (x, 11), TRAWL_NN_ERROR_FORMAT, "later");

  /* a custom domain */
  x = g_byte_array_new ();
  GByteArray *n = node ("Relu", "custom", (const char *[]) { "x", NULL },
                        (const char *[]) { "q", NULL }, NULL, 0);
  put_str (n, 7, "com.microsoft");
  put_msg (x, 1, n);
  expect_fail (relu_model (x, 11), TRAWL_NN_ERROR_UNSUPPORTED, "com.microsoft");

  /* opsets out of range */
  expect_fail (relu_model (NULL, 18), TRAWL_NN_ERROR_UNSUPPORTED, "opset 18");
  expect_fail (relu_model (NULL, 5), TRAWL_NN_ERROR_UNSUPPORTED, "opset 5");

  /* not a model at all */
  x = g_byte_array_new ();
  g_byte_array_append (x, (const guint8 *) "hello, world\n", 13);
  expect_fail (x, TRAWL_NN_ERROR_FORMAT, "");
}

/* ---- the real models ---- */

static char *
model_path (const char *dest)
{
  GError *err = NULL;
  char *p = trawl_model_path (dest, &err);

  if (!p)
    {
      g_autofree char *msg = g_strdup_printf ("%s missing (run scripts/setup): %s", dest,
                                              err->message);
      g_test_skip (msg);
      g_clear_error (&err);
    }
  return p;
}

static void
test_load_ppocr (void)
{
  static const char *const names[2] = { "ocr-models/ch_PP-OCRv4_det_infer.onnx",
                                         "ocr-models/ch_PP-OCRv4_rec_infer.onnx" };
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *path = model_path (names[i]);
      GError *err = NULL;
      if (!path)
        return;
      TrawlNnGraph *g = trawl_nn_load_onnx (path, &err);
      g_assert_no_error (err);
      g_assert_cmpint (trawl_nn_graph_n_inputs (g), ==, 1);
      g_assert_cmpstr (trawl_nn_graph_input_name (g, 0), ==, "x");
      g_assert_cmpint (trawl_nn_graph_n_outputs (g), ==, 1);
      g_assert_cmpint (trawl_nn_graph_n_nodes (g), >, 300);
      /* nearly the whole file is weights */
      GStatBuf st;
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpuint (trawl_nn_graph_weight_bytes (g), >, (gsize) st.st_size * 0.9);
      g_assert_cmpuint (trawl_nn_graph_weight_bytes (g), <, (gsize) st.st_size);
      trawl_nn_graph_unref (g);
    }
}

/* Every prefix of a small model fails; every one-byte change either loads
 * or fails cleanly (ASan checks the "cleanly"). */
static void
test_load_corrupt_tiny (void)
{
  GByteArray *m = tiny_model ();
  GError *err = NULL;

  for (guint cut = 0; cut < m->len; cut++)
    {
      GByteArray *b = g_byte_array_new ();
      g_byte_array_append (b, m->data, cut);
      g_assert_null (load_bytes (b, &err));
      g_assert_error (err, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT);
      g_clear_error (&err);
    }
  int failed = 0;
  for (guint at = 0; at < m->len; at++)
    {
      GByteArray *b = g_byte_array_new ();
      g_byte_array_append (b, m->data, m->len);
      b->data[at] ^= 0x5a;
      TrawlNnGraph *g = load_bytes (b, &err);
      g_assert_true ((g == NULL) == (err != NULL));
      failed += g == NULL;
      trawl_nn_graph_unref (g);
      g_clear_error (&err);
    }
  g_test_message ("%d of %u one-byte changes fail to load", failed, m->len);
  g_assert_cmpint (failed, >, 0);
  g_byte_array_unref (m);
}

static void
test_load_corrupt (void)
{
  g_autofree char *path = model_path ("ocr-models/ch_PP-OCRv4_det_infer.onnx");
  g_autofree char *bytes = NULL;
  gsize len;
  GError *err = NULL;

  if (!path)
    return;
  g_assert_true (g_file_get_contents (path, &bytes, &len, &err));

  /* missing file: IO */
  g_assert_null (trawl_nn_load_onnx ("/nonexistent/model.onnx", &err));
  g_assert_error (err, TRAWL_NN_ERROR, TRAWL_NN_ERROR_IO);
  g_clear_error (&err);

  /* empty and truncated files: FORMAT, whatever the cut */
  gsize cuts[] = { 0, 1, 2, 5, 17, 100, 1000, 65536, len / 3, len / 2, len - 100, len - 1 };
  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      GByteArray *b = g_byte_array_new ();
      g_byte_array_append (b, (const guint8 *) bytes, (guint) cuts[i]);
      TrawlNnGraph *g = load_bytes (b, &err);
      g_assert_null (g);
      g_assert_error (err, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT);
      g_test_message ("cut at %" G_GSIZE_FORMAT ": %s", cuts[i], err->message);
      g_clear_error (&err);
    }

  /* flipped bytes: a GError or a graph, never a crash or a leak. The first
   * 4 KiB hold the structure (tags, lengths, names); later flips mostly hit
   * weights. */
  GRand *rand = g_rand_new_with_seed (20261123);
  int failed = 0, loaded = 0;
  for (int i = 0; i < 40; i++)
    {
      GByteArray *b = g_byte_array_new ();
      g_byte_array_append (b, (const guint8 *) bytes, (guint) len);
      gsize range = i < 30 ? MIN (len, 4096) : len;
      for (int k = 0; k < 1 + i % 3; k++)
        b->data[g_rand_int_range (rand, 0, (gint32) range)] ^= (guint8) g_rand_int_range (rand, 1, 256);
      TrawlNnGraph *g = load_bytes (b, &err);
      if (g)
        {
          loaded++;
          trawl_nn_graph_unref (g);
        }
      else
        {
          g_assert_nonnull (err);
          g_assert_true (err->domain == TRAWL_NN_ERROR);
          failed++;
          g_clear_error (&err);
        }
    }
  g_test_message ("flips: %d failed cleanly, %d still loaded", failed, loaded);
  g_assert_cmpint (failed, >, 0);
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/onnx/pb/varint", test_pb_varint);
  g_test_add_func ("/onnx/pb/fields", test_pb_fields);
  g_test_add_func ("/onnx/pb/packed", test_pb_packed);
  g_test_add_func ("/onnx/pb/errors", test_pb_errors);
  g_test_add_func ("/onnx/load/tiny", test_load_tiny);
  g_test_add_func ("/onnx/load/legacy-ops", test_load_legacy_ops);
  g_test_add_func ("/onnx/load/legacy-upsample-pad", test_load_legacy_upsample_pad);
  g_test_add_func ("/onnx/load/int32", test_load_int32);
  g_test_add_func ("/onnx/load/unsupported", test_load_unsupported);
  g_test_add_func ("/onnx/load/ppocr", test_load_ppocr);
  g_test_add_func ("/onnx/load/corrupt-tiny", test_load_corrupt_tiny);
  g_test_add_func ("/onnx/load/corrupt", test_load_corrupt);
  return g_test_run ();
}
