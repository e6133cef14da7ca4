/* vp_session: running a prepared graph on XNNPACK (layer: model).
 *
 * DESIGN: a session belongs to one thread at a time. It owns its XNNPACK
 * runtimes (one per segment of consecutive XNNPACK operators), the C-kernel
 * steps between them and the buffers of every external tensor (see
 * session_impl.h). It borrows the model (which must outlive it) and holds a
 * reference on a thread pool: by default the process-wide shared pool of
 * options.num_threads, so all sessions of a process share their workers.
 * XNNPACK itself is initialised once per process (pthread_once).
 *
 * Zero-copy: a caller-bound input/output buffer replaces the session-owned
 * buffer of the tensor's alias group; pointers are recomputed and the XNNPACK
 * runtimes set up again lazily, on the next run after a (re)binding.
 *
 * Profiling (options.profile): every XNNPACK operator becomes a runtime of its
 * own so that each operator kind can be timed with the monotonic clock;
 * timings are summed per kind. This costs a little speed (no cross-operator
 * fusion, more external tensors), so it is only done when asked for.
 */
#include <pthread.h>
#include <stddef.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/threadpool.h"
#include "model/session_impl.h"

#define VP_ALIGN 64

typedef struct prof_kind {
  vp_profile_entry e;
} prof_kind;

struct vp_session {
  const vp_model *model;
  const vp__graph *g;
  vp_threadpool *pool;
  pthreadpool_t tp;
  bool profile;
  uint32_t skip_outputs;
  vp_precision precision; /* effective: BF16 only where the CPU has AVX512-BF16 */

  vp__op_plan *plan;     /* per op */
  int32_t *root;         /* per tensor: alias-group root (itself if none) */
  size_t *offset;        /* per tensor: byte offset inside the root's storage */
  uint8_t *external;     /* per tensor */
  uint8_t *has_io;       /* per root: group contains a model input/output */
  float **ptr;           /* per tensor: current data pointer */
  void **owned;          /* per tensor (roots only): buffer of a model input/output */
  uint8_t *arena;        /* slots of all other alias groups */
  size_t arena_size;
  size_t *arena_off;     /* per tensor (roots only) */
  uint8_t *in_arena;     /* per tensor (roots only) */
  float **bound_in, **bound_out; /* per model input/output: caller buffer or NULL */

  vp__step *steps;
  int32_t num_steps;
  bool dirty;            /* pointers changed since the last setup */

  void **scratch;        /* constants converted for XNNPACK */
  int32_t num_scratch;

  vp_profile_entry *prof;
  int32_t num_prof;
};

/* ---- XNNPACK initialisation (once per process) ------------------------ */

static pthread_once_t xnn_once = PTHREAD_ONCE_INIT;
static enum xnn_status xnn_init_status = xnn_status_uninitialized;

static void xnn_init_once(void) { xnn_init_status = xnn_initialize(NULL); }

vp_status vp__xnn_ensure_init(void) {
  pthread_once(&xnn_once, xnn_init_once);
  if (xnn_init_status != xnn_status_success)
    return vp__error(VP_EBACKEND, "xnn_initialize failed: %s (CPU without SSE/NEON support?)",
                     vp__xnn_status_name(xnn_init_status));
  return VP_OK;
}

vp_session_options vp_session_options_default(void) {
  vp_session_options o;
  memset(&o, 0, sizeof o);
  o.struct_size = (uint32_t)sizeof o;
  o.num_threads = 1;
  return o;
}

/* ---- alias groups ------------------------------------------------------ */

static int32_t find_root(const vp_session *s, int32_t t, size_t *off) {
  size_t o = 0;
  while (s->root[t] != t) {
    o += s->offset[t];
    t = s->root[t];
  }
  if (off) *off = o;
  return t;
}

static bool is_io(const vp__graph *g, int32_t t) { return g->tensors[t].is_input || g->tensors[t].is_output; }

/* RESHAPE-like op: output shares the input's storage. */
static bool try_alias_reshape(vp_session *s, int32_t in, int32_t out) {
  const vp__graph *g = s->g;
  if (g->tensors[in].size_bytes != g->tensors[out].size_bytes) return false;
  if (s->root[out] != out || g->tensors[out].data) return false;
  size_t off;
  int32_t ri = find_root(s, in, &off);
  if (ri == out) return false;
  if (is_io(g, out)) {
    /* The output (caller-bindable) must become the root: the input's group
     * must be exactly its size and hold no other bindable tensor. */
    if (s->has_io[ri] || off != 0 || g->tensors[ri].size_bytes != g->tensors[out].size_bytes) return false;
    s->root[ri] = out;
    s->offset[ri] = 0;
    s->has_io[out] = 1;
    return true;
  }
  s->root[out] = ri;
  s->offset[out] = off;
  return true;
}

/* Input @p in of a concatenation becomes a slice of @p out at byte @p at. */
static bool try_alias_slice(vp_session *s, int32_t in, int32_t out, size_t at) {
  const vp__graph *g = s->g;
  if (g->tensors[in].data) return false;
  size_t off;
  int32_t ri = find_root(s, in, &off);
  int32_t ro = find_root(s, out, NULL);
  if (ri == ro || s->has_io[ri] || ro != out) return false;
  if (off > at) return false;
  size_t pos = at - off;
  if (pos + g->tensors[ri].size_bytes > g->tensors[out].size_bytes) return false;
  s->root[ri] = out;
  s->offset[ri] = pos;
  return true;
}

/* ---- planning ---------------------------------------------------------- */

/* Effective tensors an operator reads / writes (fusion heads differ). */
static int32_t op_reads(const vp_session *s, int32_t i, const int32_t **list) {
  const vp__op_plan *p = &s->plan[i];
  if (p->remapped) {
    *list = p->rd;
    return p->nrd;
  }
  *list = s->g->ops[i].inputs;
  return s->g->ops[i].num_inputs;
}

static int32_t op_writes(const vp_session *s, int32_t i, const int32_t **list) {
  const vp__op_plan *p = &s->plan[i];
  if (p->remapped) {
    *list = &p->wr;
    return 1;
  }
  *list = s->g->ops[i].outputs;
  return s->g->ops[i].num_outputs;
}

static bool const_i32(const vp__graph *g, const vp__op *op, int k, size_t n) {
  if (k >= op->num_inputs || op->inputs[k] < 0) return false;
  const vp__tensor *t = &g->tensors[op->inputs[k]];
  return t->data && t->dtype == VP_DTYPE_I32 && t->num_elements == n;
}

/* PAD with a zero value (or none) on a 4-D float tensor; paddings out. */
static bool zero_pad4(const vp__graph *g, const vp__op *op, const int32_t **pads) {
  if (op->code != VP_OP_PAD || op->num_inputs < 2 || op->num_outputs != 1 || !const_i32(g, op, 1, 8)) return false;
  if (op->num_inputs > 2 && op->inputs[2] >= 0) {
    const vp__tensor *v = &g->tensors[op->inputs[2]];
    if (!v->data || v->dtype != VP_DTYPE_F32 || v->num_elements != 1 || *(const float *)v->data != 0.0f)
      return false;
  }
  const vp__tensor *in = &g->tensors[op->inputs[0]], *o = &g->tensors[op->outputs[0]];
  if (in->data || in->rank != 4 || o->rank != 4 || in->dtype != VP_DTYPE_F32) return false;
  const int32_t *p = g->tensors[op->inputs[1]].data;
  for (int k = 0; k < 8; k++)
    if (p[k] < 0 || p[k] > 4096) return false;
  for (int d = 0; d < 4; d++)
    if (in->dims[d] + p[2 * d] + p[2 * d + 1] != o->dims[d]) return false;
  *pads = p;
  return true;
}

