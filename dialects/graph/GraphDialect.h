//===- GraphDialect.h - Strata's graph dialect ----------------------------===//
#pragma once

#include "mlir/IR/Dialect.h"

#include "dialects/graph/GraphOpsDialect.h.inc"
