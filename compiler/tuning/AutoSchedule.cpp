//===- AutoSchedule.cpp ---------------------------------------------------===//
#include "compiler/tuning/AutoSchedule.h"

#include "compiler/tuning/Features.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <dlfcn.h>

namespace strata::tuning {

llvm::Expected<std::shared_ptr<const CostModel>> loadCostModel(const std::string &path,
                                                               const targets::Target &target) {
  std::string file = path;
  if (file.empty()) {
    // The source tree's models (a build), else those installed beside the binary that holds
    // this code (strata or libstrata_jit.so in PREFIX/bin or PREFIX/lib: PREFIX/share/strata).
    std::vector<std::string> dirs = {STRATA_PRETRAINED_DIR};
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&loadCostModel), &info) && info.dli_fname) {
      llvm::SmallString<256> installed(llvm::sys::path::parent_path(info.dli_fname));
      llvm::sys::path::append(installed, "..", "share", "strata", "pretrained");
      dirs.push_back(std::string(installed));
    }
    for (const std::string &dir : dirs) {
      llvm::SmallString<256> shipped(dir);
      llvm::sys::path::append(shipped, target.isaName() + ".json");
      file = std::string(shipped);
      if (llvm::sys::fs::exists(file))
        break;
    }
    if (!llvm::sys::fs::exists(file))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "no pretrained cost model for " + target.isaName() + " (" + file +
              "); train one from tuning logs with 'strata tune train-model' and pass it with "
              "--auto-schedule-model");
  }
  auto model = std::make_shared<CostModel>();
  if (llvm::Error err = model->load(file))
    return std::move(err);
  return std::shared_ptr<const CostModel>(std::move(model));
}

std::set<std::string> autoSchedule(mlir::func::FuncOp fn, const CostModel &model,
                                   const targets::Target &target, const std::set<std::string> &skip) {
  std::set<std::string> scheduled;
  fn.walk([&](graph::KernelOp kernel) {
    std::string name = kernel.getSymName().str();
    if (skip.count(name))
      return;
    schedules::Workload w = schedules::workloadOf(kernel);
    schedules::Schedule dflt = schedules::defaultSchedule(w, target);
    std::vector<schedules::Schedule> space = schedules::enumerateSpace(w, target, 1 << 16);
    // The default first (it wins ties), then up to kAutoCandidates - 1 spread over the space.
    std::vector<schedules::Schedule> candidates{dflt};
    size_t step = std::max<size_t>(1, space.size() / (kAutoCandidates - 1));
    for (size_t i = 0; i < space.size() && (int)candidates.size() < kAutoCandidates; i += step)
      if (!(space[i] == dflt))
        candidates.push_back(space[i]);
    if (candidates.size() < 2)
      return;
    FeatureExtractor fx(kernel, w, target);
    std::vector<std::vector<float>> features;
    for (const schedules::Schedule &s : candidates) {
      auto f = fx.features(s);
      if (!f) {
        llvm::consumeError(f.takeError());
        return; // keep the default
      }
      features.push_back(std::move(*f));
    }
    auto predicted = model.predict(features);
    if (!predicted || predicted->size() != candidates.size()) {
      if (!predicted)
        llvm::consumeError(predicted.takeError());
      return;
    }
    // The default is a measured, good prior: another candidate must be predicted clearly faster.
    size_t best = 0;
    for (size_t i = 1; i < candidates.size(); ++i)
      if ((*predicted)[i] > (*predicted)[best] && (*predicted)[i] > (*predicted)[0] + kAutoMargin)
        best = i;
    if (best == 0)
      return; // the default stays (and says so)
    kernel.setScheduleAttr(schedules::toAttr(candidates[best], kernel.getContext()));
    scheduled.insert(name);
  });
  return scheduled;
}

} // namespace strata::tuning
