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
      // Register blocks sized to the register file: AVX-512 (16 lanes) has 32 vector
      // registers, AVX2 / NEON-width targets are planned for 16. Accumulators + one row of
      // B (or input) vectors + one broadcast must fit. Measured on AVX2 (bench/): mr 6 x nr 2
      // and oc 6 x ow 2 beat 4x3, 8x1, 3x4 and 5x2.
      bool wide = vectorWidth >= 16;
      if (anchor == "conv2d") {
        templ = "conv2d_direct";
        knob("vector", vectorWidth);     // output-width lanes
        knob("oc_block", 6);             // output channels per register block
        knob("ow_block", wide ? 4 : 2);  // vectors of output width per register block
        knob("pack_input", 1);           // 0 in place, 1 padded rows per output row, 2 per tile
        knob("unroll_kw", 1);            // unroll the kernel-width reduction loop
      } else if (anchor == "matmul") {
        templ = "matmul_blocked";
        knob("vector", vectorWidth);
        knob("mr", 6);           // rows of the register block
        knob("nr", wide ? 4 : 2); // vectors of columns of the register block
        knob("pack_b", 1);       // pack B into K x (nr * vector) panels per column tile
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