static bool same_dims(const vp__tensor *a, const vp__tensor *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

static bool sole_user(const vp__graph *g, const int32_t *uses, const int32_t *user, int32_t t, int32_t i) {
  return uses[t] == 1 && !g->tensors[t].is_output && user[t] > i;
}

static bool is_vec4(const vp__tensor *t, int32_t c) {
  return t->rank == 4 && t->dtype == VP_DTYPE_F32 && !t->data && t->dims[0] == 1 && t->dims[1] == 1 &&
         t->dims[2] == 1 && (c < 0 || t->dims[3] == c);
}

/* A 1x1 convolution of a [1,1,1,cin] vector with constant float weights. */
static bool se_conv_ok(const vp__graph *g, const vp__op *op) {
  if (!vp__is_conv(op)) return false;
  if (op->activation != VP_ACT_NONE && op->activation != VP_ACT_RELU && op->activation != VP_ACT_RELU6 &&
      op->activation != VP_ACT_RELU_N1_TO_1)
    return false;
  const vp__tensor *w = &g->tensors[op->inputs[1]];
  if (!w->data || w->dtype != VP_DTYPE_F32 || w->rank != 4 || w->dims[1] != 1 || w->dims[2] != 1) return false;
  if (!is_vec4(&g->tensors[op->inputs[0]], w->dims[3]) || !is_vec4(&g->tensors[op->outputs[0]], w->dims[0]))
    return false;
  if (op->num_inputs > 2 && op->inputs[2] >= 0) {
    const vp__tensor *b = &g->tensors[op->inputs[2]];
    if (!b->data || b->dtype != VP_DTYPE_F32 || b->num_elements != (size_t)w->dims[0]) return false;
  }
  return true;
}

/* Squeeze-and-excitation: MUL(x, LOGISTIC(CONV([RELU](CONV([RELU](
 * AVERAGE_POOL(src))))))) [+ ADD y], walking back from the MUL at @p i over
 * sole-user links. Fills @p f and the absorbed operators; false when the
 * pattern does not match exactly. */
static bool match_se(const vp_session *s, int32_t i, const int32_t *uses, const int32_t *user, const int32_t *prod,
                     vp__se_fusion *f, int32_t *absorbed, int32_t *nabs) {
  const vp__graph *g = s->g;
  const vp__op *op = &g->ops[i];
  if (op->code != VP_OP_MUL || op->num_inputs != 2 || op->num_outputs != 1 || op->activation != VP_ACT_NONE)
    return false;
  const vp__tensor *o = &g->tensors[op->outputs[0]];
  if (o->rank != 4 || o->dtype != VP_DTYPE_F32 || o->dims[0] != 1) return false;
  int32_t c = o->dims[3];
  for (int k = 0; k < 2; k++) {
    int32_t gt = op->inputs[k], x = op->inputs[1 - k];
    if (gt < 0 || x < 0 || gt == x || !is_vec4(&g->tensors[gt], c)) continue;
    const vp__tensor *xt = &g->tensors[x];
    if (xt->data || xt->dtype != VP_DTYPE_F32 || !same_dims(xt, o)) continue;
    *nabs = 0;
    memset(f, 0, sizeof *f);
    f->x = x;
    f->y = -1;
    f->out = op->outputs[0];
    /* LOGISTIC */
    int32_t t = gt, pi = prod[t];
    if (pi < 0 || !sole_user(g, uses, user, t, pi) || user[t] != i) continue;
    const vp__op *q = &g->ops[pi];
    if (q->code != VP_OP_LOGISTIC || q->num_inputs != 1 || q->num_outputs != 1 || s->plan[pi].exec == VP_EXEC_FUSED ||
        s->plan[pi].decided)
      continue;
    absorbed[(*nabs)++] = pi;
    t = q->inputs[0];
    /* Up to two (CONV [RELU]) pairs, last first, then the pool. */
    const vp__op *convs[2];
    bool relu[3] = {false, false, false}, relu6[3] = {false, false, false}, ok = true, pooled = false;
    int32_t n = 0;
    while (ok && !pooled) {
      if (t < 0 || !is_vec4(&g->tensors[t], -1)) {
        ok = false;
        break;
      }
      int32_t pj = prod[t];
      if (pj < 0 || !sole_user(g, uses, user, t, pj) || s->plan[pj].exec == VP_EXEC_FUSED || s->plan[pj].decided) {
        ok = false;
        break;
      }
      const vp__op *r = &g->ops[pj];
      bool act = r->code == VP_OP_RELU || r->code == VP_OP_RELU6;
      if (act && r->num_inputs == 1 && r->num_outputs == 1 && n < 2 && !relu[n] && !relu6[n] &&
          r->inputs[0] >= 0 && same_dims(&g->tensors[r->inputs[0]], &g->tensors[t])) {
        if (r->code == VP_OP_RELU) relu[n] = true;
        else relu6[n] = true;
        absorbed[(*nabs)++] = pj;
        t = r->inputs[0];
        continue;
      }
      if (n < 2 && se_conv_ok(g, r)) {
        convs[n++] = r;
        absorbed[(*nabs)++] = pj;
        t = r->inputs[0];
        continue;
      }
      if (n >= 1 && r->code == VP_OP_AVERAGE_POOL_2D && r->num_inputs == 1 && r->num_outputs == 1 &&
          r->activation == VP_ACT_NONE && r->inputs[0] >= 0) {
        const vp__tensor *st = &g->tensors[r->inputs[0]];
        if (st->rank == 4 && st->dtype == VP_DTYPE_F32 && !st->data && st->dims[0] == 1 && st->dims[1] > 0 &&
            st->dims[2] > 0 && r->filter_h == st->dims[1] && r->filter_w == st->dims[2] &&
            is_vec4(&g->tensors[r->outputs[0]], st->dims[3])) {
          absorbed[(*nabs)++] = pj;
          f->src = r->inputs[0];
          pooled = true;
          continue;
        }
      }
      ok = false;
    }
    /* Activations seen before any convolution belong to none. */
    if (!ok || !pooled || relu[n] || relu6[n]) continue;
    f->nconv = n;
    for (int j = 0; j < n; j++) { /* convs[] was filled last first */
      f->conv[j] = convs[n - 1 - j];
      f->relu[j] = relu[n - 1 - j];
      f->relu6[j] = relu6[n - 1 - j];
    }
    if (g->tensors[f->conv[n - 1]->outputs[0]].dims[3] != c) continue;
    /* A residual ADD as the MUL's sole consumer, its other operand ready. */
    if (sole_user(g, uses, user, f->out, i)) {
      int32_t ai = user[f->out];
      const vp__op *a = &g->ops[ai];
      if (a->code == VP_OP_ADD && a->num_inputs == 2 && a->num_outputs == 1 && s->plan[ai].exec != VP_EXEC_FUSED &&
          !s->plan[ai].decided &&
          (a->activation == VP_ACT_NONE || a->activation == VP_ACT_RELU || a->activation == VP_ACT_RELU6 ||
           a->activation == VP_ACT_RELU_N1_TO_1)) {
        int32_t y = a->inputs[0] == f->out ? a->inputs[1] : a->inputs[0];
        const vp__tensor *yt = y >= 0 ? &g->tensors[y] : NULL;
        if (yt && y != f->out && !yt->data && yt->dtype == VP_DTYPE_F32 && same_dims(yt, o) && prod[y] < i &&
            same_dims(&g->tensors[a->outputs[0]], o)) {
          f->y = y;
          f->add = a;
          f->out = a->outputs[0];
          absorbed[(*nabs)++] = ai;
        }
      }
    }
    return true;
  }
  return false;
}

static bool const_f32(const vp__graph *g, int32_t t, size_t n) {
  return t >= 0 && g->tensors[t].data && g->tensors[t].dtype == VP_DTYPE_F32 && g->tensors[t].num_elements == n;
}

static bool clamp_act(vp__activation a) {
  return a == VP_ACT_NONE || a == VP_ACT_RELU || a == VP_ACT_RELU6 || a == VP_ACT_RELU_N1_TO_1;
}

/* x -> DEPTHWISE 3x3 SAME stride 1 (8 channels) -> CONV 1x1 8 to 8 -> ADD x,
 * starting at the depthwise convolution @p i (kernel_dwpw8.c). */
static bool match_dwpw8(const vp_session *s, int32_t i, const int32_t *uses, const int32_t *user, int32_t *pw_i,
                        int32_t *add_i) {
  const vp__graph *g = s->g;
  const vp__op *dw = &g->ops[i];
  if (dw->code != VP_OP_DEPTHWISE_CONV_2D || dw->num_inputs < 2 || dw->num_outputs != 1 || dw->inputs[0] < 0 ||
      s->plan[i].remapped || s->plan[i].decided || !clamp_act(dw->activation))
    return false;
  int32_t x = dw->inputs[0], d = dw->outputs[0];
  const vp__tensor *xt = &g->tensors[x];
  if (xt->data || xt->dtype != VP_DTYPE_F32 || xt->rank != 4 || xt->dims[0] != 1 || xt->dims[3] != 8 ||
      !same_dims(xt, &g->tensors[d]))
    return false;
  const vp__tensor *w = &g->tensors[dw->inputs[1]];
  if (!const_f32(g, dw->inputs[1], 72) || w->rank != 4 || w->dims[1] != 3 || w->dims[2] != 3 || w->dims[3] != 8)
    return false;
  if (dw->num_inputs > 2 && dw->inputs[2] >= 0 && !const_f32(g, dw->inputs[2], 8)) return false;
  if (dw->stride_h != 1 || dw->stride_w != 1 || dw->dilation_h > 1 || dw->dilation_w > 1 ||
      dw->padding != VP_PAD_SAME)
    return false;
  if (!sole_user(g, uses, user, d, i)) return false;
  int32_t pi = user[d];
  const vp__op *pw = &g->ops[pi];
  if (pw->code != VP_OP_CONV_2D || pw->num_inputs < 2 || pw->num_outputs != 1 || pw->inputs[0] != d ||
      s->plan[pi].exec == VP_EXEC_FUSED || s->plan[pi].decided || !clamp_act(pw->activation))
    return false;
  const vp__tensor *pwt = &g->tensors[pw->inputs[1]];
  if (!const_f32(g, pw->inputs[1], 64) || pwt->rank != 4 || pwt->dims[0] != 8 || pwt->dims[3] != 8) return false;
  if (pw->num_inputs > 2 && pw->inputs[2] >= 0 && !const_f32(g, pw->inputs[2], 8)) return false;
  if (pw->stride_h != 1 || pw->stride_w != 1 || !same_dims(&g->tensors[pw->outputs[0]], xt)) return false;
  int32_t p = pw->outputs[0];
  if (!sole_user(g, uses, user, p, pi)) return false;
  int32_t ai = user[p];
  const vp__op *add = &g->ops[ai];
  if (add->code != VP_OP_ADD || add->num_inputs != 2 || add->num_outputs != 1 || s->plan[ai].exec == VP_EXEC_FUSED ||
      s->plan[ai].decided || !clamp_act(add->activation))
    return false;
  if (!((add->inputs[0] == p && add->inputs[1] == x) || (add->inputs[1] == p && add->inputs[0] == x))) return false;
  if (!same_dims(&g->tensors[add->outputs[0]], xt)) return false;
  *pw_i = pi;
  *add_i = ai;
  return true;
}

/* Graph-level fusions, decided before anything else (custom kernels only):
 *  - a spatial zero PAD feeding only a VALID convolution becomes the
 *    convolution's explicit padding;
 *  - ADD [+ PAD of one operand's channels] [+ PRELU | RELU | RELU6] becomes one
 *    pass (kernel_add.c);
 *  - a squeeze-and-excitation gate (AVERAGE_POOL, 1x1 convolutions, LOGISTIC,
 *    the broadcasting MUL, an optional residual ADD) becomes one kernel
 *    (kernel_se.c);
 *  - DEPTHWISE 3x3 -> CONV 1x1 -> ADD of the block input on 8 channels
 *    becomes one pass (kernel_dwpw8.c). */
static vp_status plan_fusions(vp_session *s) {
  const vp__graph *g = s->g;
  int32_t nt = g->num_tensors;
  int32_t *uses = calloc((size_t)(nt > 0 ? nt : 1), sizeof *uses);
  int32_t *user = malloc(sizeof(int32_t) * (size_t)(nt > 0 ? nt : 1));
  int32_t *prod = malloc(sizeof(int32_t) * (size_t)(nt > 0 ? nt : 1));
  if (!uses || !user || !prod) {
    free(uses), free(user), free(prod);
    return vp__error(VP_ENOMEM, "session: out of memory");
  }
  for (int32_t t = 0; t < nt; t++) user[t] = prod[t] = -1;
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    for (int k = 0; k < op->num_inputs; k++)
      if (op->inputs[k] >= 0) uses[op->inputs[k]]++, user[op->inputs[k]] = i;
    for (int k = 0; k < op->num_outputs; k++) prod[op->outputs[k]] = i;
  }
  /* Only the single, in-order consumer of a non-output tensor may absorb it. */
#define SOLE_USER(t, i) (uses[(t)] == 1 && !g->tensors[(t)].is_output && user[(t)] > (i))
  vp_status rc = VP_OK;
  for (int32_t i = 0; i < g->num_ops && rc == VP_OK; i++) {
    const vp__op *op = &g->ops[i];
    const int32_t *pads;
    if (s->plan[i].exec == VP_EXEC_FUSED) continue;
    if (zero_pad4(g, op, &pads) && !pads[0] && !pads[1] && !pads[6] && !pads[7] &&
        SOLE_USER(op->outputs[0], i)) {
      int32_t ci = user[op->outputs[0]];
      const vp__op *conv = &g->ops[ci];
      vp__op_plan *cp = &s->plan[ci];
      if ((conv->code == VP_OP_CONV_2D || conv->code == VP_OP_DEPTHWISE_CONV_2D) && conv->padding == VP_PAD_VALID &&
          conv->num_inputs >= 2 && conv->num_outputs == 1 && conv->inputs[0] == op->outputs[0] && !cp->remapped &&
          conv->num_inputs <= 8 && vp__xnn_supports(g, conv)) {
        s->plan[i].exec = VP_EXEC_FUSED;
        cp->folded = true;
        cp->fold = (vp__fold){.input = op->inputs[0], .top = (uint32_t)pads[2], .bottom = (uint32_t)pads[3],
                              .left = (uint32_t)pads[4], .right = (uint32_t)pads[5]};
        cp->remapped = true;
        cp->nrd = conv->num_inputs;
        memcpy(cp->rd, conv->inputs, sizeof(int32_t) * (size_t)conv->num_inputs);
        cp->rd[0] = op->inputs[0];
        cp->wr = conv->outputs[0];
      }
      continue;
    }
    int32_t pw_i, add_i;
    if (op->code == VP_OP_DEPTHWISE_CONV_2D && vp__dwpw8_cpu_ok() && match_dwpw8(s, i, uses, user, &pw_i, &add_i)) {
      vp__op_plan *p = &s->plan[i];
      const vp__op *add = &g->ops[add_i];
      rc = vp__dwpw8_prepare(g, op, &g->ops[pw_i], add, add->outputs[0], &p->kernel, &p->state, &p->state_free);
      if (rc != VP_OK) break;
      p->exec = VP_EXEC_KERNEL;
      p->decided = true;
      p->remapped = true;
      p->nrd = 1;
      p->rd[0] = op->inputs[0];
      p->wr = add->outputs[0];
      s->plan[pw_i].exec = VP_EXEC_FUSED;
      s->plan[add_i].exec = VP_EXEC_FUSED;
      continue;
    }
    bool conv3 = op->code == VP_OP_CONV_2D && vp__conv3_applies(g, op);
    if ((op->code == VP_OP_DEPTHWISE_CONV_2D || conv3) && op->activation == VP_ACT_NONE && op->num_outputs == 1 &&
        (conv3 || vp__dwconv_applies(g, op)) && SOLE_USER(op->outputs[0], i)) {
      /* The activation after a depthwise or first-layer convolution run by
       * our kernels (the first-layer one also takes a per-channel PReLU). */
      int32_t xi = user[op->outputs[0]];
      const vp__op *x = &g->ops[xi];
      bool prelu = false;
      if (conv3 && x->code == VP_OP_PRELU && x->num_inputs > 1 && x->inputs[1] >= 0) {
        const vp__tensor *sl = &g->tensors[x->inputs[1]], *ot = &g->tensors[op->outputs[0]];
        prelu = sl->data && sl->dtype == VP_DTYPE_F32 && sl->rank >= 1 &&
                sl->num_elements == (size_t)ot->dims[ot->rank - 1] && sl->dims[sl->rank - 1] == ot->dims[ot->rank - 1];
      }
      /* The first-layer kernel only pays where it saves a pass: XNNPACK
       * fuses ReLU into its own convolution, and runs the first layer
       * about as fast (bench --profile: 31-42 GMAC/s both ways, 5x5 to 24
       * channels 33 vs 42 GMAC/s), but not PReLU or hard swish. */
      bool act_ok = conv3 ? prelu || x->code == VP_OP_HARD_SWISH
                          : x->code == VP_OP_RELU || x->code == VP_OP_RELU6 || x->code == VP_OP_HARD_SWISH;
      if (act_ok &&
          x->num_outputs == 1 && x->num_inputs >= 1 && x->inputs[0] == op->outputs[0] &&
          same_dims(&g->tensors[x->outputs[0]], &g->tensors[op->outputs[0]]) && op->num_inputs <= 8) {
        vp__op_plan *p = &s->plan[i];
        if (!p->remapped) {
          p->remapped = true;
          p->nrd = op->num_inputs;
          memcpy(p->rd, op->inputs, sizeof(int32_t) * (size_t)op->num_inputs);
        }
        p->wr = x->outputs[0];
        p->act_op = x;
        s->plan[xi].exec = VP_EXEC_FUSED;
      }
      continue;
    }
    if (op->code == VP_OP_MUL) {
      vp__se_fusion sf;
      int32_t sabs[8], nsabs = 0;
      if (match_se(s, i, uses, user, prod, &sf, sabs, &nsabs)) {
        vp__op_plan *p = &s->plan[i];
        rc = vp__se_prepare(g, &sf, &p->kernel, &p->state, &p->state_free);
        if (rc != VP_OK) break;
        p->exec = VP_EXEC_KERNEL;
        p->decided = true;
        p->remapped = true;
        p->nrd = 3;
        p->rd[0] = sf.src;
        p->rd[1] = sf.x;
        p->rd[2] = sf.y;
        p->wr = sf.out;
        for (int k = 0; k < nsabs; k++) s->plan[sabs[k]].exec = VP_EXEC_FUSED;
      }
      continue;
    }
    if (op->code != VP_OP_ADD || op->num_inputs != 2 || op->num_outputs != 1) continue;
    const vp__tensor *o = &g->tensors[op->outputs[0]];
    if (o->dtype != VP_DTYPE_F32 || o->rank < 1 || op->activation == VP_ACT_TANH) continue;
    vp__add_fusion f = {.add = op, .a = op->inputs[0], .b = op->inputs[1], .act_op = NULL, .out = op->outputs[0],
                        .pool = {-1, -1}};
    int32_t absorbed[6], nabs = 0;
    bool ok = true;
    for (int k = 0; k < 2 && ok; k++) {
      int32_t t = op->inputs[k];
      if (t < 0 || g->tensors[t].data || g->tensors[t].dtype != VP_DTYPE_F32) {
        ok = false;
        break;
      }
      int32_t pi = prod[t];
      if (pi >= 0 && s->plan[pi].exec != VP_EXEC_FUSED && zero_pad4(g, &g->ops[pi], &pads) && SOLE_USER(t, pi) &&
          user[t] == i) {
        bool chan_only = true;
        for (int d = 0; d < 7; d++) chan_only &= pads[d] == 0;
        if (chan_only && op->inputs[0] != op->inputs[1]) {
          absorbed[nabs++] = pi;
          if (k == 0) f.a = g->ops[pi].inputs[0];
          else f.b = g->ops[pi].inputs[0];
          continue;
        }
      }
      ok = same_dims(&g->tensors[t], o);
    }
    if (!ok) continue;
    /* A 2x2 stride-2 MAX_POOL producing an operand (the shortcut of
     * BlazeFace-style stride-2 blocks): the kernel reads the pool's input. */
    for (int k = 0; k < 2 && f.pool[0] < 0 && f.pool[1] < 0; k++) {
      int32_t t = k == 0 ? f.a : f.b, pi = prod[t];
      if (pi < 0 || s->plan[pi].exec == VP_EXEC_FUSED || s->plan[pi].decided || uses[t] != 1 ||
          g->tensors[t].is_output)
        continue;
      const vp__op *mp = &g->ops[pi];
      if (mp->code != VP_OP_MAX_POOL_2D || mp->num_inputs != 1 || mp->num_outputs != 1 || mp->inputs[0] < 0 ||
          mp->activation != VP_ACT_NONE || mp->filter_h != 2 || mp->filter_w != 2 || mp->stride_h != 2 ||
          mp->stride_w != 2)
        continue;
      const vp__tensor *pin = &g->tensors[mp->inputs[0]], *pout = &g->tensors[t];
      if (pin->rank != 4 || pout->rank != 4 || pin->dtype != VP_DTYPE_F32 || pin->data || pin->dims[0] != 1 ||
          pin->dims[1] != 2 * pout->dims[1] || pin->dims[2] != 2 * pout->dims[2] || pin->dims[3] != pout->dims[3])
        continue;
      f.pool[k] = mp->inputs[0];
      absorbed[nabs++] = pi;
    }
    /* The padded operands must match the output except in channels. */
    for (int k = 0; k < 2 && ok; k++) {
      const vp__tensor *t = &g->tensors[k == 0 ? f.a : f.b];
      ok = t->rank == o->rank && t->dims[t->rank - 1] <= o->dims[o->rank - 1];
      for (int d = 0; ok && d < o->rank - 1; d++) ok = t->dims[d] == o->dims[d];
    }
    if (!ok) continue;
    if (op->activation == VP_ACT_NONE && SOLE_USER(op->outputs[0], i)) {
      int32_t xi = user[op->outputs[0]];
      const vp__op *x = &g->ops[xi];
      bool fits = x->num_outputs == 1 && x->num_inputs >= 1 && x->inputs[0] == op->outputs[0] &&
                  same_dims(&g->tensors[x->outputs[0]], o) && g->tensors[x->outputs[0]].dtype == VP_DTYPE_F32;
      if (fits && x->code == VP_OP_PRELU) {
        const vp__tensor *sl = x->num_inputs > 1 && x->inputs[1] >= 0 ? &g->tensors[x->inputs[1]] : NULL;
        fits = sl && sl->data && sl->dtype == VP_DTYPE_F32 && sl->rank >= 1 &&
               sl->num_elements == (size_t)o->dims[o->rank - 1] && sl->dims[sl->rank - 1] == o->dims[o->rank - 1];
      } else {
        fits = fits && (x->code == VP_OP_RELU || x->code == VP_OP_RELU6);
      }
      if (fits) {
        absorbed[nabs++] = xi;
        f.act_op = x;
        f.out = x->outputs[0];
      }
    }
    if (nabs == 0) continue;
    vp__op_plan *p = &s->plan[i];
    rc = vp__add_prepare(g, &f, &p->kernel, &p->state, &p->state_free);
    if (rc != VP_OK) break;
    p->exec = VP_EXEC_KERNEL;
    p->decided = true;
    p->remapped = true;
    p->nrd = 2;
    p->rd[0] = f.pool[0] >= 0 ? f.pool[0] : f.a;
    p->rd[1] = f.pool[1] >= 0 ? f.pool[1] : f.b;
    p->wr = f.out;
    for (int k = 0; k < nabs; k++) s->plan[absorbed[k]].exec = VP_EXEC_FUSED;
  }
#undef SOLE_USER
  free(uses), free(user), free(prod);
  return rc;
}

