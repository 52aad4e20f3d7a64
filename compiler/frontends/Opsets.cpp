//===- Opsets.cpp ---------------------------------------------------------===//
#include "compiler/frontends/Opsets.h"
#include "compiler/frontends/ModelChecks.h"

#include "llvm/ADT/StringRef.h"

#include <map>
#include <vector>

namespace strata::frontend {

llvm::Error checkOpset(const ModelDesc &model) {
  auto fail = [&](const std::string &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), model.path + ": " + msg);
  };
  if (model.opset > kNewestOnnxOpset)
    return fail("imports opset " + std::to_string(model.opset) +
                " of the default ONNX domain; Strata supports opsets up to " + std::to_string(kNewestOnnxOpset));
  if (model.opset == 0) // no version to read an ONNX op with
    for (const NodeDesc &n : model.nodes)
      if (isDefaultDomain(n.domain))
        return fail("node '" + n.name + "' (" + n.op +
                    ") is an ONNX op, but the model imports no opset of the default ONNX domain");
  return llvm::Error::success();
}

std::string otherDomainNodes(const ModelDesc &model) {
  // domain -> "'Op' at node 'name'" for each node outside the default domain.
  std::map<std::string, std::vector<std::string>> byDomain;
  for (const NodeDesc &n : model.nodes)
    if (!isDefaultDomain(n.domain))
      byDomain[n.domain].push_back("'" + n.op + "' at node '" + n.name + "'");
  std::string msg;
  for (auto &[domain, nodes] : byDomain) {
    msg += msg.empty() ? "" : "; ";
    if (domain == "ai.onnx.ml")
      msg += "unsupported ONNX-ML ops (domain 'ai.onnx.ml'): ";
    else if (llvm::StringRef(domain).starts_with("ai.onnx."))
      msg += "unsupported ops of ONNX domain '" + domain + "': ";
    else
      msg += "unknown operator domain '" + domain + "' (Strata implements only the default ONNX domain): ";
    msg += firstFew(nodes);
  }
  return msg;
}

std::optional<int64_t> inputIntroducedIn(const std::string &op, size_t index) {
  // Per op, the opset that introduced each input from input 1 on.
  static const std::map<std::string, std::vector<int64_t>> since = {
      {"Reshape", {5}},
      {"Upsample", {9}},
      {"TopK", {10}},
      {"Slice", {10, 10, 10, 10}},
      {"Resize", {10, 11, 11}}, // Resize-10: X, scales; Resize-11: X, roi, scales, sizes
      {"Clip", {11, 11}},
      {"Pad", {11, 11, 18}},
      {"Dropout", {12, 12}},
      {"Split", {13}},
      {"Squeeze", {13}},
      {"Unsqueeze", {13}},
      {"ReduceSum", {13}},
      {"ReduceMean", {18}},
      {"ReduceMax", {18}},
      {"ReduceMin", {18}},
      {"ReduceProd", {18}},
      {"ReduceL1", {18}},
      {"ReduceL2", {18}},
      {"ReduceSumSquare", {18}},
      {"ReduceLogSum", {18}},
      {"ReduceLogSumExp", {18}},
  };
  auto it = since.find(op);
  if (index == 0 || it == since.end() || index > it->second.size())
    return std::nullopt;
  return it->second[index - 1];
}

} // namespace strata::frontend
