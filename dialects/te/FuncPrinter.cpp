#include "dialects/te/FuncPrinter.h"

#include "dialects/te/IRPrinter.h"

namespace strata {
namespace te {
namespace {

void print_level(std::ostream &os, const LoopLevel &l) {
  switch (l.kind) {
  case LoopLevel::Kind::Inline: os << "inline"; break;
  case LoopLevel::Kind::Root: os << "root"; break;
  case LoopLevel::Kind::At: os << "at " << l.func << "." << l.var; break;
  }
}

} // namespace

void print_funcs(std::ostream &os, const std::vector<Func> &funcs) {
  for (const Func &f : funcs) {
    const FuncContents &c = *f.contents();
    for (size_t s = 0; s < c.defs.size(); ++s) {
      const Definition &d = c.defs[s];
      os << c.name << "(";
      for (size_t i = 0; i < d.args.size(); ++i)
        os << (i ? ", " : "") << d.args[i];
      os << ") " << (s == 0 ? "=" : ":=") << " " << d.value;
      for (size_t i = 0; i < d.rvars.size(); ++i)
        os << (i ? ", " : "   over ") << d.rvars[i].name() << " in [" << d.rvars[i].min() << ", "
           << d.rvars[i].min() << " + " << d.rvars[i].extent() << ")";
      os << "\n    loops" << (s == 0 ? "" : " (update " + std::to_string(s - 1) + ")") << ":";
      for (size_t i = 0; i < d.schedule.dims.size(); ++i) {
        const Dim &dim = d.schedule.dims[i];
        os << (i ? ", " : " ") << dim.name;
        if (dim.for_kind != ForKind::Serial)
          os << " " << dim.for_kind;
      }
      for (const Split &sp : d.schedule.splits)
        os << (sp.is_fuse ? "; fuse " : "; split ") << sp.old_id << " -> " << sp.outer_id << ", "
           << sp.inner_id << (sp.is_fuse ? "" : " by " + std::to_string(sp.factor));
      os << "\n";
    }
    if (c.schedule.compute_set) {
      os << "    compute: ";
      print_level(os, c.schedule.compute_level);
      os << "\n";
    }
  }
}

} // namespace te
} // namespace strata