static vp_status validate_ops(const vp__graph *g) {
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    for (int k = 0; k < op->num_inputs; k++)
      if (op->inputs[k] < -1 || op->inputs[k] >= g->num_tensors)
        return vp__error(VP_EFORMAT, "operator %d (%s): input %d refers to tensor %d of %d", op->index,
                         op->name, k, op->inputs[k], g->num_tensors);
    for (int k = 0; k < op->num_outputs; k++)
      if (op->outputs[k] < 0 || op->outputs[k] >= g->num_tensors)
        return vp__error(VP_EFORMAT, "operator %d (%s): output %d refers to tensor %d of %d", op->index,
                         op->name, k, op->outputs[k], g->num_tensors);
  }
  return VP_OK;
}

/* Operators none of whose outputs reach a wanted model output, found by one
 * backward pass over the (topologically ordered) operator list. */
static vp_status mark_dead_ops(vp_session *s) {
  const vp__graph *g = s->g;
  if (!s->skip_outputs) return VP_OK;
  uint8_t *needed = calloc((size_t)(g->num_tensors > 0 ? g->num_tensors : 1), 1);
  if (!needed) return vp__error(VP_ENOMEM, "session: out of memory");
  for (int32_t k = 0; k < g->num_outputs; k++)
    if (k >= 32 || !(s->skip_outputs >> k & 1u)) needed[g->outputs[k]] = 1;
  for (int32_t i = g->num_ops - 1; i >= 0; i--) {
    const vp__op *op = &g->ops[i];
    bool live = false;
    for (int k = 0; k < op->num_outputs; k++) live |= needed[op->outputs[k]] != 0;
    if (!live) {
      s->plan[i].exec = VP_EXEC_DEAD;
      continue;
    }
    for (int k = 0; k < op->num_inputs; k++)
      if (op->inputs[k] >= 0) needed[op->inputs[k]] = 1;
  }
  free(needed);
  return VP_OK;
}

