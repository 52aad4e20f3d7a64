#include "lowering/te_to_loops/StorageFlattening.h"

#include <algorithm>

#include "dialects/te/Bounds.h"
#include "dialects/te/IROperator.h"
#include "dialects/te/IRVisitor.h"
#include "dialects/te/Simplify.h"

namespace strata {
namespace te {

namespace {

struct Layout {
  std::vector<Expr> mins, strides;
};

class Flatten : public IRMutator {
public:
  explicit Flatten(const Pipeline &p) : pipeline_(p) {
    auto dense = [](const std::vector<int> &shape) {
      Layout l;
      int64_t stride = 1;
      l.strides.resize(shape.size());
      for (int i = int(shape.size()) - 1; i >= 0; i--) {
        l.strides[i] = make_const(Int(32), stride);
        stride *= shape[i];
      }
      l.mins.assign(shape.size(), make_zero(Int(32)));
      return l;
    };
    for (auto &[n, in] : p.inputs) layouts_[n] = dense(in->shape);
    for (auto &o : p.outputs) layouts_[o->name] = dense(o->shape);
  }

private:
  const Pipeline &pipeline_;
  std::map<std::string, Layout> layouts_;
  Scope scope_; // enclosing loops and lets, to bound allocation sizes

  Expr flat_index(const std::string &name, const std::vector<Expr> &args) {
    auto it = layouts_.find(name);
    TE_CHECK(it != layouts_.end(), "storage flattening: no storage for '" + name + "'");
    const Layout &l = it->second;
    TE_CHECK(l.mins.size() == args.size(), "storage flattening: wrong dimensions for '" + name + "'");
    Expr idx = make_zero(Int(32));
    for (size_t i = 0; i < args.size(); i++) idx = idx + (args[i] - l.mins[i]) * l.strides[i];
    return simplify(idx);
  }

  Expr visit(const Call *op) override {
    if (op->call_type != CallType::FuncRef) return IRMutator::visit(op);
    std::vector<Expr> args;
    mutate_all(op->args, args);
    return Load::make(op->type, op->name, flat_index(op->name, args));
  }

  Stmt visit(const Provide *op) override {
    TE_CHECK(op->values.size() == 1, "storage flattening: multi-valued Provide is not supported");
    std::vector<Expr> args;
    mutate_all(op->args, args);
    return Store::make(op->name, mutate(op->values[0]), flat_index(op->name, args));
  }

  Stmt visit(const Realize *op) override {
    Layout l;
    std::vector<Expr> extents; // by argument, padded
    for (const Range &r : op->bounds) {
      Expr e = simplify(r.extent);
      Interval b = bounds_of_expr_in_scope(e, scope_);
      if (b.max.defined() && as_const_int(b.max)) e = b.max; // constant upper bound
      l.mins.push_back(r.min);
      extents.push_back(e);
    }
    // The storage's dimension order (outermost first) and padding from the Func's schedule.
    std::vector<size_t> order;
    for (size_t i = 0; i < extents.size(); i++) order.push_back(i);
    auto f = pipeline_.funcs.find(op->name);
    if (f != pipeline_.funcs.end()) {
      const FuncSchedule &sched = f->second->schedule;
      const std::vector<std::string> &args = f->second->pure_args;
      auto argIndex = [&](const std::string &a) {
        return size_t(std::find(args.begin(), args.end(), a) - args.begin());
      };
      if (!sched.storage_order.empty()) {
        order.clear();
        for (const std::string &a : sched.storage_order) order.push_back(argIndex(a));
      }
      for (const auto &[a, pad] : sched.storage_padding)
        extents[argIndex(a)] = simplify(extents[argIndex(a)] + pad);
    }
    l.strides.resize(extents.size());
    std::vector<Expr> storageExtents(extents.size());
    Expr stride = make_one(Int(32));
    for (int j = int(order.size()) - 1; j >= 0; j--) {
      l.strides[order[j]] = stride;
      storageExtents[j] = extents[order[j]];
      stride = simplify(stride * extents[order[j]]);
    }
    layouts_[op->name] = l;
    Stmt body = mutate(op->body);
    layouts_.erase(op->name);
    return Allocate::make(op->name, op->types[0], storageExtents, op->memory_type, body);
  }

  Stmt visit(const For *op) override {
    Interval mn = bounds_of_expr_in_scope(op->min, scope_);
    Interval ext = bounds_of_expr_in_scope(op->extent, scope_);
    scope_[op->name] = Interval(mn.min, mn.max.defined() && ext.max.defined()
                                            ? simplify(mn.max + ext.max - 1) : Expr());
    Stmt s = IRMutator::visit(op);
    scope_.erase(op->name);
    return s;
  }

  Stmt visit(const LetStmt *op) override {
    scope_[op->name] = bounds_of_expr_in_scope(op->value, scope_);
    Stmt s = IRMutator::visit(op);
    scope_.erase(op->name);
    return s;
  }

  Stmt visit(const ProducerConsumer *op) override { return mutate(op->body); }
};

} // namespace

Stmt storage_flattening(const Stmt &s, const Pipeline &p) { return Flatten(p).mutate(s); }

} // namespace te
} // namespace strata
