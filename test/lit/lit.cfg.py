# lit configuration for Strata's FileCheck tests.
import os
import lit.formats

config.name = "Strata"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(os.path.dirname(config.strata_tools_dirs[0]), "..", "test", "lit")
path = os.pathsep.join(config.strata_tools_dirs + [config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.environment["PATH"] = path
config.substitutions.append(("%models", os.path.join(config.strata_source_dir, "test", "models")))
config.excludes = ["lit.cfg.py", "lit.site.cfg.py.in", "CMakeLists.txt", "Inputs"]