static vp_status plan_ops(vp_session *s) {
  const vp__graph *g = s->g;
  vp_status vrc = validate_ops(g);
  if (vrc != VP_OK) return vrc;
  for (int32_t i = 0; i < g->num_ops; i++) s->plan[i].step = -1;
  if (!getenv("VPIPE_NO_CUSTOM_KERNELS") && (vrc = plan_fusions(s)) != VP_OK) return vrc;
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    vp__op_plan *p = &s->plan[i];
    if (p->exec == VP_EXEC_FUSED || p->decided) continue; /* decided by a fusion */
    for (int k = 0; k < op->num_outputs; k++) {
      const vp__tensor *t = &g->tensors[op->outputs[k]];
      if (t->dtype != VP_DTYPE_F32)
        return vp__error(VP_EUNSUPPORTED, "operator %d (%s): output tensor %d (%s) is %s, only float32 runs",
                         op->index, op->name, op->outputs[k], t->name ? t->name : "?", vp_dtype_name(t->dtype));
      if (t->data)
        return vp__error(VP_EFORMAT, "operator %d (%s) writes constant tensor %d", op->index, op->name,
                         op->outputs[k]);
    }

    if ((op->code == VP_OP_RESHAPE || op->code == VP_OP_SQUEEZE) && op->num_inputs >= 1 &&
        op->num_outputs == 1 && op->inputs[0] >= 0 && !g->tensors[op->inputs[0]].data &&
        try_alias_reshape(s, op->inputs[0], op->outputs[0])) {
      p->exec = VP_EXEC_NOP;
      continue;
    }
    if (op->code == VP_OP_CONCATENATION) {
      const char *why = NULL;
      p->kernel = vp__kernel_for(g, op, &why);
      if (!p->kernel)
        return vp__error(VP_ESHAPE, "operator %d (CONCATENATION): %s", op->index, why);
      const vp__tensor *o = &g->tensors[op->outputs[0]];
      int32_t axis = op->axis < 0 ? op->axis + o->rank : op->axis;
      size_t outer = 1;
      for (int k = 0; k < axis; k++) outer *= (size_t)o->dims[k];
      p->copy_input = malloc((size_t)(op->num_inputs > 0 ? op->num_inputs : 1));
      if (!p->copy_input) return vp__error(VP_ENOMEM, "session: out of memory");
      bool all = true;
      size_t at = 0;
      for (int k = 0; k < op->num_inputs; k++) {
        int32_t t = op->inputs[k];
        bool dup = false;
        for (int j = 0; j < k; j++) dup |= op->inputs[j] == t;
        bool ok = outer == 1 && !dup && try_alias_slice(s, t, op->outputs[0], at);
        p->copy_input[k] = ok ? 0 : 1;
        all &= ok;
        at += g->tensors[t].size_bytes;
      }
      p->exec = all ? VP_EXEC_NOP : VP_EXEC_KERNEL;
      continue;
    }
    if (vp__resize_applies(g, op)) {
      vp_status rc = vp__resize_prepare(g, op, &p->kernel, &p->state, &p->state_free);
      if (rc != VP_OK) return rc;
      p->exec = VP_EXEC_KERNEL;
      continue;
    }
    if (vp__deconv_applies(g, op)) {
      vp_status rc = vp__deconv_prepare(g, op, &p->kernel, &p->state, &p->state_free);
      if (rc != VP_OK) return rc;
      p->exec = VP_EXEC_KERNEL;
      continue;
    }
    if (!p->remapped && vp__conv_c1_applies(g, op)) {
      vp_status rc = vp__conv_c1_prepare(g, op, &p->kernel, &p->state, &p->state_free);
      if (rc != VP_OK) return rc;
      p->exec = VP_EXEC_KERNEL;
      continue;
    }
    if (p->act_op && vp__conv3_applies(g, op)) { /* only with an absorbed PReLU / hard swish */
      vp_status rc = vp__conv3_prepare(g, op, p->folded ? &p->fold : NULL, p->act_op, p->remapped ? p->wr : op->outputs[0],
                                       &p->kernel, &p->state, &p->state_free);
      if (rc != VP_OK) return rc;
      p->exec = VP_EXEC_KERNEL;
      continue;
    }
    if (s->precision == VP_PRECISION_BF16 && !p->remapped && vp__pw_bf16_applies(g, op)) {
      size_t threads = s->tp ? pthreadpool_get_threads_count(s->tp) : 1;
      vp_status rc = vp__pw_bf16_prepare(g, op, threads, &p->kernel, &p->state, &p->state_free);
      if (rc != VP_OK) return rc;
      p->exec = VP_EXEC_KERNEL;
      continue;
    }
    if (vp__dwconv_applies(g, op)) {
      vp_status rc = vp__dwconv_prepare(g, op, p->folded ? &p->fold : NULL, p->act_op, p->remapped ? p->wr : op->outputs[0],
                                        &p->kernel, &p->state, &p->state_free);
      if (rc != VP_OK) return rc;
      p->exec = VP_EXEC_KERNEL;
      continue;
    }
    if (vp__xnn_supports(g, op)) {
      p->exec = VP_EXEC_XNN;
      continue;
    }
    const char *why = NULL;
    p->kernel = vp__kernel_for(g, op, &why);
    if (!p->kernel)
      return vp__error(VP_EUNSUPPORTED, "operator %d (%s): not supported by XNNPACK and %s", op->index,
                       op->name, why ? why : "no C kernel");
    p->exec = VP_EXEC_KERNEL;
  }
  /* After the fusions: a fusion chain runs producer -> sole consumer, so all
   * its members are dead or none are. */
  return mark_dead_ops(s);
}

