//===- Generator.cpp - random valid models --------------------------------===//
#include "tools/fuzz-models/Generator.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>

namespace strata::fuzz {

using nlohmann::json;
using Shape = std::vector<int64_t>;

namespace {

enum class DT { F32, I64, I32, Bool };

const char *dtName(DT t) {
  switch (t) {
  case DT::F32: return "float32";
  case DT::I64: return "int64";
  case DT::I32: return "int32";
  case DT::Bool: return "bool";
  }
  return "?";
}

constexpr double kEps = 1.2e-7; // float32's unit roundoff, with a little to spare
constexpr int kMaxInputs = 8;

/// A tensor of the model being built: its type and shape, a bound on its values
/// ([lo, hi]), the absolute error the compiled code may have accumulated against
/// the reference (floats), and whether both hold it bit for bit (`exact`: made
/// only by moving, selecting or exactly computing float values).
struct Tensor {
  std::string name;
  DT dt = DT::F32;
  Shape shape;
  double lo = -1, hi = 1;
  double err = 0;
  bool exact = true;
  bool leaf = false;
  double mag() const { return std::max(std::fabs(lo), std::fabs(hi)); }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  int rank() const { return (int)shape.size(); }
  bool isFloat() const { return dt == DT::F32; }
  bool isInt() const { return dt == DT::I64 || dt == DT::I32; }
};

int64_t numelOf(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s)
    n *= d;
  return n;
}

/// numpy broadcasting of two shapes; false where they do not broadcast.
bool broadcastShapes(const Shape &a, const Shape &b, Shape &out) {
  size_t r = std::max(a.size(), b.size());
  out.assign(r, 1);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

class Gen {
public:
  Gen(uint64_t seed, uint64_t index) {
    state = seed * 0x9E3779B97F4A7C15ull ^ (index + 1) * 0xBF58476D1CE4E5B9ull;
    for (int i = 0; i < 4; ++i)
      next();
  }

  GeneratedModel build();

private:
  // --- randomness (splitmix64; no std distributions, whose output differs between libraries)
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi].
  int64_t uni(int64_t lo, int64_t hi) { return hi <= lo ? lo : lo + (int64_t)(next() % (uint64_t)(hi - lo + 1)); }
  double real() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  bool coin(double p) { return real() < p; }
  template <typename T> const T &choose(const std::vector<T> &v) { return v[uni(0, v.size() - 1)]; }
  int weighted(const std::vector<double> &w) {
    double total = 0;
    for (double x : w)
      total += x;
    double r = real() * total;
    for (size_t i = 0; i < w.size(); ++i)
      if ((r -= w[i]) < 0)
        return (int)i;
    return (int)w.size() - 1;
  }

  // --- the model
  json nodes = json::array(), inputs = json::array(), inits = json::object();
  std::vector<Tensor> pool; // every tensor, in creation order
  std::vector<std::string> opsUsed;
  int counter = 0, numInputs = 0;
  bool allowEmpty = false;     // some models have inputs with a 0 dim
  int64_t maxElements = 4096;  // per tensor (about); 32768 for one model in eight
  int opset = 17;

  std::string fresh(const char *prefix) { return prefix + std::to_string(counter++); }

  int64_t randomDim() {
    static const std::vector<int64_t> dims = {1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 11, 13, 16, 17, 24, 31, 33, 48, 64};
    if (allowEmpty && coin(0.12))
      return 0; // an empty tensor
    if (maxElements > 4096 && coin(0.2))
      return uni(65, 160);
    return choose(dims);
  }
  Shape randomShape(int minRank = 0, int maxRank = 5) {
    static const std::vector<double> rankWeights = {2, 12, 28, 26, 24, 8};
    int r;
    do
      r = weighted(rankWeights);
    while (r < minRank || r > maxRank);
    Shape s;
    for (int i = 0; i < r; ++i)
      s.push_back(randomDim());
    // At most maxElements: shrink the largest dims.
    while (numelOf(s) > maxElements) {
      auto it = std::max_element(s.begin(), s.end());
      *it = (*it + 1) / 2;
    }
    return s;
  }

  // --- leaves
  Tensor &add(Tensor t) {
    pool.push_back(std::move(t));
    return pool.back();
  }
  Tensor input(DT dt, const Shape &shape) {
    Tensor t;
    t.name = fresh("x");
    t.dt = dt;
    t.shape = shape;
    t.leaf = true;
    // conformance::randomInputs: floats in [-1, 1), integers in [-4, 3].
    if (dt == DT::Bool)
      t.lo = 0, t.hi = 1;
    else if (dt != DT::F32)
      t.lo = -4, t.hi = 3;
    json j = {{"name", t.name}, {"shape", shape}};
    if (dt != DT::F32 || coin(0.2))
      j["dtype"] = dtName(dt);
    inputs.push_back(j);
    ++numInputs;
    return add(t);
  }
  Tensor constFloat(const Shape &shape, double lo, double hi) {
    Tensor t;
    t.name = fresh("c");
    t.shape = shape;
    t.lo = lo, t.hi = hi;
    t.leaf = true;
    inits[t.name] = {{"shape", shape}, {"random", {{"seed", uni(1, 1000000)}, {"min", lo}, {"max", hi}}}};
    return add(t);
  }
  Tensor constFloatValue(const Shape &shape, double v) {
    Tensor t;
    t.name = fresh("c");
    t.shape = shape;
    t.lo = t.hi = v;
    t.leaf = true;
    inits[t.name] = {{"shape", shape}, {"fill", v}};
    return add(t);
  }
  /// An int64 (or int32/bool) initializer with the given values, not added to the pool
  /// (operands such as shapes, axes and pads).
  std::string constInts(const Shape &shape, const std::vector<int64_t> &data, DT dt = DT::I64) {
    std::string name = fresh("k");
    inits[name] = {{"shape", shape}, {"dtype", dtName(dt)}, {"data", data}};
    return name;
  }
  Tensor constIntTensor(DT dt, const Shape &shape, int64_t lo, int64_t hi) {
    std::vector<int64_t> data;
    for (int64_t i = 0; i < numelOf(shape); ++i)
      data.push_back(uni(lo, hi));
    Tensor t;
    t.name = constInts(shape, data, dt);
    t.dt = dt;
    t.shape = shape;
    t.lo = lo, t.hi = hi;
    t.leaf = true;
    return add(t);
  }
  /// A new input (while there are few) or initializer of the given type and shape.
  Tensor leaf(DT dt, const Shape &shape) {
    if (numInputs < kMaxInputs && coin(0.65))
      return input(dt, shape);
    if (dt == DT::F32)
      return constFloat(shape, -1, 1);
    if (dt == DT::Bool)
      return constIntTensor(dt, shape, 0, 1);
    return constIntTensor(dt, shape, -4, 3);
  }

  // --- nodes
  /// Adds a node; `outs` carry type, shape and bounds, their names are assigned here.
  std::vector<Tensor> node(const std::string &op, const std::vector<std::string> &ins, json attrs,
                           std::vector<Tensor> outs) {
    std::vector<std::string> names;
    for (Tensor &t : outs) {
      t.name = fresh("t");
      t.leaf = false;
      names.push_back(t.name);
      add(t);
    }
    json n = {{"op", op}, {"name", fresh("n")}, {"inputs", ins}, {"outputs", names}};
    if (!attrs.empty())
      n["attrs"] = attrs;
    nodes.push_back(n);
    opsUsed.push_back(op);
    return outs;
  }
  Tensor node1(const std::string &op, const std::vector<std::string> &ins, json attrs, Tensor out) {
    return node(op, ins, std::move(attrs), {std::move(out)})[0];
  }
  static Tensor like(const Tensor &t) {
    Tensor o = t;
    o.leaf = false;
    return o;
  }

  // --- picking operands
  /// A tensor of the pool that satisfies `ok`: often the newest (chains), else any (DAGs,
  /// shared subexpressions); nullptr where none does.
  const Tensor *pick(const std::function<bool(const Tensor &)> &ok) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < pool.size(); ++i)
      if (ok(pool[i]) && (pool[i].numel() > 0 || allowEmpty))
        idx.push_back(i);
    if (idx.empty())
      return nullptr;
    if (coin(0.55))
      return &pool[idx.back()];
    return &pool[choose(idx)];
  }
  Tensor pickOr(const std::function<bool(const Tensor &)> &ok, const std::function<Tensor()> &make,
                double freshChance = 0.1) {
    const Tensor *t = coin(freshChance) ? nullptr : pick(ok);
    return t ? *t : make();
  }
  /// A tensor of rank >= 1 (any type), or a fresh float input.
  Tensor pickRanked() {
    return pickOr([](const Tensor &t) { return t.rank() >= 1; }, [&] { return leaf(DT::F32, randomShape(1)); }, 0.1);
  }
  /// A random axis of a rank-r tensor as written (maybe negative) and normalized.
  std::pair<int64_t, int64_t> randomAxis(int r) {
    int64_t axis = uni(-r, r - 1);
    return {axis, axis < 0 ? axis + r : axis};
  }
  Tensor pickFloat(int minRank = 0, int maxRank = 5) {
    return pickOr([&](const Tensor &t) { return t.isFloat() && t.rank() >= minRank && t.rank() <= maxRank; },
                  [&] { return leaf(DT::F32, randomShape(minRank, maxRank)); });
  }

  // --- guards: keep ill-conditioned ops inside their domain
  Tensor scalarConst(double v) { return constFloatValue({}, v); }
  /// |values| <= bound.
  Tensor bounded(const Tensor &t, double bound) {
    if (t.mag() <= bound)
      return t;
    int how = (int)uni(0, 2);
    if (how == 0) { // Tanh
      Tensor o = like(t);
      o.lo = std::tanh(t.lo), o.hi = std::tanh(t.hi);
      o.err = t.err + 4 * kEps;
      o.exact = false;
      return node1("Tanh", {t.name}, {}, o);
    }
    if (how == 1) { // Clip to [-bound, bound]
      Tensor lo = scalarConst(-bound), hi = scalarConst(bound);
      Tensor o = like(t);
      o.lo = std::max(t.lo, -bound), o.hi = std::min(t.hi, bound);
      return node1("Clip", {t.name, lo.name, hi.name}, {}, o);
    }
    // Scale by a power of two (exact).
    double s = std::pow(2.0, -std::ceil(std::log2(t.mag() / bound)));
    Tensor c = scalarConst(s);
    Tensor o = like(t);
    o.lo = t.lo * s, o.hi = t.hi * s, o.err = t.err * s;
    return node1("Mul", {t.name, c.name}, {}, o);
  }
  /// Values >= minV (> 0).
  Tensor positive(const Tensor &t, double minV) {
    if (t.lo >= minV)
      return t;
    Tensor a = like(t);
    a.lo = 0, a.hi = t.mag();
    a = node1("Abs", {t.name}, {}, a);
    double shift = minV + (coin(0.5) ? 0.25 : 0);
    Tensor c = scalarConst(shift);
    Tensor o = like(a);
    o.lo = shift, o.hi = a.hi + shift;
    o.err = a.err + kEps * o.hi;
    o.exact = false;
    return node1("Add", {a.name, c.name}, {}, o);
  }
  /// Integer values != 0.
  Tensor nonzeroInt(const Tensor &t) {
    if (t.lo > 0 || t.hi < 0)
      return t;
    Tensor a = like(t);
    a.lo = 0, a.hi = t.mag();
    a = node1("Abs", {t.name}, {}, a);
    std::string one = constInts({}, {1}, t.dt);
    Tensor o = like(a);
    o.lo = 1, o.hi = a.hi + 1;
    o = node1("Add", {a.name, one}, {}, o);
    if (coin(0.3)) {
      Tensor n = like(o);
      n.lo = -o.hi, n.hi = -o.lo;
      o = node1("Neg", {o.name}, {}, n);
    }
    return o;
  }
  /// Float values small enough for the heavy ops (matmul, conv, sums).
  Tensor moderate(const Tensor &t) { return t.isFloat() ? bounded(t, 16) : t; }

  /// A second operand for `a` under broadcasting: from the pool or new.
  Tensor partner(const Tensor &a, DT dt, bool needExact = false) {
    if (a.dt == dt && coin(0.12))
      return a; // x op x
    if (coin(0.35)) {
      const Tensor *p = pick([&](const Tensor &t) {
        Shape out;
        return t.dt == dt && (!needExact || t.exact) && broadcastShapes(a.shape, t.shape, out) &&
               numelOf(out) <= 4 * maxElements && t.name != a.name;
      });
      if (p)
        return *p;
    }
    Shape s = a.shape;
    // Fewer leading dims, some dims 1, or more leading dims (the result grows).
    int kind = (int)uni(0, 3);
    if (kind == 0 && !s.empty())
      s.erase(s.begin(), s.begin() + uni(0, s.size()));
    for (int64_t &d : s)
      if (coin(0.3))
        d = 1;
    if (kind == 3 && s.size() < 5 && numelOf(a.shape) <= maxElements / 4)
      s.insert(s.begin(), uni(1, 3));
    if (coin(0.15)) // a size-1 dim of `a` grows
      for (size_t i = 0; i < s.size(); ++i) {
        size_t ai = i + a.shape.size() - s.size();
        if (i + a.shape.size() >= s.size() && ai < a.shape.size() && a.shape[ai] == 1 &&
            numelOf(a.shape) <= maxElements / 4) {
          s[i] = uni(2, 4);
          break;
        }
      }
    return leaf(dt, s);
  }

  // --- op builders (false: not applicable this time)
  bool unaryFloat();
  bool binaryFloat();
  bool binaryInt();
  bool variadic();
  bool compare();
  bool logic();
  bool where();
  bool cast();
  bool reduce();
  bool argMax();
  bool softmax();
  bool matmul();
  bool gemm();
  bool conv();
  bool pool2d();
  bool globalPool();
  bool batchNorm();
  bool reshape();
  bool transpose();
  bool slice();
  bool concat();
  bool split();
  bool gather();
  bool pad();
  bool expand();
  bool squeeze();
  bool unsqueeze();
  bool resize();
  bool tile();
  bool layerNorm();
  bool instanceNorm();
  bool cumSum();
  bool topK();
  bool gatherElements();
  bool shapeChain();
};

