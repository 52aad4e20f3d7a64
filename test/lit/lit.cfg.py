# lit configuration shared by test/lit (IR and passes) and test/errors (bad input).
import os
import lit.formats

config.name = "Strata"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = config.strata_test_source
config.test_exec_root = config.strata_test_exec
config.environment["PATH"] = os.pathsep.join(
    config.strata_tools_dirs + [config.llvm_tools_dir, os.environ["PATH"]])
config.substitutions.append(("%models", os.path.join(config.strata_source_dir, "test", "models")))
config.substitutions.append(("%inputs", os.path.join(config.strata_test_source, "Inputs")))
config.substitutions.append(("%e2e_tests", config.strata_e2e_tests))
config.substitutions.append(("%build", config.strata_build_dir))
config.substitutions.append(("%examples", os.path.join(config.strata_source_dir, "examples")))
import shutil
if shutil.which("aarch64-linux-gnu-gcc") and shutil.which("qemu-aarch64"):
    config.available_features.add("aarch64-tools")
# A sanitizer build's libstrata_jit.so needs the sanitizer runtime in the program that loads it.
if config.strata_sanitize:
    config.available_features.add("sanitized")
config.excludes = ["lit.cfg.py", "lit.site.cfg.py.in", "CMakeLists.txt", "Inputs"]
