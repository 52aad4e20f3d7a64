// Embeds Strata's JIT in a host application: compile a model in-process, ask for its inputs and
// outputs, run it on the application's own buffers.
//
//   jit_demo MODEL [NAME=D0,D1,...]      (the optional shape fixes a dynamic input)
#include "strata/strata.h"

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL [NAME=D0,D1,...]\n", argv[0]);
    return 2;
  }
  strata::CompileOptions options; // target "host", all cores
  if (argc > 2) {
    std::string spec = argv[2];
    auto eq = spec.find('=');
    std::vector<int64_t> dims;
    for (size_t pos = eq + 1; pos < spec.size();) {
      size_t comma = spec.find(',', pos);
      dims.push_back(std::stoll(spec.substr(pos, comma - pos)));
      pos = comma == std::string::npos ? spec.size() : comma + 1;
    }
    options.input_shapes[spec.substr(0, eq)] = dims;
  }
  auto exe = strata::compile(argv[1], options);
  if (!exe.ok()) {
    std::fprintf(stderr, "compile failed: %s\n", exe.error().c_str());
    return 1;
  }
  // The application owns every buffer.
  std::vector<std::vector<float>> in, out;
  std::vector<const void *> inPtrs;
  std::vector<void *> outPtrs;
  for (const auto &t : exe->inputs()) {
    in.emplace_back(t.num_elements(), 0.5f);
    inPtrs.push_back(in.back().data());
    std::printf("input  %s: %lld elements\n", t.name.c_str(), (long long)t.num_elements());
  }
  for (const auto &t : exe->outputs()) {
    out.emplace_back(t.num_elements());
    outPtrs.push_back(out.back().data());
  }
  strata::Status s = exe->run(inPtrs.data(), outPtrs.data());
  if (!s.ok()) {
    std::fprintf(stderr, "run failed: %s\n", s.message().c_str());
    return 1;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    std::printf("output %s:", exe->outputs()[i].name.c_str());
    for (size_t k = 0; k < out[i].size() && k < 8; ++k)
      std::printf(" %.6f", out[i][k]);
    std::printf("\n");
  }
  return 0;
}