// ---------------------------------------------------------------------------
bool Gen::unaryFloat() {
  Tensor x = pickFloat();
  static const std::vector<std::string> ops = {
      "Relu", "Neg", "Abs", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil",
      "Round", "Sign", "Sin", "Cos", "Erf", "Softplus", "Softsign", "LeakyRelu", "Elu", "Selu",
      "HardSigmoid", "HardSwish", "Clip", "Identity", "Celu", "Atan"};
  std::string op = choose(ops);
  json attrs = json::object();
  std::vector<std::string> extra;
  Tensor o = like(x);
  double e = x.err, M = x.mag();
  o.exact = false;
  if (op == "Relu") {
    o.lo = std::max(0.0, x.lo), o.hi = std::max(0.0, x.hi), o.exact = x.exact;
  } else if (op == "Neg") {
    o.lo = -x.hi, o.hi = -x.lo, o.exact = x.exact;
  } else if (op == "Abs") {
    o.lo = 0, o.hi = M, o.exact = x.exact;
  } else if (op == "Identity") {
    o.exact = x.exact;
  } else if (op == "Sigmoid") {
    o.lo = 0, o.hi = 1, o.err = 0.25 * e + 4 * kEps;
  } else if (op == "Tanh" || op == "Softsign" || op == "Atan") {
    o.lo = -1.6, o.hi = 1.6, o.err = e + 4 * kEps;
  } else if (op == "Erf") {
    o.lo = -1, o.hi = 1, o.err = 1.13 * e + 4 * kEps;
  } else if (op == "Exp") {
    x = bounded(x, 4);
    o.lo = std::exp(x.lo), o.hi = std::exp(x.hi), o.err = o.hi * (x.err + 4 * kEps);
  } else if (op == "Log") {
    x = positive(x, 0.25);
    o.lo = std::log(x.lo), o.hi = std::log(x.hi), o.err = x.err / x.lo + 4 * kEps * std::max(1.0, o.hi);
  } else if (op == "Sqrt") {
    x = positive(x, 0.25);
    o.lo = std::sqrt(x.lo), o.hi = std::sqrt(x.hi), o.err = x.err / (2 * o.lo) + 2 * kEps * o.hi;
  } else if (op == "Reciprocal") {
    x = positive(x, 0.25);
    o.lo = 1 / x.hi, o.hi = 1 / x.lo, o.err = x.err / (x.lo * x.lo) + 2 * kEps * o.hi;
  } else if (op == "Floor" || op == "Ceil" || op == "Round" || op == "Sign") {
    if (!x.exact)
      return false;
    o.exact = true;
    o.lo = std::floor(x.lo), o.hi = std::ceil(x.hi);
    if (op == "Sign")
      o.lo = -1, o.hi = 1;
  } else if (op == "Sin" || op == "Cos") {
    x = bounded(x, 8);
    o.lo = -1, o.hi = 1, o.err = x.err + 8 * kEps;
  } else if (op == "Softplus") {
    x = bounded(x, 8);
    o.lo = 0, o.hi = x.hi + 1, o.err = x.err + 4 * kEps * o.hi;
  } else if (op == "LeakyRelu") {
    double alpha = choose(std::vector<double>{0.01, 0.1, 0.5, 2.0});
    attrs["alpha"] = alpha;
    o.lo = std::min(x.lo * alpha, x.lo), o.hi = std::max(x.hi, x.hi * alpha);
    o.err = e * std::max(1.0, alpha) + kEps * M * std::max(1.0, alpha);
  } else if (op == "Elu" || op == "Celu") {
    x = bounded(x, 8);
    double alpha = choose(std::vector<double>{0.5, 1.0, 2.0});
    attrs["alpha"] = alpha;
    o.lo = -alpha, o.hi = std::max(0.0, x.hi), o.err = x.err * std::max(1.0, alpha) + 4 * kEps * std::max(alpha, x.mag());
  } else if (op == "Selu") {
    x = bounded(x, 8);
    o.lo = -1.76 * 1.06, o.hi = 1.06 * std::max(0.0, x.hi), o.err = 1.76 * x.err + 8 * kEps * std::max(1.0, x.mag());
  } else if (op == "HardSigmoid") {
    double alpha = choose(std::vector<double>{0.2, 0.5, 1.0});
    attrs["alpha"] = alpha;
    attrs["beta"] = 0.5;
    o.lo = 0, o.hi = 1, o.err = alpha * e + 2 * kEps;
  } else if (op == "HardSwish") {
    o.lo = -0.375, o.hi = std::max(0.0, x.hi), o.err = e * (1 + M / 3) + 2 * kEps * M;
  } else if (op == "Clip") {
    double lo = choose(std::vector<double>{-0.5, -0.25, 0.0, -2.0});
    double hi = choose(std::vector<double>{0.5, 0.75, 1.0, 6.0});
    int form = (int)uni(0, 3);
    extra.push_back(form == 1 ? "" : scalarConst(lo).name);
    if (form != 2)
      extra.push_back(scalarConst(hi).name);
    if (form == 1)
      lo = -INFINITY;
    if (form == 2)
      hi = INFINITY;
    o.lo = std::min(std::max(x.lo, lo), hi), o.hi = std::max(std::min(x.hi, hi), lo), o.exact = x.exact;
    if (form == 3) { // no bounds at all
      extra.clear();
      o.lo = x.lo, o.hi = x.hi;
    }
  }
  std::vector<std::string> ins = {x.name};
  ins.insert(ins.end(), extra.begin(), extra.end());
  if (o.exact)
    o.err = x.err; // moved or selected, not computed
  node1(op, ins, attrs, o);
  return true;
}