/* Group operators into steps and decide which tensors are external. */
static vp_status plan_steps(vp_session *s) {
  const vp__graph *g = s->g;
  int32_t *producer = malloc(sizeof(int32_t) * (size_t)(g->num_tensors > 0 ? g->num_tensors : 1));
  s->steps = calloc((size_t)(g->num_ops > 0 ? g->num_ops : 1), sizeof *s->steps);
  if (!producer || !s->steps) {
    free(producer);
    return vp__error(VP_ENOMEM, "session: out of memory");
  }
  for (int32_t t = 0; t < g->num_tensors; t++) producer[t] = -1;
  int32_t n = 0;
  for (int32_t i = 0; i < g->num_ops; i++) {
    vp__op_plan *p = &s->plan[i];
    if (p->exec == VP_EXEC_NOP || p->exec == VP_EXEC_FUSED || p->exec == VP_EXEC_DEAD) continue;
    bool extend = p->exec == VP_EXEC_XNN && !s->profile && n > 0 && s->steps[n - 1].kind == VP_STEP_XNN;
    if (!extend) {
      vp__step *st = &s->steps[n++];
      st->kind = p->exec == VP_EXEC_XNN ? VP_STEP_XNN : VP_STEP_KERNEL;
      st->first_op = i;
      st->prof = -1;
    }
    s->steps[n - 1].last_op = i;
    p->step = n - 1;
  }
  s->num_steps = n;

  /* External tensors: model I/O, alias-group members, step-crossing tensors. */
  for (int32_t t = 0; t < g->num_tensors; t++) {
    if (g->tensors[t].data) continue;
    if (is_io(g, t) || s->root[t] != t) s->external[t] = 1;
  }
  for (int32_t t = 0; t < g->num_tensors; t++)
    if (s->root[t] != t) s->external[find_root(s, t, NULL)] = 1;
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    const vp__op_plan *p = &s->plan[i];
    if (p->exec == VP_EXEC_FUSED || p->exec == VP_EXEC_DEAD) continue;
    const int32_t *wr;
    int32_t nwr = op_writes(s, i, &wr);
    for (int k = 0; k < nwr; k++) {
      if (producer[wr[k]] != -1 || g->tensors[wr[k]].is_input) {
        free(producer);
        return vp__error(VP_EFORMAT, "operator %d (%s): tensor %d is written twice", op->index, op->name, wr[k]);
      }
      /* A no-op (alias) output counts as written; it is external anyway. */
      producer[wr[k]] = p->exec == VP_EXEC_NOP ? -2 : p->step;
      if (p->exec != VP_EXEC_XNN) s->external[wr[k]] = 1;
    }
  }
  for (int32_t i = 0; i < g->num_ops; i++) {
    const vp__op *op = &g->ops[i];
    const vp__op_plan *p = &s->plan[i];
    if (p->exec == VP_EXEC_FUSED || p->exec == VP_EXEC_DEAD) continue;
    const int32_t *rd;
    int32_t nrd = op_reads(s, i, &rd);
    for (int k = 0; k < nrd; k++) {
      int32_t t = rd[k];
      if (t < 0 || g->tensors[t].data) continue;
      if (producer[t] == -1 && !g->tensors[t].is_input) {
        /* Reading a tensor nothing writes: it must at least be one the
         * caller fills; otherwise the model is malformed. */
        free(producer);
        return vp__error(VP_EFORMAT, "operator %d (%s): input tensor %d (%s) is never written", op->index,
                         op->name, t, g->tensors[t].name ? g->tensors[t].name : "?");
      }
      if (p->exec != VP_EXEC_XNN || producer[t] != p->step) s->external[t] = 1;
    }
  }
  for (int32_t k = 0; k < g->num_outputs; k++) {
    int32_t t = g->outputs[k];
    if (t < 0 || t >= g->num_tensors)
      return free(producer), vp__error(VP_EFORMAT, "model output %d refers to tensor %d", k, t);
    bool skipped = k < 32 && (s->skip_outputs >> k & 1u);
    if (!skipped && !g->tensors[t].data && producer[t] == -1 && !g->tensors[t].is_input)
      return free(producer), vp__error(VP_EFORMAT, "model output %d (tensor %d) is never written", k, t);
  }
  free(producer);
  return VP_OK;
}

