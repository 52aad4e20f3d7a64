//===- Opsets.h - which ONNX versions and domains Strata reads ------------===//
//
// A node is read with the semantics of its model's opset. The importer accepts
// opsets of the default ONNX domain up to kNewestOnnxOpset and no other
// operator domain; inputs added to an op in a later opset are errors in a
// model of an earlier one (they would otherwise be silently ignored).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/frontends/ModelDesc.h"

#include "llvm/Support/Error.h"

#include <optional>

namespace strata::frontend {

/// The newest opset of the default ONNX domain whose forms Strata implements
/// for every op it converts (docs/design.md, "ONNX opsets", lists what each
/// later version of those ops changed).
constexpr int64_t kNewestOnnxOpset = 28;

/// An error when the model imports a newer default-domain opset than
/// kNewestOnnxOpset, or none while it has ONNX ops.
llvm::Error checkOpset(const ModelDesc &model);

/// Whether nodes of `domain` are ONNX ops ("" or "ai.onnx").
inline bool isDefaultDomain(const std::string &domain) { return domain.empty() || domain == "ai.onnx"; }

/// The nodes of other operator domains, for the importer's list of unsupported
/// parts ("unsupported ONNX-ML ops (domain 'ai.onnx.ml'): 'LabelEncoder' at node
/// 'enc'", "unsupported ops of ONNX domain 'ai.onnx.preview.training': ...",
/// "unknown operator domain 'com.x' ..."), or "" when there are none.
std::string otherDomainNodes(const ModelDesc &model);

/// The opset in which input `index` (0-based) of `op` was introduced, where
/// that is later than the op itself; nullopt otherwise.
std::optional<int64_t> inputIntroducedIn(const std::string &op, size_t index);

} // namespace strata::frontend
