//===- strata-opt.cpp - runs graph dialect passes (for lit tests) ---------===//
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

#include "dialects/graph/Passes.h"
#include "lowering/schedules/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<strata::graph::GraphDialect, mlir::func::FuncDialect>();
  strata::graph::registerGraphPasses();
  strata::schedules::registerSchedulesPasses();
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Strata graph dialect optimizer\n", registry));
}