/* Buffers: model inputs/outputs get buffers of their own (they can be bound
 * and outputs must survive until the next run); every other alias group gets
 * a slot in one arena, slots shared between groups whose lifetimes (first to
 * last step touching a member) do not overlap, so that the working set stays
 * small and warm in cache. Greedy first fit, largest groups first. */
static size_t slot_size(size_t bytes) {
  size_t size = bytes + VP_TENSOR_PADDING;
  return (size + VP_ALIGN - 1) / VP_ALIGN * VP_ALIGN;
}

static vp_status alloc_buffers(vp_session *s) {
  const vp__graph *g = s->g;
  int32_t nt = g->num_tensors;
  int32_t *first = malloc(sizeof(int32_t) * (size_t)(nt > 0 ? nt : 1));
  int32_t *last = malloc(sizeof(int32_t) * (size_t)(nt > 0 ? nt : 1));
  int32_t *order = malloc(sizeof(int32_t) * (size_t)(nt > 0 ? nt : 1));
  if (!first || !last || !order) {
    free(first), free(last), free(order);
    return vp__error(VP_ENOMEM, "session: out of memory");
  }
  for (int32_t t = 0; t < nt; t++) first[t] = INT32_MAX, last[t] = -1;
  for (int32_t i = 0; i < g->num_ops; i++) {
    int32_t st = s->plan[i].step;
    if (st < 0) continue;
    const int32_t *rd, *wr;
    int32_t nrd = op_reads(s, i, &rd), nwr = op_writes(s, i, &wr);
    for (int k = 0; k < nrd + nwr; k++) {
      int32_t t = k < nrd ? rd[k] : wr[k - nrd];
      if (t < 0 || !s->external[t]) continue;
      int32_t r = find_root(s, t, NULL);
      if (st < first[r]) first[r] = st;
      if (st > last[r]) last[r] = st;
    }
  }
  int32_t n = 0;
  for (int32_t t = 0; t < nt; t++) {
    if (!s->external[t] || s->root[t] != t) continue;
    if (s->has_io[t] || last[t] < 0) {
      size_t size = slot_size(g->tensors[t].size_bytes);
      s->owned[t] = aligned_alloc(VP_ALIGN, size);
      if (!s->owned[t]) {
        free(first), free(last), free(order);
        return vp__error(VP_ENOMEM, "session: out of memory for tensor %d (%zu bytes)", t, size);
      }
      memset(s->owned[t], 0, size);
    } else {
      order[n++] = t;
    }
  }
  /* Largest first (insertion sort: n is a few hundred at most). */
  for (int32_t i = 1; i < n; i++) {
    int32_t v = order[i], j = i;
    while (j > 0 && g->tensors[order[j - 1]].size_bytes < g->tensors[v].size_bytes) order[j] = order[j - 1], j--;
    order[j] = v;
  }
  size_t total = 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t t = order[i];
    size_t size = slot_size(g->tensors[t].size_bytes), at = 0;
    bool moved = true;
    while (moved) { /* first fit among placed, lifetime-overlapping slots */
      moved = false;
      for (int32_t j = 0; j < i; j++) {
        int32_t u = order[j];
        if (first[u] > last[t] || first[t] > last[u]) continue;
        size_t us = slot_size(g->tensors[u].size_bytes);
        if (at < s->arena_off[u] + us && s->arena_off[u] < at + size) {
          at = s->arena_off[u] + us;
          moved = true;
        }
      }
    }
    s->arena_off[t] = at;
    if (at + size > total) total = at + size;
  }
  for (int32_t i = 0; i < n; i++) s->in_arena[order[i]] = 1;
  free(first), free(last), free(order);
  if (total) {
    s->arena = aligned_alloc(VP_ALIGN, total);
    if (!s->arena) return vp__error(VP_ENOMEM, "session: out of memory for the %zu-byte arena", total);
    memset(s->arena, 0, total);
  }
  s->arena_size = total;
  return VP_OK;
}