bool Gen::binaryFloat() {
  static const std::vector<std::string> ops = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mul2k"};
  std::string op = choose(ops);
  Tensor a = moderate(pickFloat());
  if (op == "Mul2k") { // scale by a power of two: exact
    Tensor c = scalarConst(choose(std::vector<double>{0.25, 0.5, 2.0, 4.0, -2.0}));
    Tensor o = like(a);
    double s = c.lo;
    o.lo = std::min(a.lo * s, a.hi * s), o.hi = std::max(a.lo * s, a.hi * s), o.err = a.err * std::fabs(s);
    bool swap = coin(0.5);
    node1("Mul", swap ? std::vector<std::string>{c.name, a.name} : std::vector<std::string>{a.name, c.name},
          {}, o);
    return true;
  }
  Tensor b = moderate(partner(a, DT::F32));
  if (op == "Div")
    b = positive(b, 0.25);
  if (op == "Pow") {
    a = bounded(positive(a, 0.25), 4);
    a = positive(a, 0.25);
    b = bounded(b, 2);
  }
  Shape shape;
  if (!broadcastShapes(a.shape, b.shape, shape))
    return false;
  Tensor o = like(a);
  o.shape = shape;
  o.exact = false;
  double Ma = a.mag(), Mb = b.mag();
  if (op == "Add" || op == "Sub") {
    o.lo = op == "Add" ? a.lo + b.lo : a.lo - b.hi;
    o.hi = op == "Add" ? a.hi + b.hi : a.hi - b.lo;
    o.err = a.err + b.err + kEps * std::max(std::fabs(o.lo), std::fabs(o.hi));
  } else if (op == "Mul") {
    o.lo = -Ma * Mb, o.hi = Ma * Mb;
    o.err = a.err * Mb + b.err * Ma + a.err * b.err + kEps * Ma * Mb;
  } else if (op == "Div") {
    o.lo = -Ma / b.lo, o.hi = Ma / b.lo;
    o.err = a.err / b.lo + b.err * Ma / (b.lo * b.lo) + 2 * kEps * o.hi;
  } else if (op == "Pow") {
    double v = std::max(std::pow(a.hi, 2.0), std::pow(a.lo, -2.0));
    o.lo = 0, o.hi = v;
    double dA = 2 * std::max(a.hi, std::pow(a.lo, -3.0)), dB = v * std::max(std::fabs(std::log(a.lo)), std::log(a.hi));
    o.err = a.err * dA + b.err * dB + 8 * kEps * v;
  } else { // Max, Min
    o.lo = op == "Max" ? std::max(a.lo, b.lo) : std::min(a.lo, b.lo);
    o.hi = op == "Max" ? std::max(a.hi, b.hi) : std::min(a.hi, b.hi);
    o.err = std::max(a.err, b.err);
    o.exact = a.exact && b.exact;
  }
  if (coin(0.3) && (op == "Add" || op == "Mul" || op == "Max" || op == "Min"))
    std::swap(a, b);
  node1(op, {a.name, b.name}, {}, o);
  return true;
}

bool Gen::binaryInt() {
  DT dt = coin(0.75) ? DT::I64 : DT::I32;
  Tensor a = pickOr([&](const Tensor &t) { return t.dt == dt; }, [&] { return leaf(dt, randomShape()); }, 0.3);
  static const std::vector<std::string> ops = {"Add", "Sub", "Mul", "Div", "Mod", "Max", "Min", "Pow", "Neg", "Abs"};
  std::string op = choose(ops);
  Tensor o = like(a);
  if (op == "Neg" || op == "Abs") {
    o.lo = op == "Neg" ? -a.hi : 0;
    o.hi = op == "Neg" ? -a.lo : a.mag();
    node1(op, {a.name}, {}, o);
    return true;
  }
  if (op == "Pow") {
    if (a.mag() > 64)
      return false;
    int64_t e = uni(0, 3);
    std::string c = constInts({}, {e}, dt);
    o.lo = -std::pow(a.mag(), e), o.hi = std::pow(a.mag(), e);
    node1("Pow", {a.name, c}, {}, o);
    return true;
  }
  Tensor b = coin(0.15) && (op == "Add" || op == "Sub" || op == "Mul" || op == "Max")
                 ? constIntTensor(dt, {}, -3000000, 3000000) // large values: int32 results wrap
                 : partner(a, dt);
  if (op == "Div" || op == "Mod")
    b = nonzeroInt(b);
  if (op == "Mul" && a.mag() * b.mag() > 1e12)
    return false;
  Shape shape;
  if (!broadcastShapes(a.shape, b.shape, shape))
    return false;
  o.shape = shape;
  double Ma = a.mag(), Mb = b.mag();
  json attrs = json::object();
  if (op == "Add" || op == "Sub")
    o.lo = -(Ma + Mb), o.hi = Ma + Mb;
  else if (op == "Mul")
    o.lo = -Ma * Mb, o.hi = Ma * Mb;
  else if (op == "Div")
    o.lo = -Ma, o.hi = Ma;
  else if (op == "Mod") {
    o.lo = -Mb, o.hi = Mb;
    if (coin(0.5))
      attrs["fmod"] = 1;
  } else {
    o.lo = op == "Max" ? std::max(a.lo, b.lo) : std::min(a.lo, b.lo);
    o.hi = op == "Max" ? std::max(a.hi, b.hi) : std::min(a.hi, b.hi);
  }
  node1(op, {a.name, b.name}, attrs, o);
  return true;
}

bool Gen::variadic() {
  static const std::vector<std::string> ops = {"Sum", "Mean", "Max", "Min"};
  std::string op = choose(ops);
  Tensor a = moderate(pickFloat());
  std::vector<Tensor> args = {a};
  int n = (int)uni(1, 3);
  Shape shape = a.shape;
  for (int i = 0; i < n; ++i) {
    Tensor b = moderate(partner(a, DT::F32));
    Shape s;
    if (!broadcastShapes(shape, b.shape, s) || numelOf(s) > 4 * maxElements)
      continue;
    shape = s;
    args.push_back(b);
  }
  Tensor o = like(a);
  o.shape = shape;
  double lo = 0, hi = 0, err = 0, maxErr = 0;
  bool exact = true;
  o.lo = args[0].lo, o.hi = args[0].hi;
  for (const Tensor &t : args) {
    lo += t.lo, hi += t.hi, err += t.err, maxErr = std::max(maxErr, t.err);
    exact = exact && t.exact;
    o.lo = op == "Max" ? std::max(o.lo, t.lo) : std::min(o.lo, t.lo);
    o.hi = op == "Min" ? std::min(o.hi, t.hi) : std::max(o.hi, t.hi);
  }
  if (op == "Sum" || op == "Mean") {
    double k = op == "Mean" ? 1.0 / args.size() : 1.0;
    o.lo = lo * k, o.hi = hi * k;
    o.err = err * k + args.size() * kEps * std::max(std::fabs(lo), std::fabs(hi));
    o.exact = false;
  } else {
    o.lo = std::min(o.lo, o.hi), o.err = maxErr, o.exact = exact;
  }
  std::vector<std::string> names;
  for (const Tensor &t : args)
    names.push_back(t.name);
  node1(op, names, {}, o);
  return true;
}

