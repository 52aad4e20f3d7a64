//===- ModelChecks.cpp ----------------------------------------------------===//
#include "compiler/frontends/ModelChecks.h"

#include <map>

namespace strata::frontend {

std::string firstFew(const std::vector<std::string> &items) {
  std::string s;
  for (size_t i = 0; i < items.size() && i < 3; ++i)
    s += (i ? ", " : "") + items[i];
  if (items.size() > 3)
    s += " and " + std::to_string(items.size() - 3) + " more";
  return s;
}

llvm::Error checkStructure(const ModelDesc &model) {
  auto fail = [&](const std::string &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), model.path + ": " + msg);
  };
  // Who defines each tensor: "graph input", "initializer" or "node 'n'".
  std::map<std::string, std::string> producer;
  auto define = [&](const std::string &name, const std::string &by) -> llvm::Error {
    auto [it, fresh] = producer.emplace(name, by);
    if (fresh)
      return llvm::Error::success();
    return fail("tensor '" + name + "' is produced twice: by " + it->second + " and by " + by);
  };
  for (const ValueInfo &in : model.inputs)
    if (auto err = define(in.name, "graph input"))
      return err;
  for (const auto &init : model.initializers)
    if (auto err = define(init.first, "initializer"))
      return err;
  for (const NodeDesc &n : model.nodes)
    for (const std::string &out : n.outputs)
      if (!out.empty())
        if (auto err = define(out, "node '" + n.name + "' (" + n.op + ")"))
          return err;
  for (const std::string &out : model.outputs)
    if (!producer.count(out))
      return fail("graph output '" + out + "' is not produced by any node");
  return llvm::Error::success();
}

} // namespace strata::frontend