static void *root_base(const vp_session *s, int32_t r) {
  return s->in_arena[r] ? (void *)(s->arena + s->arena_off[r]) : s->owned[r];
}

/* Recompute every tensor's pointer (constants, owned or bound buffers). */
static void update_pointers(vp_session *s) {
  const vp__graph *g = s->g;
  for (int32_t t = 0; t < g->num_tensors; t++) s->ptr[t] = NULL;
  for (int32_t t = 0; t < g->num_tensors; t++) {
    if (g->tensors[t].data) {
      s->ptr[t] = (float *)(uintptr_t)g->tensors[t].data;
      continue;
    }
    if (!s->external[t]) continue;
    size_t off;
    int32_t r = find_root(s, t, &off);
    s->ptr[t] = (float *)((uint8_t *)root_base(s, r) + off);
  }
  for (int32_t k = 0; k < g->num_inputs; k++)
    if (s->bound_in[k]) s->ptr[g->inputs[k]] = s->bound_in[k];
  for (int32_t k = 0; k < g->num_outputs; k++)
    if (s->bound_out[k]) s->ptr[g->outputs[k]] = s->bound_out[k];
  /* Members of a bound root's group follow the root. */
  for (int32_t t = 0; t < g->num_tensors; t++) {
    if (!s->external[t] || s->root[t] == t) continue;
    size_t off;
    int32_t r = find_root(s, t, &off);
    s->ptr[t] = (float *)((uint8_t *)s->ptr[r] + off);
  }
}

static vp_status build_xnn_step(vp_session *s, vp__step *st, uint32_t *value) {
  const vp__graph *g = s->g;
  int32_t max_ext = 0;
  for (int32_t i = st->first_op; i <= st->last_op; i++) max_ext += g->ops[i].num_inputs + g->ops[i].num_outputs;
  st->ext_tensor = malloc(sizeof(int32_t) * (size_t)(max_ext > 0 ? max_ext : 1));
  if (!st->ext_tensor) return vp__error(VP_ENOMEM, "session: out of memory");
  xnn_subgraph_t sg = NULL;
  enum xnn_status xs = xnn_create_subgraph((uint32_t)max_ext, 0, &sg);
  if (xs != xnn_status_success)
    return vp__error(VP_EBACKEND, "xnn_create_subgraph failed: %s", vp__xnn_status_name(xs));
  for (int32_t t = 0; t < g->num_tensors; t++) value[t] = XNN_INVALID_VALUE_ID;
  vp__xnn_def d = {.g = g,
                   .subgraph = sg,
                   .value = value,
                   .external = s->external,
                   .ext_tensor = st->ext_tensor,
                   .num_ext = 0,
                   .scratch = &s->scratch,
                   .num_scratch = &s->num_scratch};
  vp_status rc = VP_OK;
  for (int32_t i = st->first_op; i <= st->last_op && rc == VP_OK; i++)
    if (s->plan[i].exec == VP_EXEC_XNN)
      rc = vp__xnn_define_op(&d, &g->ops[i], s->plan[i].folded ? &s->plan[i].fold : NULL);
  if (rc == VP_OK) {
    /* External ids are 0..num_ext-1 of the max_ext reserved; the unused ones stay undefined. */
    xs = xnn_create_runtime_v2(sg, s->tp, 0, &st->runtime);
    if (xs != xnn_status_success)
      rc = vp__error(VP_EBACKEND, "operators %d..%d: xnn_create_runtime failed: %s", g->ops[st->first_op].index,
                     g->ops[st->last_op].index, vp__xnn_status_name(xs));
  }
  xnn_delete_subgraph(sg);
  if (rc != VP_OK) return rc;
  st->num_ext = d.num_ext;
  st->ext = calloc((size_t)(d.num_ext > 0 ? d.num_ext : 1), sizeof *st->ext);
  if (!st->ext) return vp__error(VP_ENOMEM, "session: out of memory");
  for (int32_t k = 0; k < d.num_ext; k++) st->ext[k].id = (uint32_t)k;
  return VP_OK;
}

static vp_status setup_all(vp_session *s) {
  update_pointers(s);
  for (int32_t i = 0; i < s->num_steps; i++) {
    vp__step *st = &s->steps[i];
    if (st->kind == VP_STEP_KERNEL) {
      st->kctx.ptr = s->ptr;
      continue;
    }
    for (int32_t k = 0; k < st->num_ext; k++) st->ext[k].data = s->ptr[st->ext_tensor[k]];
    enum xnn_status xs = xnn_setup_runtime(st->runtime, (size_t)st->num_ext, st->ext);
    if (xs != xnn_status_success)
      return vp__error(VP_EBACKEND, "operators %d..%d: xnn_setup_runtime failed: %s",
                       s->g->ops[st->first_op].index, s->g->ops[st->last_op].index, vp__xnn_status_name(xs));
  }
  s->dirty = false;
  return VP_OK;
}

static vp_status setup_profile(vp_session *s) {
  const vp__graph *g = s->g;
  s->prof = calloc((size_t)(s->num_steps > 0 ? s->num_steps : 1), sizeof *s->prof);
  if (!s->prof) return vp__error(VP_ENOMEM, "session: out of memory");
  for (int32_t i = 0; i < s->num_steps; i++) {
    vp__step *st = &s->steps[i];
    const vp__op *op = &g->ops[st->first_op];
    int32_t k = 0;
    while (k < s->num_prof && strcmp(s->prof[k].name, op->name) != 0) k++;
    if (k == s->num_prof) {
      s->prof[k].name = op->name;
      s->num_prof++;
    }
    st->prof = k;
    for (int32_t j = st->first_op; j <= st->last_op; j++) s->prof[k].macs += vp__op_macs(g, &g->ops[j]);
  }
  return VP_OK;
}