bool Gen::compare() {
  static const std::vector<std::string> ops = {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"};
  std::string op = choose(ops);
  DT dt = choose(std::vector<DT>{DT::F32, DT::F32, DT::I64, DT::I64, DT::I32});
  if (coin(0.03)) // Equal of bools is refused; checks the error
    dt = DT::Bool;
  if (dt == DT::Bool && op != "Equal")
    dt = DT::I64;
  Tensor a = pickOr([&](const Tensor &t) { return t.dt == dt && t.exact; }, [&] { return leaf(dt, randomShape()); }, 0.2);
  Tensor b = partner(a, dt, true);
  if (!b.exact)
    return false;
  Shape shape;
  if (!broadcastShapes(a.shape, b.shape, shape))
    return false;
  Tensor o;
  o.dt = DT::Bool, o.shape = shape, o.lo = 0, o.hi = 1;
  node1(op, {a.name, b.name}, {}, o);
  return true;
}

bool Gen::logic() {
  Tensor a = pickOr([](const Tensor &t) { return t.dt == DT::Bool; }, [&] { return leaf(DT::Bool, randomShape()); }, 0.2);
  std::string op = choose(std::vector<std::string>{"And", "Or", "Xor", "Not"});
  Tensor o = like(a);
  if (op == "Not") {
    node1(op, {a.name}, {}, o);
    return true;
  }
  Tensor b = partner(a, DT::Bool);
  if (!broadcastShapes(a.shape, b.shape, o.shape))
    return false;
  node1(op, {a.name, b.name}, {}, o);
  return true;
}

bool Gen::where() {
  Tensor c = pickOr([](const Tensor &t) { return t.dt == DT::Bool; }, [&] { return leaf(DT::Bool, randomShape()); }, 0.15);
  DT dt = choose(std::vector<DT>{DT::F32, DT::F32, DT::I64, DT::I32, DT::Bool});
  Tensor x = pickOr([&](const Tensor &t) { return t.dt == dt; }, [&] { return partner(c, dt); }, 0.3);
  Tensor y = partner(coin(0.5) ? x : c, dt);
  Shape s1, s2;
  if (!broadcastShapes(c.shape, x.shape, s1) || !broadcastShapes(s1, y.shape, s2) || numelOf(s2) > 4 * maxElements)
    return false;
  Tensor o = like(x);
  o.shape = s2;
  o.lo = std::min(x.lo, y.lo), o.hi = std::max(x.hi, y.hi), o.err = std::max(x.err, y.err);
  o.exact = x.exact && y.exact;
  node1("Where", {c.name, x.name, y.name}, {}, o);
  return true;
}

bool Gen::cast() {
  Tensor x = pickOr([](const Tensor &) { return true; }, [&] { return leaf(DT::F32, randomShape()); }, 0.1);
  DT to = choose(std::vector<DT>{DT::F32, DT::I64, DT::I32, DT::Bool});
  if (x.isFloat() && to != DT::F32 && !x.exact)
    return false; // truncation is discontinuous: only values both sides hold exactly
  if (!x.isFloat() && to == DT::F32 && x.mag() > (1 << 24))
    return false;
  Tensor o = like(x);
  o.dt = to;
  if (to == DT::Bool)
    o.lo = 0, o.hi = 1;
  else if (to != DT::F32)
    o.lo = std::trunc(x.lo), o.hi = std::trunc(x.hi);
  o.exact = true;
  static const std::map<DT, int> onnxType = {{DT::F32, 1}, {DT::I64, 7}, {DT::I32, 6}, {DT::Bool, 9}};
  node1("Cast", {x.name}, {{"to", onnxType.at(to)}}, o);
  return true;
}

bool Gen::reduce() {
  static const std::vector<std::string> floatOps = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin",
                                                    "ReduceProd", "ReduceSumSquare", "ReduceL1", "ReduceL2",
                                                    "ReduceLogSumExp", "ReduceLogSum"};
  static const std::vector<std::string> intOps = {"ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"};
  bool isInt = coin(0.04); // refused (float32 only); checks the error
  Tensor x = isInt ? pickOr([](const Tensor &t) { return t.isInt(); }, [&] { return leaf(DT::I64, randomShape(1)); })
                   : pickFloat(1);
  std::string op = choose(isInt ? intOps : floatOps);
  int r = x.rank();
  // Axes: a random subset (negative sometimes), or none (all).
  std::vector<int64_t> axes;
  bool allAxes = r == 0 || coin(0.15);
  if (!allAxes) {
    for (int i = 0; i < r; ++i)
      if (coin(0.4))
        axes.push_back(coin(0.3) ? i - r : i);
    if (axes.empty())
      axes.push_back(uni(0, r - 1));
    if (coin(0.3))
      std::reverse(axes.begin(), axes.end());
  }
  std::set<int64_t> reduced;
  for (int64_t a : axes)
    reduced.insert(a < 0 ? a + r : a);
  if (allAxes)
    for (int i = 0; i < r; ++i)
      reduced.insert(i);
  bool keep = coin(0.5);
  Shape shape;
  int64_t n = 1;
  for (int i = 0; i < r; ++i) {
    if (reduced.count(i)) {
      n *= x.shape[i];
      if (keep)
        shape.push_back(1);
    } else {
      shape.push_back(x.shape[i]);
    }
  }
  if (isInt) {
    if ((op == "ReduceProd" && std::pow(std::max(2.0, x.mag()), n) > 1e15) || x.mag() * n > 1e15)
      return false;
  } else if (op == "ReduceProd") {
    x = bounded(x, 1);
  } else if (op == "ReduceLogSumExp") {
    x = bounded(x, 8);
  } else if (op == "ReduceLogSum") {
    x = bounded(positive(x, 0.25), 16);
  } else {
    x = moderate(x);
  }
  Tensor o = like(x);
  o.shape = shape;
  double M = x.mag(), e = x.err;
  if (isInt) {
    if (op == "ReduceSum")
      o.lo = -M * n, o.hi = M * n;
    else if (op == "ReduceProd")
      o.lo = -std::pow(M, n), o.hi = std::pow(M, n);
  } else {
    o.exact = false;
    if (op == "ReduceSum" || op == "ReduceL1") {
      o.lo = op == "ReduceL1" ? 0 : -M * n, o.hi = M * n, o.err = n * e + 2 * kEps * n * M;
    } else if (op == "ReduceMean") {
      o.lo = x.lo, o.hi = x.hi, o.err = e + 2 * kEps * M;
    } else if (op == "ReduceMax" || op == "ReduceMin") {
      o.exact = x.exact;
    } else if (op == "ReduceProd") {
      o.lo = -1, o.hi = 1, o.err = n * e + 2 * kEps * n;
    } else if (op == "ReduceSumSquare") {
      o.lo = 0, o.hi = n * M * M, o.err = n * (2 * M * e + e * e) + 2 * kEps * n * M * M;
    } else if (op == "ReduceL2") {
      o.lo = 0, o.hi = std::sqrt((double)n) * M, o.err = std::sqrt((double)n) * e + 2 * kEps * n * M;
    } else if (op == "ReduceLogSumExp") {
      o.lo = x.lo, o.hi = x.hi + std::log((double)n), o.err = e + 4 * kEps * std::max(1.0, o.hi);
    } else { // ReduceLogSum
      o.lo = std::log(x.lo * n), o.hi = std::log(x.hi * n), o.err = e / x.lo + 4 * kEps * std::max(1.0, o.hi);
    }
  }
  json attrs = json::object();
  if (!keep)
    attrs["keepdims"] = 0;
  else if (coin(0.3))
    attrs["keepdims"] = 1;
  std::vector<std::string> ins = {x.name};
  bool axesAsInput = opset >= 18 || op == "ReduceSum";
  if (!allAxes) {
    if (axesAsInput)
      ins.push_back(constInts({(int64_t)axes.size()}, axes));
    else
      attrs["axes"] = axes;
  }
  node1(op, ins, attrs, o);
  return true;
}

bool Gen::argMax() {
  bool intsToo = coin(0.1); // refused (float32 only); checks the error
  Tensor x = pickOr([&](const Tensor &t) { return t.isFloat() ? t.exact : intsToo && t.isInt(); },
                    [&] { return leaf(DT::F32, randomShape(1)); }, 0.2);
  if (x.rank() == 0)
    return false;
  int r = x.rank();
  int64_t axis = uni(-r, r - 1);
  int64_t a = axis < 0 ? axis + r : axis;
  bool keep = coin(0.5);
  Tensor o;
  o.dt = DT::I64;
  o.shape = x.shape;
  if (keep)
    o.shape[a] = 1;
  else
    o.shape.erase(o.shape.begin() + a);
  o.lo = 0, o.hi = x.shape[a] - 1;
  json attrs = {{"axis", axis}, {"keepdims", keep ? 1 : 0}};
  if (coin(0.3))
    attrs["select_last_index"] = 1;
  node1(coin(0.5) ? "ArgMax" : "ArgMin", {x.name}, attrs, o);
  return true;
}

bool Gen::softmax() {
  Tensor x = moderate(pickFloat(1));
  int r = x.rank();
  int64_t axis = uni(-r, r - 1);
  bool logSm = coin(0.4);
  Tensor o = like(x);
  o.exact = false;
  if (logSm) {
    double n = x.shape[axis < 0 ? axis + r : axis];
    o.lo = -(2 * x.mag() + std::log(n)), o.hi = 0, o.err = 2 * x.err + 4 * kEps * std::max(1.0, -o.lo);
  } else {
    o.lo = 0, o.hi = 1, o.err = x.err + 4 * kEps;
  }
  json attrs = json::object();
  if (axis != -1 || coin(0.5))
    attrs["axis"] = axis;
  node1(logSm ? "LogSoftmax" : "Softmax", {x.name}, attrs, o);
  return true;
}

bool Gen::matmul() {
  bool isInt = coin(0.03); // refused (float32 only); checks the error
  DT dt = isInt ? DT::I64 : DT::F32;
  Tensor a = isInt ? pickOr([](const Tensor &t) { return t.dt == DT::I64 && t.rank() >= 1 && t.mag() < 1000; },
                            [&] { return leaf(DT::I64, randomShape(1, 4)); })
                   : moderate(pickFloat(1, 4));
  int64_t K = a.shape.back();
  // B: [K], [K, N] or batched [..., K, N] (the batch dims broadcast against a's).
  Shape bs;
  int form = (int)uni(0, 3);
  int64_t N = randomDim();
  if (form == 0) {
    bs = {K};
  } else {
    bs = {K, N};
    if (form >= 2 && a.rank() >= 3) {
      Shape batch(a.shape.begin(), a.shape.end() - 2);
      if (form == 3 && !batch.empty())
        batch.erase(batch.begin(), batch.begin() + uni(0, batch.size()));
      for (int64_t &d : batch)
        if (coin(0.3))
          d = 1;
      bs.insert(bs.begin(), batch.begin(), batch.end());
    }
  }
  const Tensor *found = pick([&](const Tensor &t) { return t.dt == dt && t.shape == bs; });
  Tensor b = found && coin(0.5) ? *found : leaf(dt, bs);
  b = isInt ? b : moderate(b);
  bool swap = false;
  // Sometimes [.., M, K] x as the second operand: a vector or [K, N]-shaped first operand.
  Shape as = a.shape, bsh = b.shape;
  if (bsh.size() == 1 && as.size() >= 2 && coin(0.3)) {
    // [K] x [..., K, M]: needs a's second to last dim to be K; skip: keep a first.
  }
  // Result shape.
  Shape out;
  Shape A = as, B = bsh;
  bool aVec = A.size() == 1, bVec = B.size() == 1;
  if (aVec)
    A.insert(A.begin(), 1);
  if (bVec)
    B.push_back(1);
  Shape ab(A.begin(), A.end() - 2), bb(B.begin(), B.end() - 2), batch;
  if (!broadcastShapes(ab, bb, batch))
    return false;
  out = batch;
  if (!aVec)
    out.push_back(A[A.size() - 2]);
  if (!bVec)
    out.push_back(B.back());
  if (numelOf(out) > 4 * maxElements)
    return false;
  Tensor o = like(a);
  o.shape = out;
  double Ma = a.mag(), Mb = b.mag();
  o.lo = -K * Ma * Mb, o.hi = K * Ma * Mb;
  o.err = isInt ? 0 : K * (a.err * Mb + b.err * Ma) + 2 * kEps * K * Ma * Mb;
  o.exact = isInt;
  if (isInt && o.mag() > 1e15)
    return false;
  (void)swap;
  node1("MatMul", {a.name, b.name}, {}, o);
  return true;
}

