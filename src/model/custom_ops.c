/* MediaPipe's custom operators that run as C kernels (layer: model).
 *
 * Semantics follow MediaPipe's TFLite kernels in
 * mediapipe/util/tflite/operations/ (v1 and v2 of each, chosen by the
 * operator's version as the reader decodes it in vp__custom_params):
 *   Landmarks2TransformMatrix  landmarks_to_transform_matrix.cc
 *   TransformTensorBilinear    transform_tensor_bilinear.cc
 *   TransformLandmarks         transform_landmarks.cc
 * Convolution2DTransposeBias maps onto XNNPACK's deconvolution (xnn_build.c).
 */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "model/session_impl.h"

vp__kernel_fn vp__custom_kernel_for(const vp__graph *g, const vp__op *op, const char **why);

static const vp__tensor *cin(const vp__graph *g, const vp__op *op, int i) {
  if (i >= op->num_inputs || op->inputs[i] < 0) return NULL;
  return &g->tensors[op->inputs[i]];
}
static const vp__tensor *cout(const vp__graph *g, const vp__op *op, int i) {
  if (i >= op->num_outputs || op->outputs[i] < 0) return NULL;
  return &g->tensors[op->outputs[i]];
}

/* ---- Landmarks2TransformMatrix (v2) ----------------------------------- */

/* Row-major 4x4 product a = a * b. */
static void mat4_mul(double *a, const double *b) {
  double r[16];
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      double s = 0;
      for (int k = 0; k < 4; k++) s += a[i * 4 + k] * b[k * 4 + j];
      r[i * 4 + j] = s;
    }
  memcpy(a, r, sizeof r);
}