vp_status vp_session_create(const vp_model *model, const vp_session_options *options, vp_session **out) {
  if (!model || !out || !model->graph)
    return vp__error(VP_EINVAL, "vp_session_create: %s is NULL", !out ? "out" : "model");
  vp_session_options o = vp_session_options_default();
  if (options) {
    if (options->struct_size != 0 && options->struct_size < offsetof(vp_session_options, reserved))
      return vp__error(VP_EINVAL, "vp_session_create: options.struct_size %u is too small",
                       options->struct_size);
    o = *options;
  }
  if (!o.pool && (o.num_threads < 0 || o.num_threads > 256))
    return vp__error(VP_EINVAL, "vp_session_create: num_threads %d out of range [0, 256]", o.num_threads);
  if (o.precision != VP_PRECISION_FP32 && o.precision != VP_PRECISION_BF16)
    return vp__error(VP_EINVAL, "vp_session_create: precision %d is not a vp_precision", (int)o.precision);
  vp_status rc = vp__xnn_ensure_init();
  if (rc != VP_OK) return rc;

  const vp__graph *g = model->graph;
  vp_session *s = calloc(1, sizeof *s);
  if (!s) return vp__error(VP_ENOMEM, "session: out of memory");
  s->model = model;
  s->g = g;
  s->profile = o.profile;
  s->skip_outputs = o.skip_outputs;
  s->precision = o.precision == VP_PRECISION_BF16 && vp_precision_bf16_available() ? VP_PRECISION_BF16
                                                                                  : VP_PRECISION_FP32;
  size_t nt = (size_t)(g->num_tensors > 0 ? g->num_tensors : 1);
  size_t no = (size_t)(g->num_ops > 0 ? g->num_ops : 1);
  s->plan = calloc(no, sizeof *s->plan);
  s->root = malloc(nt * sizeof *s->root);
  s->offset = calloc(nt, sizeof *s->offset);
  s->external = calloc(nt, 1);
  s->has_io = calloc(nt, 1);
  s->ptr = calloc(nt, sizeof *s->ptr);
  s->owned = calloc(nt, sizeof *s->owned);
  s->arena_off = calloc(nt, sizeof *s->arena_off);
  s->in_arena = calloc(nt, 1);
  s->bound_in = calloc((size_t)(g->num_inputs > 0 ? g->num_inputs : 1), sizeof *s->bound_in);
  s->bound_out = calloc((size_t)(g->num_outputs > 0 ? g->num_outputs : 1), sizeof *s->bound_out);
  uint32_t *value = malloc(nt * sizeof *value);
  if (!s->plan || !s->root || !s->offset || !s->external || !s->has_io || !s->ptr || !s->owned || !s->arena_off || !s->in_arena || !s->bound_in ||
      !s->bound_out || !value) {
    free(value);
    vp_session_destroy(s);
    return vp__error(VP_ENOMEM, "session: out of memory");
  }
  for (int32_t t = 0; t < g->num_tensors; t++) {
    s->root[t] = t;
    s->has_io[t] = is_io(g, t);
  }
  if (o.pool) {
    s->pool = vp_threadpool_ref(o.pool);
  } else {
    rc = vp_threadpool_shared(o.num_threads, &s->pool);
  }
  if (rc == VP_OK) {
    s->tp = vp__threadpool_handle(s->pool);
    rc = plan_ops(s);
  }
  if (rc == VP_OK) rc = plan_steps(s);
  if (rc == VP_OK) rc = alloc_buffers(s);
  if (rc == VP_OK) update_pointers(s);
  for (int32_t i = 0; rc == VP_OK && i < s->num_steps; i++) {
    vp__step *st = &s->steps[i];
    if (st->kind == VP_STEP_XNN) {
      rc = build_xnn_step(s, st, value);
    } else {
      const vp__op *op = &g->ops[st->first_op];
      st->fn = s->plan[st->first_op].kernel;
      st->kctx.graph = g;
      st->kctx.op = op;
      st->kctx.threadpool = s->tp;
      st->kctx.copy_input = s->plan[st->first_op].copy_input;
      st->kctx.state = s->plan[st->first_op].state;
      st->kctx.ptr = s->ptr;
    }
  }
  free(value);
  if (rc == VP_OK && s->profile) rc = setup_profile(s);
  if (rc == VP_OK) rc = setup_all(s);
  if (rc != VP_OK) {
    vp_session_destroy(s);
    return rc;
  }
  *out = s;
  return VP_OK;
}

vp_precision vp_session_precision(const vp_session *s) { return s ? s->precision : VP_PRECISION_FP32; }

void vp_session_destroy(vp_session *s) {
  if (!s) return;
  const vp__graph *g = s->g;
  for (int32_t i = 0; s->steps && i < s->num_steps; i++) {
    if (s->steps[i].runtime) xnn_delete_runtime(s->steps[i].runtime);
    free(s->steps[i].ext_tensor);
    free(s->steps[i].ext);
  }
  free(s->steps);
  if (s->plan)
    for (int32_t i = 0; i < g->num_ops; i++) {
      free(s->plan[i].copy_input);
      if (s->plan[i].state_free) s->plan[i].state_free(s->plan[i].state);
    }
  if (s->owned)
    for (int32_t t = 0; t < g->num_tensors; t++) free(s->owned[t]);
  for (int32_t i = 0; i < s->num_scratch; i++) free(s->scratch[i]);
  free(s->scratch);
  free(s->plan);
  free(s->root);
  free(s->offset);
  free(s->external);
  free(s->has_io);
  free(s->ptr);
  free(s->owned);
  free(s->arena);
  free(s->arena_off);
  free(s->in_arena);
  free(s->bound_in);
  free(s->bound_out);
  free(s->prof);
  if (s->pool) vp_threadpool_unref(&s->pool);
  free(s);
}

float *vp_session_input(vp_session *s, int32_t index) {
  if (!s || index < 0 || index >= s->g->num_inputs) {
    vp__error(VP_ERANGE, "vp_session_input: index %d out of range [0, %d)", index, s ? s->g->num_inputs : 0);
    return NULL;
  }
  int32_t t = s->g->inputs[index];
  if (s->bound_in[index]) return s->bound_in[index];
  return (float *)s->owned[t];
}

const float *vp_session_output(vp_session *s, int32_t index) {
  if (!s || index < 0 || index >= s->g->num_outputs) {
    vp__error(VP_ERANGE, "vp_session_output: index %d out of range [0, %d)", index, s ? s->g->num_outputs : 0);
    return NULL;
  }
  if (s->dirty) update_pointers(s);
  return s->ptr[s->g->outputs[index]];
}

vp_status vp_session_bind_input(vp_session *s, int32_t index, float *buffer) {
  if (!s) return vp__error(VP_EINVAL, "vp_session_bind_input: session is NULL");
  if (index < 0 || index >= s->g->num_inputs)
    return vp__error(VP_ERANGE, "vp_session_bind_input: index %d out of range [0, %d)", index, s->g->num_inputs);
  int32_t t = s->g->inputs[index];
  if (buffer && s->root[t] != t)
    return vp__error(VP_EUNSUPPORTED, "input %d (%s) shares storage with another tensor and cannot be bound",
                     index, s->g->tensors[t].name ? s->g->tensors[t].name : "?");
  if (s->bound_in[index] != buffer) s->dirty = true;
  s->bound_in[index] = buffer;
  return VP_OK;
}

vp_status vp_session_bind_output(vp_session *s, int32_t index, float *buffer) {
  if (!s) return vp__error(VP_EINVAL, "vp_session_bind_output: session is NULL");
  if (index < 0 || index >= s->g->num_outputs)
    return vp__error(VP_ERANGE, "vp_session_bind_output: index %d out of range [0, %d)", index,
                     s->g->num_outputs);
  int32_t t = s->g->outputs[index];
  if (buffer && (s->root[t] != t || !s->external[t] || s->g->tensors[t].data))
    return vp__error(VP_EUNSUPPORTED, "output %d (%s) shares storage with another tensor and cannot be bound",
                     index, s->g->tensors[t].name ? s->g->tensors[t].name : "?");
  if (buffer) {
    for (int32_t k = 0; k < s->g->num_inputs; k++)
      if (s->g->inputs[k] == t)
        return vp__error(VP_EUNSUPPORTED, "output %d is also model input %d and cannot be bound", index, k);
  }
  if (s->bound_out[index] != buffer) s->dirty = true;
  s->bound_out[index] = buffer;
  return VP_OK;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

vp_status vp_session_run(vp_session *s) {
  if (!s) return vp__error(VP_EINVAL, "vp_session_run: session is NULL");
  if (s->dirty) {
    vp_status rc = setup_all(s);
    if (rc != VP_OK) return rc;
  }
  for (int32_t i = 0; i < s->num_steps; i++) {
    vp__step *st = &s->steps[i];
    int64_t t0 = s->profile ? now_ns() : 0;
    if (st->kind == VP_STEP_XNN) {
      enum xnn_status xs = xnn_invoke_runtime(st->runtime);
      if (xs != xnn_status_success)
        return vp__error(VP_EBACKEND, "operators %d..%d: xnn_invoke_runtime failed: %s",
                         s->g->ops[st->first_op].index, s->g->ops[st->last_op].index, vp__xnn_status_name(xs));
    } else {
      vp_status rc = st->fn(&st->kctx);
      if (rc != VP_OK) return rc;
    }
    if (s->profile) {
      vp_profile_entry *e = &s->prof[st->prof];
      e->total_ns += now_ns() - t0;
      e->calls++;
    }
  }
  return VP_OK;
}

int32_t vp_session_profile(const vp_session *s, const vp_profile_entry **entries) {
  if (!s || !entries) return 0;
  *entries = s->prof;
  return s->prof ? s->num_prof : 0;
}