bool Gen::gemm() {
  int64_t M = randomDim(), K = randomDim(), N = randomDim();
  const Tensor *p = pick([](const Tensor &t) { return t.isFloat() && t.rank() == 2; });
  bool transA = coin(0.3), transB = coin(0.4);
  Tensor a = p && coin(0.7) ? *p : leaf(DT::F32, {M, K});
  a = moderate(a);
  if (transA)
    M = a.shape[1], K = a.shape[0];
  else
    M = a.shape[0], K = a.shape[1];
  Tensor b = leaf(DT::F32, transB ? Shape{N, K} : Shape{K, N});
  double alpha = choose(std::vector<double>{1.0, 1.0, 0.5, 2.0, -1.0}), beta = choose(std::vector<double>{1.0, 1.0, 0.5, -2.0});
  std::vector<std::string> ins = {a.name, b.name};
  double Mc = 0, ec = 0;
  if (coin(0.7)) {
    Shape cs = choose(std::vector<Shape>{{N}, {1, N}, {M, 1}, {M, N}, {}, {1}});
    Tensor c = leaf(DT::F32, cs);
    ins.push_back(c.name);
    Mc = c.mag() * std::fabs(beta), ec = c.err * std::fabs(beta);
  }
  Tensor o = like(a);
  o.shape = {M, N};
  double Ma = a.mag(), Mb = b.mag();
  o.hi = std::fabs(alpha) * K * Ma * Mb + Mc, o.lo = -o.hi;
  o.err = std::fabs(alpha) * (K * (a.err * Mb) + 2 * kEps * K * Ma * Mb) + ec + 2 * kEps * o.hi;
  o.exact = false;
  json attrs = json::object();
  if (transA)
    attrs["transA"] = 1;
  if (transB)
    attrs["transB"] = 1;
  if (alpha != 1.0 || coin(0.2))
    attrs["alpha"] = alpha;
  if (beta != 1.0 || coin(0.2))
    attrs["beta"] = beta;
  node1("Gemm", ins, attrs, o);
  return true;
}

/// An input of rank 3 or 4 for conv and pooling: from the pool or new.
static Shape convShape(std::function<int64_t(int64_t, int64_t)> uni, int rank, int64_t maxElements) {
  Shape s = {uni(1, 2), uni(0, 3) ? uni(1, 8) : uni(9, 32)};
  for (int i = 2; i < rank; ++i)
    s.push_back(uni(0, 3) ? uni(1, 17) : uni(18, 40));
  while (numelOf(s) > maxElements)
    s.back() = (s.back() + 1) / 2;
  return s;
}

bool Gen::conv() {
  auto u = [&](int64_t lo, int64_t hi) { return uni(lo, hi); };
  Tensor x = pickOr([](const Tensor &t) { return t.isFloat() && (t.rank() == 3 || t.rank() == 4) && t.numel() <= 4096; },
                    [&] { return leaf(DT::F32, convShape(u, coin(0.75) ? 4 : 3, maxElements)); }, 0.15);
  if (x.numel() == 0)
    return false;
  x = moderate(x);
  int r = x.rank(), sp = r - 2;
  int64_t C = x.shape[1];
  std::vector<int64_t> divisors;
  for (int64_t g = 1; g <= C; ++g)
    if (C % g == 0)
      divisors.push_back(g);
  int64_t g = coin(0.5) ? 1 : coin(0.4) ? C : choose(divisors);
  int64_t M = g * uni(1, 3);
  std::vector<int64_t> k(sp), s(sp), d(sp), pads(2 * sp), out(sp);
  std::string autoPad = coin(0.8) ? "NOTSET" : choose(std::vector<std::string>{"SAME_UPPER", "SAME_LOWER", "VALID"});
  for (int i = 0; i < sp; ++i) {
    int64_t H = x.shape[2 + i];
    k[i] = uni(1, std::min<int64_t>(5, H + 2));
    d[i] = coin(0.75) ? 1 : uni(2, 3);
    s[i] = coin(0.6) ? 1 : uni(2, 3);
    int64_t span = d[i] * (k[i] - 1) + 1;
    if (autoPad == "NOTSET") {
      pads[i] = uni(0, k[i] - 1), pads[i + sp] = uni(0, k[i] - 1);
      if (H + pads[i] + pads[i + sp] < span)
        return false;
      out[i] = (H + pads[i] + pads[i + sp] - span) / s[i] + 1;
    } else if (autoPad == "VALID") {
      if (H < span)
        return false;
      out[i] = (H - span) / s[i] + 1;
    } else {
      out[i] = (H + s[i] - 1) / s[i];
    }
  }
  Shape ws = {M, C / g};
  ws.insert(ws.end(), k.begin(), k.end());
  Tensor w = coin(0.8) ? constFloat(ws, -1, 1) : leaf(DT::F32, ws);
  std::vector<std::string> ins = {x.name, w.name};
  double Mb = 0;
  if (coin(0.6)) {
    Tensor b = coin(0.8) ? constFloat({M}, -1, 1) : leaf(DT::F32, {M});
    ins.push_back(b.name);
    Mb = 1;
  }
  Shape os = {x.shape[0], M};
  os.insert(os.end(), out.begin(), out.end());
  if (numelOf(os) > 4 * maxElements)
    return false;
  json attrs = json::object();
  if (coin(0.5) || std::any_of(k.begin(), k.end(), [](int64_t v) { return v > 1; }))
    attrs["kernel_shape"] = k;
  if (g != 1)
    attrs["group"] = g;
  if (std::any_of(s.begin(), s.end(), [](int64_t v) { return v != 1; }) || coin(0.2))
    attrs["strides"] = s;
  if (std::any_of(d.begin(), d.end(), [](int64_t v) { return v != 1; }) || coin(0.2))
    attrs["dilations"] = d;
  if (autoPad == "NOTSET") {
    if (std::any_of(pads.begin(), pads.end(), [](int64_t v) { return v != 0; }) || coin(0.2))
      attrs["pads"] = pads;
  } else {
    attrs["auto_pad"] = autoPad;
  }
  int64_t n = C / g;
  for (int64_t v : k)
    n *= v;
  Tensor o = like(x);
  o.shape = os;
  o.hi = n * x.mag() * w.mag() + Mb, o.lo = -o.hi;
  o.err = n * (x.err * w.mag()) + 2 * kEps * n * x.mag() * w.mag();
  o.exact = false;
  o = node1("Conv", ins, attrs, o);
  if (coin(0.25)) { // batch norm after conv (folded into it)
    Tensor scale = constFloat({M}, 0.5, 1.5), bias = constFloat({M}, -1, 1), mean = constFloat({M}, -1, 1),
           var = constFloat({M}, 0.5, 2);
    Tensor bn = like(o);
    bn.hi = (o.mag() + 1) * 1.5 / std::sqrt(0.5) + 1, bn.lo = -bn.hi;
    bn.err = o.err * 1.5 / std::sqrt(0.5) + 4 * kEps * bn.hi;
    node1("BatchNormalization", {o.name, scale.name, bias.name, mean.name, var.name}, {}, bn);
  }
  return true;
}

