//===- ScheduleSpace.h - the registry of schedule templates and their knobs ===//
//
// Every schedule template is declared once, in ScheduleSpace.cpp: the anchors it
// schedules, its knobs (each with a default computed from the target and the
// workload, and its set of valid values for them), and the constraints that tie
// knobs together. graph-assign-schedules picks defaults from here, the verifier
// checks schedule attributes against it, the templates (lowering/graph_to_te)
// read knob values through it, and the tuner enumerates the space from it; no
// other code knows a knob's name.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lowering/schedules/Workload.h"
#include "targets/Target.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Error.h"

#include <functional>

namespace strata::schedules {

/// A template with a value for each of its knobs, in declaration order.
struct Schedule {
  std::string templateName;
  std::vector<std::pair<std::string, int64_t>> knobs;

  /// The value of a declared knob (a knob the template does not declare is a programming error).
  int64_t operator[](const std::string &knob) const;
  bool has(const std::string &knob) const;
  /// "conv2d_direct vector=8 oc_block=6 ..."
  std::string str() const;
  bool operator==(const Schedule &o) const {
    return templateName == o.templateName && knobs == o.knobs;
  }
};

struct KnobSpec {
  std::string name;
  std::string doc;
  /// The valid values for a workload on a target, ascending; never empty.
  std::function<std::vector<int64_t>(const Workload &, const targets::Target &)> values;
  /// The default, one of `values`; it may depend on the knobs declared before it (`earlier`).
  std::function<int64_t(const Workload &, const targets::Target &, const Schedule &earlier)>
      defaultValue;
};

struct TemplateSpec {
  std::string name;
  std::string doc;
  /// The kernel anchors this template schedules ("*" for any).
  std::vector<std::string> anchors;
  /// Narrows the anchors by workload (e.g. depthwise only); null accepts all.
  std::function<bool(const Workload &)> accepts;
  /// A GPU template (gpu_blocks/gpu_threads loops) schedules kernels only on GPU targets, a
  /// CPU template only on CPU targets.
  bool gpu = false;
  std::vector<KnobSpec> knobs;
  /// Constraints between knobs: "" when the schedule is fine, otherwise why it is not.
  std::function<std::string(const Schedule &, const Workload &, const targets::Target &)> check;

  bool schedules(const Workload &w, const targets::Target &target) const;
};

/// Every template, in the order they are tried for an anchor.
const std::vector<TemplateSpec> &templates();
/// The template named `name`, or null.
const TemplateSpec *findTemplate(const std::string &name);
/// The template that schedules a workload on a target by default: the first that accepts it.
const TemplateSpec &defaultTemplate(const Workload &w, const targets::Target &target);

/// The default schedule of a workload on a target.
Schedule defaultSchedule(const Workload &w, const targets::Target &target);

/// Checks a schedule (from an attribute, a tuning log or the tuner) for a workload: the template
/// must schedule the workload's anchor, every knob must be declared and its value valid, and the
/// template's constraints must hold. Errors name the kernel and the knob.
llvm::Error verify(const Schedule &s, const Workload &w, const targets::Target &target,
                   const std::string &kernelName);

/// Reads a schedule attribute ({template = "...", knob = N : i64, ...}). Knobs it leaves out take
/// their defaults; unknown knobs, non-integer values and values outside the space are errors.
llvm::Expected<Schedule> fromAttr(mlir::DictionaryAttr attr, const Workload &w,
                                  const targets::Target &target, const std::string &kernelName);
mlir::DictionaryAttr toAttr(const Schedule &s, mlir::MLIRContext *ctx);

/// Every valid schedule of a workload's default template, in a fixed order (knob values
/// ascending, the first knob slowest), at most `limit` of them: the space the tuner searches.
std::vector<Schedule> enumerateSpace(const Workload &w, const targets::Target &target, int64_t limit);

/// The schedule of a kernel: its attribute verified and completed, or the default without one.
llvm::Expected<Schedule> scheduleOf(graph::KernelOp kernel, const targets::Target &target);

} // namespace strata::schedules
