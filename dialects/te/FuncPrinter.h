// Prints the algorithm and schedule of Funcs (what `strata compile --emit=te` shows):
//
//   conv_acc(n, c, y, x) = bias(c)
//   conv_acc(n, c, y, x) += w(c, r.x, r.y, r.z) * ...   over r.x in [0, 3), ...
//     compute: root; loops (update 0): n, c, y, x vectorized, r.x, r.y, r.z
#pragma once

#include <ostream>
#include <vector>

#include "dialects/te/Func.h"

namespace strata {
namespace te {

void print_funcs(std::ostream &os, const std::vector<Func> &funcs);

} // namespace te
} // namespace strata
