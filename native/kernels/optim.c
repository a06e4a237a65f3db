/* Fused optimizer updates: the Adam / AdamW step in one pass over p, g, m and v (the composite in
 * src/optim/updates.ts stays the reference, in the same order of operations). Contiguous float32,
 * split over the thread pool by element ranges when large (dl_per_task). */
#include <math.h>

#include "common.h"
#include "fused.h"

typedef struct {
  float *p, *m, *v;
  const float* g;
  int64_t n, per;
  double lr, b1, b2, eps, wd, bc1, bc2s;
  int decoupled;
} adam_ctx;

/* PyTorch's single-tensor Adam, in the same order of operations as src/optim/updates.ts */
static void adam_task(void* p_, int64_t t) {
  const adam_ctx* c = (const adam_ctx*)p_;
  const int64_t i0 = t * c->per, i1 = dl_min64(c->n, i0 + c->per);
  const float b1 = (float)c->b1, b2 = (float)c->b2, omb1 = (float)(1 - c->b1), omb2 = (float)(1 - c->b2);
  const float step = (float)(c->lr / c->bc1), bc2s = (float)c->bc2s, eps = (float)c->eps;
  const float decay = (float)(1 - c->lr * c->wd), wd = (float)c->wd;
  for (int64_t i = i0; i < i1; i++) {
    float p = c->p[i], g = c->g[i];
    if (c->wd != 0) {
      if (c->decoupled) p = p * decay;
      else g = g + p * wd;
    }
    const float m = c->m[i] * b1 + g * omb1;
    const float v = c->v[i] * b2 + (g * omb2) * g;
    c->m[i] = m;
    c->v[i] = v;
    c->p[i] = p + (m * -step) / (sqrtf(v) / bc2s + eps);
  }
}

void dl_adam_f32(float* p, const float* g, float* m, float* v, int64_t n, double lr, double beta1, double beta2,
                 double eps, double weight_decay, int decoupled, double step) {
  adam_ctx c = { p, m, v, g, n, 0, lr, beta1, beta2, eps, weight_decay,
                 1 - pow(beta1, step), sqrt(1 - pow(beta2, step)), decoupled };
  c.per = dl_per_task(n, 1, 4);
  dl_parallel((n + c.per - 1) / c.per, adam_task, &c);
}
