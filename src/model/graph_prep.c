/* Load-time graph passes (layer: model). Placeholder; filled in next. */
#include "model/graph.h"

vp_status vp__graph_prepare(vp__graph *g) {
  (void)g;
  return VP_OK;
}
