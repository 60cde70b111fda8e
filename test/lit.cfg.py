# -*- Python -*-
# lit configuration of the moec test suite.

import os
import shutil
import subprocess
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "MOEC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.moec_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "data",
                   "runtime", "Inputs"]

# Captured names must be re-bound inside each CHECK-LABEL block.
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"

config.substitutions.append(("%moec_src_root", config.moec_src_root))
config.substitutions.append(("%test_data", os.path.join(
    config.moec_src_root, "test", "data")))
config.substitutions.append(("%numpy_python", config.moec_numpy_python))
# The version moec stamps into what it writes (emit-kernel sources).
config.substitutions.append(("%moec_version", config.moec_version))
config.substitutions.append(("%libmoec", os.path.join(
    config.moec_obj_root, "lib", "libmoec.so")))
# Absolute tool paths for scripts that run the tools themselves (test/e2e).
config.substitutions.append(("%moecrun_exe", os.path.join(config.moec_tools_dir,
                                                          "moec-run")))
config.substitutions.append(("%moec_exe", os.path.join(config.moec_tools_dir, "moec")))
# What the lit template for outside projects is instantiated with
# (test/tools/moec-lit-template.test), and lit itself to run it.
config.substitutions.append(("%moec_opt_exe", os.path.join(
    config.moec_tools_dir, "moec-opt")))
config.substitutions.append(("%filecheck_exe", os.path.join(
    config.llvm_tools_dir, "FileCheck")))
config.substitutions.append(("%not_exe", os.path.join(
    config.llvm_tools_dir, "not")))
config.substitutions.append(("%lit", config.moec_lit))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.moec_tools_dir, append_path=True)
tool_dirs = [config.moec_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    ["moec-opt", "moec", "moec-run", "moec-serve", "moec-bench",
     "moec-tokenize", "FileCheck", "not", "count"],
    tool_dirs)
# The fake CUDA driver of the runtime tests (test/runtime/FakeLibcuda.c):
# GPU-side tools run against it without a GPU (it runs no kernels).
config.substitutions.append(("%fake_libcuda", os.path.join(
    config.moec_obj_root, "lib", "MoecFakeLibcuda.so")))

# The Hopper emulator's libcuda (runtime/emulator/driver): GPU programs run
# their emitted kernels on the CPU with LD_LIBRARY_PATH=%emulator_libcuda_dir.
config.substitutions.append(("%emulator_libcuda_dir", os.path.join(
    config.moec_obj_root, "lib", "emulator")))

# mlir-runner JIT-runs modules lowered by moec-cpu-lower-to-llvm in the CPU
# code generator's execution tests (test/codegen/cpu/exec-*.mlir):
# %mlir_runner, %mlir_runner_utils and %mlir_c_runner_utils (the print and
# memref helpers), available as the `mlir-runner` feature.
_runner = os.path.join(config.llvm_tools_dir, "mlir-runner")
_runner_libs = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
_runner_utils = os.path.join(_runner_libs, "libmlir_runner_utils.so")
_c_runner_utils = os.path.join(_runner_libs, "libmlir_c_runner_utils.so")
if all(os.path.exists(p) for p in (_runner, _runner_utils, _c_runner_utils)):
    config.available_features.add("mlir-runner")
    config.substitutions.append(("%mlir_runner_utils", _runner_utils))
    config.substitutions.append(("%mlir_c_runner_utils", _c_runner_utils))
    config.substitutions.append(("%mlir_runner", _runner))

# ptxas assembles generated PTX where the CUDA toolkit is installed.
if config.moec_ptxas and os.path.exists(config.moec_ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.moec_ptxas))


# The CUDA toolkit's driver API header: generated kernel headers must
# compile against it.
_cuda_include = "/usr/local/cuda/include"
if os.path.exists(os.path.join(_cuda_include, "cuda.h")):
    config.available_features.add("cuda-headers")
    config.substitutions.append(("%cuda_include", _cuda_include))


def _python_with(module):
    """A Python that imports `module`: the suite's, lit's or Debian's."""
    for python in (config.moec_numpy_python, sys.executable,
                   "/usr/bin/python3"):
        try:
            if subprocess.run([python, "-c", "import " + module],
                              capture_output=True, timeout=60).returncode == 0:
                return python
        except (OSError, subprocess.SubprocessError):
            pass
    return None


# bench/plot.py draws with matplotlib (python3-matplotlib,
# scripts/install-deps.sh).
_plot_python = _python_with("matplotlib")
if _plot_python:
    config.available_features.add("matplotlib")
    config.substitutions.append(("%plot_python", _plot_python))


def _has_cuda_device():
    """A usable NVIDIA GPU: nvidia-smi lists at least one device."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True,
                             timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


if _has_cuda_device():
    config.available_features.add("cuda-device")