bool Gen::pool2d() {
  auto u = [&](int64_t lo, int64_t hi) { return uni(lo, hi); };
  Tensor x = pickOr([](const Tensor &t) { return t.isFloat() && (t.rank() == 3 || t.rank() == 4); },
                    [&] { return leaf(DT::F32, convShape(u, coin(0.75) ? 4 : 3, maxElements)); }, 0.15);
  if (x.numel() == 0)
    return false;
  int r = x.rank(), sp = r - 2;
  bool isMax = coin(0.55);
  bool ceilMode = coin(0.3);
  std::vector<int64_t> k(sp), s(sp), d(sp, 1), pads(2 * sp), out(sp);
  std::string autoPad = coin(0.85) ? "NOTSET" : choose(std::vector<std::string>{"SAME_UPPER", "SAME_LOWER", "VALID"});
  for (int i = 0; i < sp; ++i) {
    int64_t H = x.shape[2 + i];
    k[i] = uni(1, std::min<int64_t>(4, H + 1));
    if (isMax && coin(0.2))
      d[i] = 2;
    s[i] = coin(0.4) ? 1 : uni(2, 3);
    int64_t span = d[i] * (k[i] - 1) + 1;
    if (autoPad == "NOTSET") {
      pads[i] = uni(0, k[i] - 1), pads[i + sp] = uni(0, k[i] - 1);
      int64_t numer = H + pads[i] + pads[i + sp] - span;
      if (numer < 0)
        return false;
      out[i] = (ceilMode ? (numer + s[i] - 1) / s[i] : numer / s[i]) + 1;
      if (ceilMode && (out[i] - 1) * s[i] >= H + pads[i])
        --out[i];
    } else if (autoPad == "VALID") {
      if (H < span)
        return false;
      int64_t numer = H - span;
      out[i] = (ceilMode ? (numer + s[i] - 1) / s[i] : numer / s[i]) + 1;
      if (ceilMode && (out[i] - 1) * s[i] >= H)
        --out[i];
    } else {
      out[i] = (H + s[i] - 1) / s[i];
      int64_t total = std::max<int64_t>(0, (out[i] - 1) * s[i] + span - H);
      pads[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
    }
    // A window of padding only has no value: MaxPool gives -inf, an average without the padding
    // 0 / 0 (neither within the operand's range, which later ops rely on).
    for (int64_t o = 0; o < out[i]; ++o) {
      bool any = false;
      for (int64_t j = 0; j < k[i] && !any; ++j) {
        int64_t at = o * s[i] - (autoPad == "VALID" ? 0 : pads[i]) + j * d[i];
        any = at >= 0 && at < H;
      }
      if (!any)
        return false;
    }
  }
  json attrs = {{"kernel_shape", k}};
  if (std::any_of(s.begin(), s.end(), [](int64_t v) { return v != 1; }) || coin(0.2))
    attrs["strides"] = s;
  if (std::any_of(d.begin(), d.end(), [](int64_t v) { return v != 1; }))
    attrs["dilations"] = d;
  if (autoPad == "NOTSET") {
    if (std::any_of(pads.begin(), pads.end(), [](int64_t v) { return v != 0; }) || coin(0.2))
      attrs["pads"] = pads;
  } else {
    attrs["auto_pad"] = autoPad;
  }
  if (ceilMode)
    attrs["ceil_mode"] = 1;
  Tensor o = like(x);
  o.shape = {x.shape[0], x.shape[1]};
  o.shape.insert(o.shape.end(), out.begin(), out.end());
  if (!isMax) {
    if (coin(0.4))
      attrs["count_include_pad"] = 1;
    o.exact = false;
    o.err = x.err + 4 * kEps * x.mag();
    // Padding counted in the average pulls towards 0.
    o.lo = std::min(0.0, x.lo), o.hi = std::max(0.0, x.hi);
  }
  node1(isMax ? "MaxPool" : "AveragePool", {x.name}, attrs, o);
  return true;
}

bool Gen::globalPool() {
  Tensor x = pickFloat(3, 4);
  bool isMax = coin(0.5);
  Tensor o = like(x);
  for (int i = 2; i < x.rank(); ++i)
    o.shape[i] = 1;
  if (!isMax)
    o.exact = false, o.err = x.err + 4 * kEps * x.mag();
  node1(isMax ? "GlobalMaxPool" : "GlobalAveragePool", {x.name}, {}, o);
  return true;
}

bool Gen::batchNorm() {
  Tensor x = moderate(pickFloat(2));
  int64_t C = x.shape[1];
  Tensor scale = constFloat({C}, 0.5, 1.5), bias = constFloat({C}, -1, 1), mean = constFloat({C}, -1, 1),
         var = constFloat({C}, 0.5, 2);
  Tensor o = like(x);
  o.hi = (x.mag() + 1) * 1.5 / std::sqrt(0.5) + 1, o.lo = -o.hi;
  o.err = x.err * 1.5 / std::sqrt(0.5) + 4 * kEps * o.hi;
  o.exact = false;
  json attrs = json::object();
  if (coin(0.3))
    attrs["epsilon"] = 1e-3;
  node1("BatchNormalization", {x.name, scale.name, bias.name, mean.name, var.name}, attrs, o);
  return true;
}

bool Gen::reshape() {
  Tensor x = pickOr([](const Tensor &) { return true; }, [&] { return leaf(DT::F32, randomShape()); }, 0.05);
  int64_t n = x.numel();
  if (coin(0.25) && x.rank() >= 1) { // Flatten
    int r = x.rank();
    int64_t axis = uni(-r, r);
    int64_t a = axis < 0 ? axis + r : axis;
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < r; ++i)
      (i < a ? outer : inner) *= x.shape[i];
    Tensor o = like(x);
    o.shape = {outer, inner};
    node1("Flatten", {x.name}, {{"axis", axis}}, o);
    return true;
  }
  // Factor n into 1-5 dims at random.
  std::vector<int64_t> factors;
  int64_t m = n;
  for (int64_t p = 2; p * p <= m; ++p)
    while (m % p == 0)
      factors.push_back(p), m /= p;
  if (m > 1)
    factors.push_back(m);
  int r = (int)uni(0, 5);
  if (r == 0 && n != 1)
    r = 1;
  Shape s(r, 1);
  for (int64_t f : factors)
    s[uni(0, r - 1)] *= f;
  if (n == 0) {
    if (r == 0)
      return false;
    s[uni(0, r - 1)] = 0;
  }
  Tensor o = like(x);
  o.shape = s;
  std::vector<int64_t> spec = s;
  if (r > 0 && n > 0 && coin(0.4))
    spec[uni(0, r - 1)] = -1;
  json attrs = json::object();
  if (n == 0)
    attrs["allowzero"] = 1; // a 0 is a 0, not a copy of the input's dim
  else
    for (int i = 0; i < r && i < x.rank(); ++i)
      if (spec[i] == x.shape[i] && coin(0.3))
        spec[i] = 0; // copied from the input
  int64_t minusOnes = std::count(spec.begin(), spec.end(), -1);
  if (minusOnes > 1)
    return false;
  node1("Reshape", {x.name, constInts({(int64_t)r}, spec)}, attrs, o);
  return true;
}

bool Gen::transpose() {
  Tensor x = pickOr([](const Tensor &t) { return t.rank() >= 2; }, [&] { return leaf(DT::F32, randomShape(2)); }, 0.1);
  int r = x.rank();
  std::vector<int64_t> perm(r);
  for (int i = 0; i < r; ++i)
    perm[i] = i;
  json attrs = json::object();
  if (coin(0.15)) {
    std::reverse(perm.begin(), perm.end());
  } else {
    for (int i = r - 1; i > 0; --i)
      std::swap(perm[i], perm[uni(0, i)]);
    attrs["perm"] = perm;
  }
  Tensor o = like(x);
  for (int i = 0; i < r; ++i)
    o.shape[i] = x.shape[perm[i]];
  node1("Transpose", {x.name}, attrs, o);
  return true;
}

bool Gen::slice() {
  Tensor x = pickRanked();
  int r = x.rank();
  std::vector<int64_t> starts, ends, axes, steps;
  Tensor o = like(x);
  bool allAxes = coin(0.2);
  const int64_t big = std::numeric_limits<int64_t>::max(), small = std::numeric_limits<int64_t>::min();
  for (int i = 0; i < r; ++i) {
    if (!allAxes && !coin(0.5))
      continue;
    int64_t d = x.shape[i];
    int64_t step = allAxes ? 1 : choose(std::vector<int64_t>{1, 1, 1, 2, 3, -1, -1, -2});
    int64_t start = 0, end = 0, len = 0;
    for (int attempt = 0; attempt < 8 && len <= 0; ++attempt) {
      if (step > 0) {
        start = uni(0, d - 1);
        end = coin(0.2) ? big : coin(0.2) ? d + uni(0, 3) : uni(start + 1, d);
      } else {
        start = coin(0.2) ? big : uni(0, d - 1);
        end = coin(0.3) ? small : coin(0.2) ? -d - uni(1, 3) : uni(-1, std::min(start, d - 1) - 1);
      }
      if (coin(0.3) && start != big && start < d)
        start -= d; // the same position, from the end
      if (coin(0.3) && end >= 0 && end <= d && end != big)
        end -= d;
      // ONNX's clamping.
      int64_t cs = start < 0 ? std::max<int64_t>(start + d, 0) : start;
      int64_t ce = end < 0 ? (end == small ? -1 : end + d) : end;
      if (step > 0) {
        cs = std::min(cs, d), ce = std::max<int64_t>(0, std::min(ce, d));
        len = ce > cs ? (ce - cs + step - 1) / step : 0;
      } else {
        cs = std::min(cs, d - 1), ce = std::max<int64_t>(-1, std::min(ce, d - 1));
        len = cs > ce ? (cs - ce + (-step) - 1) / (-step) : 0;
      }
    }
    if (len <= 0)
      return false;
    o.shape[i] = len;
    starts.push_back(start), ends.push_back(end), axes.push_back(coin(0.3) ? i - r : i), steps.push_back(step);
  }
  if (starts.empty())
    return false;
  int64_t k = starts.size();
  std::vector<std::string> ins = {x.name, constInts({k}, starts), constInts({k}, ends)};
  bool stepsNeeded = std::any_of(steps.begin(), steps.end(), [](int64_t s) { return s != 1; });
  if (!allAxes || stepsNeeded || coin(0.3))
    ins.push_back(constInts({k}, axes));
  if (stepsNeeded || coin(0.2)) {
    if (ins.size() == 3)
      ins.push_back("");
    ins.push_back(constInts({k}, steps));
  }
  node1("Slice", ins, {}, o);
  return true;
}

bool Gen::concat() {
  Tensor x = pickRanked();
  int r = x.rank();
  auto [axis, a] = randomAxis(r);
  std::vector<Tensor> parts = {x};
  int n = (int)uni(1, 3);
  int64_t total = x.shape[a];
  for (int i = 0; i < n; ++i) {
    const Tensor *p = pick([&](const Tensor &t) {
      if (t.dt != x.dt || t.rank() != r)
        return false;
      for (int j = 0; j < r; ++j)
        if (j != a && t.shape[j] != x.shape[j])
          return false;
      return true;
    });
    Tensor t;
    if (p && coin(0.5)) {
      t = *p;
    } else {
      Shape s = x.shape;
      s[a] = uni(1, 5);
      t = leaf(x.dt, s);
    }
    total += t.shape[a];
    parts.push_back(t);
  }
  if (coin(0.5))
    std::swap(parts[0], parts[uni(0, parts.size() - 1)]);
  Tensor o = like(x);
  o.shape[a] = total;
  if (o.numel() > 4 * maxElements)
    return false;
  std::vector<std::string> names;
  for (const Tensor &t : parts) {
    names.push_back(t.name);
    o.lo = std::min(o.lo, t.lo), o.hi = std::max(o.hi, t.hi), o.err = std::max(o.err, t.err);
    o.exact = o.exact && t.exact;
  }
  node1("Concat", names, {{"axis", axis}}, o);
  return true;
}

bool Gen::split() {
  Tensor x = pickRanked();
  int r = x.rank();
  auto [axis, a] = randomAxis(r);
  int64_t d = x.shape[a];
  int64_t k = uni(1, 3);
  if (d < k)
    return false;
  std::vector<int64_t> sizes;
  json attrs = json::object();
  if (axis != 0 || coin(0.3))
    attrs["axis"] = axis;
  std::vector<std::string> ins = {x.name};
  int form = (int)uni(0, 2);
  if (form == 0) { // explicit sizes
    int64_t left = d;
    for (int64_t i = 0; i < k - 1; ++i) {
      int64_t s = uni(1, left - (k - 1 - i));
      sizes.push_back(s), left -= s;
    }
    sizes.push_back(left);
    ins.push_back(constInts({k}, sizes));
  } else if (form == 1 && opset >= 18) { // num_outputs: parts of ceil(d / k), the last smaller
    int64_t part = (d + k - 1) / k;
    if (part * (k - 1) >= d)
      return false;
    for (int64_t i = 0; i < k; ++i)
      sizes.push_back(std::min(part, d - i * part));
    attrs["num_outputs"] = k;
  } else { // equal parts
    if (d % k)
      return false;
    sizes.assign(k, d / k);
  }
  std::vector<Tensor> outs;
  for (int64_t s : sizes) {
    Tensor o = like(x);
    o.shape[a] = s;
    outs.push_back(o);
  }
  node("Split", ins, attrs, outs);
  return true;
}