static vp_status k_landmarks_to_matrix_v2(const vp__kernel_ctx *c) {
  const vp__custom_params *p = &c->op->custom;
  const float *lm = c->ptr[c->op->inputs[0]];
  float *out = c->ptr[c->op->outputs[0]];
  /* Rotation from the two reference landmarks (x, y of each). */
  const float *l = lm + 3 * p->left_rotation_idx, *r = lm + 3 * p->right_rotation_idx;
  float rot = p->target_rotation_radians - atan2f(r[1] - l[1], r[0] - l[0]);
  float cr = cosf(rot), sr = sinf(rot);
  /* Bounding box of the subset in the rotated frame. */
  float minx = 0, miny = 0, maxx = 0, maxy = 0;
  for (int i = 0; i < 2 * p->num_subset_idxs; i++) {
    const float *q = lm + 3 * p->subset_idxs[i];
    float x = cr * q[0] - sr * q[1], y = sr * q[0] + cr * q[1];
    if (i == 0 || x < minx) minx = x;
    if (i == 0 || x > maxx) maxx = x;
    if (i == 0 || y < miny) miny = y;
    if (i == 0 || y > maxy) maxy = y;
  }
  float w = maxx - minx, h = maxy - miny;
  float mx = (minx + maxx) / 2, my = (miny + maxy) / 2;
  /* Back to the input frame with the inverse rotation. */
  float cx = cosf(-rot) * mx - sinf(-rot) * my, cy = sinf(-rot) * mx + cosf(-rot) * my;
  double t[16] = {1, 0, 0, cx, 0, 1, 0, cy, 0, 0, 1, 0, 0, 0, 0, 1};
  double nr = -rot;
  double rm[16] = {cos(nr), -sin(nr), 0, 0, sin(nr), cos(nr), 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  mat4_mul(t, rm);
  float sx = p->scale_x * w / (float)p->output_width, sy = p->scale_y * h / (float)p->output_height;
  double sm[16] = {sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  mat4_mul(t, sm);
  double sh[16] = {1, 0, 0, -p->output_width / 2.0, 0, 1, 0, -p->output_height / 2.0, 0, 0, 1, 0, 0, 0, 0, 1};
  mat4_mul(t, sh);
  for (int i = 0; i < 16; i++) out[i] = (float)t[i];
  return VP_OK;
}

/* 3x3 row-major product r = a * b. */
static void mat3_mul(double *r, const double *a, const double *b) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) r[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
}

/* v1: the inverse transform from the rotated, scaled box of the subset,
 * expressed between normalised output and absolute input coordinates. */
static vp_status k_landmarks_to_matrix_v1(const vp__kernel_ctx *c) {
  const vp__custom_params *p = &c->op->custom;
  const float *lm = c->ptr[c->op->inputs[0]];
  float *out = c->ptr[c->op->outputs[0]];
  const float *l = lm + 3 * p->left_rotation_idx, *r = lm + 3 * p->right_rotation_idx;
  double alpha = -atan((double)(r[1] - l[1]) / (double)(r[0] - l[0]));
  double ca = cos(alpha), sa = sin(alpha);
  double maxx = -100000, maxy = -100000, minx = 100000, miny = 100000;
  for (int i = 0; i < 2 * p->num_subset_idxs; i++) {
    const float *q = lm + 3 * p->subset_idxs[i];
    double x = q[0] * ca - q[1] * sa, y = q[0] * sa + q[1] * ca;
    maxx = fmax(maxx, x);
    maxy = fmax(maxy, y);
    minx = fmin(minx, x);
    miny = fmin(miny, y);
  }
  double range = p->landmarks_range;
  double bw = (maxx - minx) * p->bbox_size_multiplier, bh = (maxy - miny) * p->bbox_size_multiplier;
  double scale[9] = {bw / range, 0, 0, 0, bh / range, 0, 0, 0, 1};
  double mx = (maxx + minx) / 2, my = (maxy + miny) / 2;
  double rmx = mx * cos(-alpha) - my * sin(-alpha), rmy = mx * sin(-alpha) + my * cos(-alpha);
  double rot[9] = {cos(-alpha), -sin(-alpha), rmx / range * 2 - 1, sin(-alpha), cos(-alpha), rmy / range * 2 - 1,
                   0, 0, 1};
  double ow = p->output_hw[1], oh = p->output_hw[0], iw = p->input_hw[1], ih = p->input_hw[0];
  double to_rel[9] = {2 / (ow - 1), 0, -1, 0, 2 / (oh - 1), -1, 0, 0, 1};
  double to_abs[9] = {(iw - 1) / 2, 0, (iw - 1) / 2, 0, (ih - 1) / 2, (ih - 1) / 2, 0, 0, 1};
  double t1[9], t2[9], m[9];
  mat3_mul(t1, to_abs, rot);
  mat3_mul(t2, t1, scale);
  mat3_mul(m, t2, to_rel);
  float res[16] = {(float)m[0], (float)m[1], 0, (float)m[2], (float)m[3], (float)m[4], 0, (float)m[5],
                   (float)m[6], (float)m[7], (float)m[8], 0, 0, 0, 0, 1};
  memcpy(out, res, sizeof res);
  return VP_OK;
}

static bool l2m_ok(const vp__graph *g, const vp__op *op, const char **why) {
  const vp__tensor *in = cin(g, op, 0), *o = cout(g, op, 0);
  const vp__custom_params *p = &op->custom;
  if (!in || !o || in->dtype != VP_DTYPE_F32 || o->dtype != VP_DTYPE_F32 || o->num_elements != 16)
    return (*why = "expects float32 landmarks and a 4x4 output"), false;
  size_t n = in->num_elements / 3;
  if (p->version == 1) {
    if (p->landmarks_range <= 0 || p->bbox_size_multiplier == 0 || p->output_hw[0] <= 1 ||
        p->output_hw[1] <= 1 || p->input_hw[0] <= 0 || p->input_hw[1] <= 0)
      return (*why = "v1 parameters out of range"), false;
  } else if (p->output_width <= 0 || p->output_height <= 0) {
    return (*why = "output size not positive"), false;
  }
  if (p->num_subset_idxs <= 0 || !p->subset_idxs) return (*why = "empty landmark subset"), false;
  if (p->left_rotation_idx < 0 || (size_t)p->left_rotation_idx >= n || p->right_rotation_idx < 0 ||
      (size_t)p->right_rotation_idx >= n)
    return (*why = "rotation index out of range"), false;
  for (int i = 0; i < 2 * p->num_subset_idxs; i++)
    if (p->subset_idxs[i] < 0 || (size_t)p->subset_idxs[i] >= n) return (*why = "subset index out of range"), false;
  return true;
}

/* ---- TransformTensorBilinear (v2) -------------------------------------- */

static vp_status k_transform_tensor(const vp__kernel_ctx *c) {
  const vp__tensor *in = cin(c->graph, c->op, 0), *o = cout(c->graph, c->op, 0);
  const float *x = c->ptr[c->op->inputs[0]], *m = c->ptr[c->op->inputs[1]];
  float *y = c->ptr[c->op->outputs[0]];
  int32_t ih = in->dims[1], iw = in->dims[2], ch = in->dims[3], oh = o->dims[1], ow = o->dims[2];
  /* v2 (align_corners) samples at pixel centres: T -> S * T * A with
   * A = +0.5, S = -0.5 on x and y; v1 uses the matrix as it is. */
  float xt[4] = {m[0], m[1], m[2], m[3]}, yt[4] = {m[4], m[5], m[6], m[7]};
  if (c->op->custom.align_corners) {
    xt[3] += xt[0] * 0.5f + xt[1] * 0.5f - 0.5f;
    yt[3] += yt[0] * 0.5f + yt[1] * 0.5f - 0.5f;
  }
  for (int32_t oy = 0; oy < oh; oy++) {
    for (int32_t ox = 0; ox < ow; ox++) {
      float tx = xt[0] * (float)ox + xt[1] * (float)oy + xt[3];
      float ty = yt[0] * (float)ox + yt[1] * (float)oy + yt[3];
      float *dst = y + ((size_t)oy * (size_t)ow + (size_t)ox) * (size_t)ch;
      if (!(tx >= 0.0f && tx <= (float)(iw - 1) && ty >= 0.0f && ty <= (float)(ih - 1))) {
        memset(dst, 0, (size_t)ch * sizeof(float));
        continue;
      }
      float fx = floorf(tx), fy = floorf(ty);
      int32_t x0 = (int32_t)fx, y0 = (int32_t)fy;
      float rx = tx - fx, ry = ty - fy;
      bool x1ok = x0 + 1 < iw, y1ok = y0 + 1 < ih;
      const float *p00 = x + ((size_t)y0 * (size_t)iw + (size_t)x0) * (size_t)ch;
      const float *p01 = p00 + ch, *p10 = p00 + (size_t)iw * (size_t)ch, *p11 = p10 + ch;
      for (int32_t k = 0; k < ch; k++) {
        float q11 = p00[k], q21 = x1ok ? p01[k] : 0.0f;
        float q12 = y1ok ? p10[k] : 0.0f, q22 = x1ok && y1ok ? p11[k] : 0.0f;
        float upper = (1.0f - rx) * q11 + rx * q21;
        float lower = (1.0f - rx) * q12 + rx * q22;
        dst[k] = ry * lower + (1.0f - ry) * upper;
      }
    }
  }
  return VP_OK;
}

static bool ttb_ok(const vp__graph *g, const vp__op *op, const char **why) {
  const vp__tensor *in = cin(g, op, 0), *m = cin(g, op, 1), *o = cout(g, op, 0);
  if (!in || !m || !o || in->dtype != VP_DTYPE_F32 || m->dtype != VP_DTYPE_F32 || o->dtype != VP_DTYPE_F32)
    return (*why = "expects float32 tensors"), false;
  if (in->rank != 4 || o->rank != 4 || in->dims[0] != 1 || o->dims[0] != 1 || o->dims[3] != in->dims[3])
    return (*why = "expects [1,H,W,C] input and output with equal channels"), false;
  if (m->num_elements < 16) return (*why = "matrix input is not 4x4"), false;
  return true;
}

/* ---- TransformLandmarks ------------------------------------------------ */

static int32_t tl_dims(const vp__op *op, const vp__tensor *in) {
  if (op->custom.dimensions == 2 || op->custom.dimensions == 3) return op->custom.dimensions;
  return in->dims[in->rank - 1] == 2 ? 2 : 3;
}

static vp_status k_transform_landmarks(const vp__kernel_ctx *c) {
  const vp__tensor *in = cin(c->graph, c->op, 0);
  const float *x = c->ptr[c->op->inputs[0]], *m = c->ptr[c->op->inputs[1]];
  float *y = c->ptr[c->op->outputs[0]];
  int32_t dim = tl_dims(c->op, in);
  /* v1 scales the translation column; v2 has scale 1. */
  float scale = c->op->custom.version == 1 && c->op->custom.scale != 0.0f ? c->op->custom.scale : 1.0f;
  float tx = m[3] * scale, ty = m[7] * scale;
  size_t n = in->num_elements / (size_t)dim;
  for (size_t i = 0; i < n; i++) {
    const float *p = x + i * (size_t)dim;
    float *q = y + i * (size_t)dim;
    float px = p[0], py = p[1];
    q[0] = m[0] * px + m[1] * py + tx;
    q[1] = m[4] * px + m[5] * py + ty;
    if (dim == 3) q[2] = p[2];
  }
  return VP_OK;
}

static bool tl_ok(const vp__graph *g, const vp__op *op, const char **why) {
  const vp__tensor *in = cin(g, op, 0), *m = cin(g, op, 1), *o = cout(g, op, 0);
  if (!in || !m || !o || in->dtype != VP_DTYPE_F32 || m->dtype != VP_DTYPE_F32 || o->dtype != VP_DTYPE_F32)
    return (*why = "expects float32 tensors"), false;
  if (m->num_elements < 16 || o->num_elements != in->num_elements || in->rank < 1)
    return (*why = "expects a 4x4 matrix and equal input/output sizes"), false;
  if (in->num_elements % (size_t)tl_dims(op, in) != 0)
    return (*why = "size is not a multiple of the landmark dimension"), false;
  return true;
}

vp__kernel_fn vp__custom_kernel_for(const vp__graph *g, const vp__op *op, const char **why) {
  switch (op->code) {
    case VP_OP_CUSTOM_LANDMARKS_TO_TRANSFORM_MATRIX:
      if (!l2m_ok(g, op, why)) return NULL;
      return op->custom.version == 1 ? k_landmarks_to_matrix_v1 : k_landmarks_to_matrix_v2;
    case VP_OP_CUSTOM_TRANSFORM_TENSOR_BILINEAR:
      return ttb_ok(g, op, why) ? k_transform_tensor : NULL;
    case VP_OP_CUSTOM_TRANSFORM_LANDMARKS:
      return tl_ok(g, op, why) ? k_transform_landmarks : NULL;
    default:
      *why = "no kernel for this operator";
      return NULL;
  }
}
