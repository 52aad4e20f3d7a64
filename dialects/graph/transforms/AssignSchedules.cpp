//===- AssignSchedules.cpp - default schedule per kernel ------------------===//
//
// The schedule attribute is the contract between the graph level and the
// tensor-expression lowering (lowering/graph_to_te reads it): a template
// name plus integer knobs. A tuning log can later override the defaults.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/Passes.h"

#include "mlir/IR/Builders.h"

namespace strata::graph {
#define GEN_PASS_DEF_ASSIGNSCHEDULES
#include "dialects/graph/Passes.h.inc"
} // namespace strata::graph

using namespace mlir;
using namespace strata::graph;

namespace {

struct AssignSchedulesPass : public strata::graph::impl::AssignSchedulesBase<AssignSchedulesPass> {
  using AssignSchedulesBase::AssignSchedulesBase;

  void runOnOperation() override {
    getOperation().walk([&](KernelOp kernel) {
      if (kernel.getSchedule())
        return; // already chosen (e.g. from a tuning log)
      OpBuilder b(kernel);
      SmallVector<NamedAttribute> knobs;
      auto knob = [&](StringRef name, int64_t v) {
        knobs.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(v)));
      };
      StringRef anchor = kernel.getAnchor();
      std::string templ;
      if (anchor == "conv2d") {
        templ = "conv2d_direct";
        knob("vector", vectorWidth); // output-width lanes
        knob("oc_block", 4);         // output channels per register block
        knob("ow_block", 2);         // vectors of output width per register block
      } else if (anchor == "matmul") {
        templ = "matmul_blocked";
        knob("vector", vectorWidth);
        knob("mr", 6); // rows of the register block
        knob("nr", 2); // vectors of columns of the register block
      } else {
        templ = "injective";
        knob("vector", vectorWidth);
      }
      knobs.insert(knobs.begin(), b.getNamedAttr("template", b.getStringAttr(templ)));
      kernel.setScheduleAttr(b.getDictionaryAttr(knobs));
    });
  }
};

} // namespace