bool Gen::gather() {
  Tensor x = pickRanked();
  int r = x.rank();
  auto [axis, a] = randomAxis(r);
  int64_t d = x.shape[a];
  if (d == 0)
    return false;
  Shape is;
  int ir = (int)uni(0, 2);
  for (int i = 0; i < ir; ++i)
    is.push_back(uni(1, 4));
  std::string idx;
  if (numInputs < kMaxInputs && coin(0.25)) {
    idx = input(DT::I64, is).name; // values in [-4, 3]: out of range ones are clamped on both sides
  } else {
    std::vector<int64_t> data;
    for (int64_t i = 0; i < numelOf(is); ++i)
      data.push_back(uni(-d, d - 1));
    idx = constInts(is, data);
  }
  Tensor o = like(x);
  o.shape.clear();
  o.shape.insert(o.shape.end(), x.shape.begin(), x.shape.begin() + a);
  o.shape.insert(o.shape.end(), is.begin(), is.end());
  o.shape.insert(o.shape.end(), x.shape.begin() + a + 1, x.shape.end());
  json attrs = json::object();
  if (axis != 0 || coin(0.3))
    attrs["axis"] = axis;
  node1("Gather", {x.name, idx}, attrs, o);
  return true;
}

bool Gen::pad() {
  Tensor x = pickRanked();
  int r = x.rank();
  std::string mode = choose(std::vector<std::string>{"constant", "constant", "reflect", "edge"});
  std::vector<int64_t> pads(2 * r);
  Tensor o = like(x);
  for (int i = 0; i < r; ++i) {
    int64_t d = x.shape[i];
    for (int side = 0; side < 2; ++side) {
      int64_t p = coin(0.5) ? 0 : uni(1, 3);
      if (mode == "reflect")
        p = std::min(p, d - 1);
      if (mode == "constant" && coin(0.1) && d > 1)
        p = -1; // crop
      pads[i + side * r] = p;
    }
    o.shape[i] = d + pads[i] + pads[i + r];
    if (o.shape[i] < 1)
      return false;
  }
  if (o.numel() > 4 * maxElements)
    return false;
  std::vector<std::string> ins = {x.name, constInts({2 * r}, pads)};
  json attrs = json::object();
  if (mode != "constant" || coin(0.3))
    attrs["mode"] = mode;
  if (mode == "constant" && coin(0.5)) {
    if (x.isFloat()) {
      double v = choose(std::vector<double>{0.5, -1.0, 2.0});
      ins.push_back(scalarConst(v).name);
      o.lo = std::min(o.lo, v), o.hi = std::max(o.hi, v);
    } else {
      int64_t v = x.dt == DT::Bool ? 1 : uni(-3, 3);
      ins.push_back(constInts({}, {v}, x.dt));
      o.lo = std::min<double>(o.lo, v), o.hi = std::max<double>(o.hi, v);
    }
  } else {
    o.lo = std::min(o.lo, 0.0), o.hi = std::max(o.hi, 0.0);
  }
  node1("Pad", ins, attrs, o);
  return true;
}

bool Gen::expand() {
  Tensor x = pickOr([](const Tensor &t) { return t.numel() <= 512; }, [&] { return leaf(DT::F32, randomShape(0, 3)); }, 0.1);
  Shape target;
  int extra = (int)uni(0, 2);
  for (int i = 0; i < extra && x.rank() + i < 5; ++i)
    target.push_back(uni(1, 3));
  for (int64_t d : x.shape)
    target.push_back(d == 1 ? (coin(0.6) ? uni(2, 5) : 1) : (coin(0.2) ? 1 : d));
  Tensor o = like(x);
  if (!broadcastShapes(x.shape, target, o.shape) || o.numel() > 4 * maxElements)
    return false;
  node1("Expand", {x.name, constInts({(int64_t)target.size()}, target)}, {}, o);
  return true;
}

bool Gen::squeeze() {
  Tensor x = pickOr([](const Tensor &t) { return std::count(t.shape.begin(), t.shape.end(), 1) > 0; },
                    [&] {
                      Shape s = randomShape(1);
                      s[uni(0, s.size() - 1)] = 1;
                      return leaf(DT::F32, s);
                    },
                    0.1);
  int r = x.rank();
  std::vector<int64_t> axes;
  for (int i = 0; i < r; ++i)
    if (x.shape[i] == 1 && coin(0.6))
      axes.push_back(coin(0.3) ? i - r : i);
  Tensor o = like(x);
  o.shape.clear();
  std::vector<std::string> ins = {x.name};
  if (axes.empty()) { // no axes: every size-1 dim
    for (int64_t d : x.shape)
      if (d != 1)
        o.shape.push_back(d);
  } else {
    for (int i = 0; i < r; ++i)
      if (std::find(axes.begin(), axes.end(), i) == axes.end() &&
          std::find(axes.begin(), axes.end(), i - r) == axes.end())
        o.shape.push_back(x.shape[i]);
    ins.push_back(constInts({(int64_t)axes.size()}, axes));
  }
  node1("Squeeze", ins, {}, o);
  return true;
}

bool Gen::unsqueeze() {
  Tensor x = pickOr([](const Tensor &t) { return t.rank() <= 4; }, [&] { return leaf(DT::F32, randomShape(0, 4)); }, 0.1);
  int k = (int)uni(1, std::min(2, 5 - x.rank()));
  int r = x.rank() + k;
  std::set<int64_t> pos;
  while ((int)pos.size() < k)
    pos.insert(uni(0, r - 1));
  Tensor o = like(x);
  o.shape.clear();
  for (int i = 0, j = 0; i < r; ++i)
    o.shape.push_back(pos.count(i) ? 1 : x.shape[j++]);
  std::vector<int64_t> axes;
  for (int64_t p : pos)
    axes.push_back(coin(0.3) ? p - r : p);
  if (coin(0.4))
    std::reverse(axes.begin(), axes.end());
  node1("Unsqueeze", {x.name, constInts({(int64_t)axes.size()}, axes)}, {}, o);
  return true;
}

bool Gen::resize() {
  Tensor x = pickOr([](const Tensor &t) { return t.isFloat() && t.rank() == 4 && t.numel() <= 512; },
                    [&] { return leaf(DT::F32, {uni(1, 2), uni(1, 3), uni(1, 9), uni(1, 9)}); }, 0.2);
  x = moderate(x);
  std::string mode = choose(std::vector<std::string>{"nearest", "linear", "cubic"});
  std::vector<std::string> coords = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"};
  json attrs = {{"mode", mode}, {"coordinate_transformation_mode", choose(coords)}};
  if (mode == "nearest")
    attrs["nearest_mode"] = choose(std::vector<std::string>{"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"});
  if (mode == "cubic") {
    attrs["cubic_coeff_a"] = choose(std::vector<double>{-0.75, -0.5});
    if (coin(0.3))
      attrs["exclude_outside"] = 1;
  }
  Tensor o = like(x);
  std::vector<std::string> ins = {x.name, ""};
  if (coin(0.6)) {
    std::vector<double> scales = {1, 1};
    for (int i = 2; i < 4; ++i) {
      double s = choose(std::vector<double>{0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0});
      int64_t out = (int64_t)std::floor(x.shape[i] * s);
      if (out < 1)
        s = 1, out = x.shape[i];
      scales.push_back(s);
      o.shape[i] = out;
    }
    Tensor t;
    std::string name = fresh("k");
    inits[name] = {{"shape", {4}}, {"data", scales}};
    ins.push_back(name);
  } else {
    std::vector<int64_t> sizes = {x.shape[0], x.shape[1], uni(1, 12), uni(1, 12)};
    o.shape = sizes;
    ins.push_back("");
    ins.push_back(constInts({4}, sizes));
  }
  if (mode != "nearest") {
    o.exact = false;
    double amp = mode == "cubic" ? 1.6 : 1.0;
    o.lo = x.lo * amp - (amp - 1) * x.mag(), o.hi = x.hi * amp + (amp - 1) * x.mag();
    o.lo = -std::max(std::fabs(o.lo), std::fabs(o.hi)), o.hi = -o.lo;
    o.err = amp * x.err + 8 * kEps * amp * x.mag();
  }
  node1("Resize", ins, attrs, o);
  return true;
}

bool Gen::tile() {
  Tensor x = pickOr([](const Tensor &t) { return t.rank() >= 1 && t.numel() <= 256; },
                    [&] { return leaf(DT::F32, randomShape(1, 3)); }, 0.1);
  std::vector<int64_t> reps;
  Tensor o = like(x);
  for (int i = 0; i < x.rank(); ++i) {
    reps.push_back(coin(0.5) ? 1 : uni(2, 3));
    o.shape[i] *= reps.back();
  }
  if (o.numel() > 4 * maxElements)
    return false;
  node1("Tile", {x.name, constInts({(int64_t)reps.size()}, reps)}, {}, o);
  return true;
}

