# MoecEmitKernel.cmake: emit moec Hopper kernels at build time and compile
# them into a target.
#
#   set(MOEC_EXECUTABLE /path/to/moec)   # or -DMOEC_EXECUTABLE=...
#   include(MoecEmitKernel)
#   moec_emit_kernel(<target> KIND gemm|grouped-gemm|moe-layer
#                    NAME <c-identifier> [OUTPUT_DIR <dir>]
#                    ARGS <emit-kernel options...>)
#
# runs `moec emit-kernel <KIND> <ARGS...> --name=<NAME> -o <dir>` when the
# build needs <dir>/<NAME>.{c,h,ptx,cubin,json} (again whenever moec
# changes), adds <NAME>.c to <target>'s sources, <dir> to its include
# directories, and links the CUDA driver (CUDA::cuda_driver). <dir> defaults
# to ${CMAKE_CURRENT_BINARY_DIR}/moec-kernels/<NAME>. ARGS must not hold
# --name or -o: the function passes them. Include <NAME>.h from any number
# of translation units: the image lives once, in <NAME>.c.
#
# <target> must be a C or C++ target of a project with C enabled (NAME.c
# is C99). The emitted cubin needs ptxas at build time (found by moec in
# $MOEC_PTXAS, PATH or /usr/local/cuda/bin); without one moec embeds PTX
# that the driver JIT-compiles and writes no NAME.cubin, so pass
# --ptxas=none in ARGS to make that explicit (the .cubin is then no
# output). moec also writes NAME.<hash>.emu.so, the kernel for the Hopper
# emulator; pass --emulation=false in ARGS not to.

include_guard(GLOBAL)

set(MOEC_EXECUTABLE "${MOEC_EXECUTABLE}" CACHE FILEPATH
    "The moec compiler that moec_emit_kernel runs")

# Fails the configure step unless MOEC_EXECUTABLE names a program.
function(_moec_check_executable)
  if(NOT MOEC_EXECUTABLE)
    message(FATAL_ERROR
      "moec_emit_kernel: MOEC_EXECUTABLE is not set; pass "
      "-DMOEC_EXECUTABLE=/path/to/moec (the moec compiler)")
  endif()
  # A generator expression ($<TARGET_FILE:moec>) is only known at build time.
  if(NOT MOEC_EXECUTABLE MATCHES "^\\$<" AND NOT EXISTS "${MOEC_EXECUTABLE}")
    message(FATAL_ERROR
      "moec_emit_kernel: MOEC_EXECUTABLE='${MOEC_EXECUTABLE}' does not exist")
  endif()
endfunction()

# Links `target` against the CUDA driver API (cuda.h, libcuda).
function(_moec_link_cuda_driver target)
  if(NOT TARGET CUDA::cuda_driver)
    find_package(CUDAToolkit QUIET)
  endif()
  if(NOT TARGET CUDA::cuda_driver)
    message(FATAL_ERROR
      "moec_emit_kernel: the CUDA driver API (cuda.h, libcuda) was not "
      "found; install the CUDA toolkit or set CUDAToolkit_ROOT")
  endif()
  target_link_libraries(${target} PRIVATE CUDA::cuda_driver)
endfunction()

function(moec_emit_kernel target)
  cmake_parse_arguments(PARSE_ARGV 1 MOEC "" "KIND;NAME;OUTPUT_DIR" "ARGS")
  if(MOEC_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "moec_emit_kernel: unexpected arguments "
                        "'${MOEC_UNPARSED_ARGUMENTS}' (put emit-kernel "
                        "options after ARGS)")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "moec_emit_kernel: '${target}' is not a target")
  endif()
  if(NOT MOEC_KIND MATCHES "^(gemm|grouped-gemm|moe-layer)$")
    message(FATAL_ERROR "moec_emit_kernel: KIND '${MOEC_KIND}' is not one of "
                        "gemm, grouped-gemm, moe-layer")
  endif()
  if(NOT MOEC_NAME)
    message(FATAL_ERROR "moec_emit_kernel: NAME <c-identifier> is required")
  endif()
  if(NOT MOEC_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "moec_emit_kernel: NAME '${MOEC_NAME}' is not a C "
                        "identifier (letters, digits, '_', not starting "
                        "with a digit)")
  endif()
  foreach(arg IN LISTS MOEC_ARGS)
    if(arg MATCHES "^--?(name|o)(=|$)")
      message(FATAL_ERROR "moec_emit_kernel: ARGS must not set '${arg}': "
                          "use NAME and OUTPUT_DIR")
    endif()
  endforeach()
  _moec_check_executable()
  set(dir "${MOEC_OUTPUT_DIR}")
  if(NOT dir)
    set(dir "${CMAKE_CURRENT_BINARY_DIR}/moec-kernels/${MOEC_NAME}")
  endif()
  set(stem "${dir}/${MOEC_NAME}")
  set(outputs ${stem}.c ${stem}.h ${stem}.ptx ${stem}.json)
  if(NOT "--ptxas=none" IN_LIST MOEC_ARGS)
    list(APPEND outputs ${stem}.cubin)
  endif()
  # DEPENDS on the executable's path: a rebuilt or reinstalled moec
  # re-emits (a target name also orders the build after it).
  set(depends "${MOEC_EXECUTABLE}")
  if(TARGET moec AND MOEC_EXECUTABLE MATCHES "TARGET_FILE:moec")
    list(APPEND depends moec)
  endif()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND "${MOEC_EXECUTABLE}" emit-kernel ${MOEC_KIND} ${MOEC_ARGS}
            --name=${MOEC_NAME} -o "${dir}"
    DEPENDS ${depends}
    COMMENT "moec emit-kernel ${MOEC_KIND} ${MOEC_NAME}"
    VERBATIM)
  target_sources(${target} PRIVATE ${stem}.c ${stem}.h)
  target_include_directories(${target} PRIVATE "${dir}")
  _moec_link_cuda_driver(${target})
endfunction()