bool Gen::layerNorm() {
  Tensor x = moderate(pickFloat(1));
  int r = x.rank();
  auto [axis, a] = randomAxis(r);
  int64_t n = 1;
  Shape ps(x.shape.begin() + a, x.shape.end());
  for (int64_t d : ps)
    n *= d;
  // (x - mean) / sqrt(var + epsilon): an error in x grows by up to 1 / sqrt(epsilon) where the
  // variance is small, so epsilon is not tiny.
  double eps = choose(std::vector<double>{1e-2, 1e-3});
  json attrs = {{"epsilon", eps}};
  if (axis != -1 || coin(0.3))
    attrs["axis"] = axis;
  Tensor scale = coin(0.7) ? constFloat(ps, 0.5, 1.5) : leaf(DT::F32, ps);
  std::vector<std::string> ins = {x.name, scale.name};
  if (coin(0.6))
    ins.push_back(constFloat(ps, -1, 1).name);
  Tensor o = like(x);
  double amp = 1.5 / std::sqrt(eps);
  o.hi = amp * 2 * x.mag() + 1, o.lo = -o.hi;
  o.err = 2 * amp * x.err + 16 * kEps * amp * x.mag() + 4 * kEps * o.hi;
  o.exact = false;
  node1("LayerNormalization", ins, attrs, o);
  return true;
}

bool Gen::instanceNorm() {
  Tensor x = moderate(pickFloat(3, 4));
  int64_t C = x.shape[1];
  double eps = choose(std::vector<double>{1e-2, 1e-3});
  Tensor scale = constFloat({C}, 0.5, 1.5), bias = constFloat({C}, -1, 1);
  Tensor o = like(x);
  double amp = 1.5 / std::sqrt(eps);
  o.hi = amp * 2 * x.mag() + 1, o.lo = -o.hi;
  o.err = 2 * amp * x.err + 16 * kEps * amp * x.mag() + 4 * kEps * o.hi;
  o.exact = false;
  node1("InstanceNormalization", {x.name, scale.name, bias.name}, {{"epsilon", eps}}, o);
  return true;
}

bool Gen::cumSum() {
  bool isInt = coin(0.3);
  Tensor x = isInt ? pickOr([](const Tensor &t) { return t.dt == DT::I64 && t.rank() >= 1 && t.mag() < 1e9; },
                            [&] { return leaf(DT::I64, randomShape(1)); })
                   : moderate(pickFloat(1));
  int r = x.rank();
  auto [axis, a] = randomAxis(r);
  int64_t n = x.shape[a];
  json attrs = json::object();
  if (coin(0.3))
    attrs["exclusive"] = 1;
  if (coin(0.3))
    attrs["reverse"] = 1;
  Tensor o = like(x);
  o.lo = -n * x.mag(), o.hi = n * x.mag();
  if (!isInt)
    o.exact = false, o.err = n * x.err + 2 * kEps * n * x.mag() * std::max<double>(1, std::log2((double)n + 1));
  node1("CumSum", {x.name, constInts({}, {axis})}, attrs, o);
  return true;
}

bool Gen::topK() {
  // Ties and near-ties reorder: exact values only.
  Tensor x = pickOr([](const Tensor &t) { return t.isFloat() && t.exact && t.rank() >= 1; },
                    [&] { return input(DT::F32, randomShape(1)); }, 0.2);
  int r = x.rank();
  auto [axis, a] = randomAxis(r);
  if (x.shape[a] < 1)
    return false;
  int64_t k = uni(1, std::min<int64_t>(x.shape[a], 5));
  Tensor v = like(x), i;
  v.shape[a] = k;
  i.dt = DT::I64, i.shape = v.shape, i.lo = 0, i.hi = x.shape[a] - 1;
  json attrs = json::object();
  if (axis != -1 || coin(0.3))
    attrs["axis"] = axis;
  if (coin(0.4))
    attrs["largest"] = 0;
  node("TopK", {x.name, constInts({1}, {k})}, attrs, {v, i});
  return true;
}

bool Gen::gatherElements() {
  Tensor x = pickRanked();
  int r = x.rank();
  auto [axis, a] = randomAxis(r);
  int64_t d = x.shape[a];
  if (d < 1)
    return false;
  if (x.numel() == 0)
    return false;
  Shape is = x.shape;
  for (int i = 0; i < r; ++i)
    is[i] = i == a ? uni(1, 4) : (coin(0.3) ? std::max<int64_t>(1, is[i] - 1) : is[i]);
  std::vector<int64_t> data;
  for (int64_t i = 0; i < numelOf(is); ++i)
    data.push_back(uni(-d, d - 1));
  Tensor o = like(x);
  o.shape = is;
  node1("GatherElements", {x.name, constInts(is, data)}, {{"axis", axis}}, o);
  return true;
}

bool Gen::shapeChain() {
  // Shape -> Gather/Slice -> Concat with constants -> Reshape: resolved at import.
  Tensor x = pickOr([](const Tensor &t) { return t.rank() >= 2; }, [&] { return leaf(DT::F32, randomShape(2)); }, 0.1);
  if (x.numel() == 0)
    return false; // -1 is ambiguous for an empty tensor
  int r = x.rank();
  Tensor sh;
  sh.dt = DT::I64, sh.shape = {r};
  sh = node1("Shape", {x.name}, {}, sh);
  // Keep the first k dims and flatten the rest (-1).
  int64_t k = uni(0, r - 1);
  std::vector<std::string> parts;
  if (k > 0) {
    Tensor head;
    head.dt = DT::I64, head.shape = {k};
    if (coin(0.5)) {
      head = node1("Slice", {sh.name, constInts({1}, {0}), constInts({1}, {k})}, {}, head);
    } else {
      std::vector<int64_t> idx(k);
      for (int64_t i = 0; i < k; ++i)
        idx[i] = i;
      head = node1("Gather", {sh.name, constInts({k}, idx)}, {}, head);
    }
    parts.push_back(head.name);
  }
  parts.push_back(constInts({1}, {-1}));
  Tensor spec;
  spec.dt = DT::I64, spec.shape = {k + 1};
  spec = node1("Concat", parts, {{"axis", 0}}, spec);
  Tensor o = like(x);
  o.shape.assign(x.shape.begin(), x.shape.begin() + k);
  int64_t rest = 1;
  for (int i = k; i < r; ++i)
    rest *= x.shape[i];
  o.shape.push_back(rest);
  node1("Reshape", {x.name, spec.name}, {}, o);
  return true;
}

GeneratedModel Gen::build() {
  opset = coin(0.25) ? 18 : 17;
  allowEmpty = coin(0.05);
  maxElements = coin(0.125) ? 32768 : 4096;
  using Builder = bool (Gen::*)();
  struct Entry {
    Builder fn;
    double weight;
  };
  static const std::vector<Entry> builders = {
      {&Gen::unaryFloat, 14}, {&Gen::binaryFloat, 14}, {&Gen::binaryInt, 5}, {&Gen::variadic, 3},
      {&Gen::compare, 4},     {&Gen::logic, 2},        {&Gen::where, 4},     {&Gen::cast, 4},
      {&Gen::reduce, 7},      {&Gen::argMax, 2},       {&Gen::softmax, 4},   {&Gen::matmul, 6},
      {&Gen::gemm, 3},        {&Gen::conv, 6},         {&Gen::pool2d, 4},    {&Gen::globalPool, 1.5},
      {&Gen::batchNorm, 1.5}, {&Gen::reshape, 5},      {&Gen::transpose, 4}, {&Gen::slice, 5},
      {&Gen::concat, 4},      {&Gen::split, 3},        {&Gen::gather, 4},    {&Gen::pad, 3},
      {&Gen::expand, 3},      {&Gen::squeeze, 2},      {&Gen::unsqueeze, 2}, {&Gen::resize, 3},
      {&Gen::tile, 1.5},      {&Gen::layerNorm, 2},    {&Gen::instanceNorm, 1}, {&Gen::cumSum, 1.5},
      {&Gen::topK, 1},        {&Gen::gatherElements, 1.5}, {&Gen::shapeChain, 1.5}};
  std::vector<double> weights;
  for (const Entry &e : builders)
    weights.push_back(e.weight);
  // Start from one or two inputs.
  leaf(DT::F32, randomShape());
  if (coin(0.3))
    input(choose(std::vector<DT>{DT::F32, DT::I64, DT::I32, DT::Bool}), randomShape());
  int target = coin(0.6) ? (int)uni(1, 8) : (int)uni(9, 30);
  for (int tries = 0; (int)opsUsed.size() < target && tries < 200; ++tries)
    (this->*builders[weighted(weights)].fn)();
  if (opsUsed.empty())
    unaryFloat();

  // Outputs: the newest tensor, and now and then an intermediate one.
  GeneratedModel m;
  std::vector<std::string> outputs;
  std::set<std::string> seen;
  auto addOutput = [&](const Tensor &t) {
    if (!seen.insert(t.name).second)
      return;
    outputs.push_back(t.name);
    m.atol.push_back(t.isFloat() ? std::max(1e-4, 4 * t.err) : 0.0);
  };
  for (size_t i = pool.size(); i-- > 0;)
    if (!pool[i].leaf) {
      addOutput(pool[i]);
      break;
    }
  for (const Tensor &t : pool)
    if (!t.leaf && outputs.size() < 4 && coin(0.12))
      addOutput(t);
  if (coin(0.04)) // a model input returned as is
    for (const Tensor &t : pool)
      if (t.leaf && !t.name.empty() && t.name[0] == 'x') {
        addOutput(t);
        break;
      }
  if (coin(0.03)) { // an output computed from initializers only (folded at compile time)
    Tensor c = constFloat(randomShape(0, 3), -1, 1);
    Tensor o = like(c);
    o.lo = 0, o.hi = 1, o.err = 4 * kEps, o.exact = false;
    addOutput(node1("Sigmoid", {c.name}, {}, o));
  }
  if (coin(0.03)) // the same tensor returned twice
    outputs.push_back(outputs[0]), m.atol.push_back(m.atol[0]);
  m.graph = {{"opset", opset}, {"inputs", inputs}, {"outputs", outputs}, {"initializers", inits}, {"nodes", nodes}};
  m.ops = opsUsed;
  return m;
}

} // namespace

GeneratedModel generateModel(uint64_t seed, uint64_t index) { return Gen(seed, index).build(); }

} // namespace strata::fuzz
