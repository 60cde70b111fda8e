# ctest driver (cmake -P) of examples/emit-kernel-consumer: configures and
# builds that separate project against this build's moec and
# cmake/MoecEmitKernel.cmake in a scratch folder, runs it under the Hopper
# emulator, and checks with nm that the linked program defines the GEMM's
# image exactly once although two translation units include its header.
#
#   cmake -DSOURCE=<consumer project> -DBINARY=<scratch dir>
#         -DMOEC_EXECUTABLE=<moec> -DMODULE_DIR=<moec>/cmake
#         -DEMULATOR_DIR=<dir of the emulating libcuda.so.1> -DNM=<nm>
#         [-DGENERATOR=<cmake generator>] -P EmitKernelConsumer.cmake

foreach(var SOURCE BINARY MOEC_EXECUTABLE MODULE_DIR EMULATOR_DIR NM)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "EmitKernelConsumer.cmake: -D${var}=... is required")
  endif()
endforeach()

# Runs a command and fails the test with its output when it fails.
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "emit-kernel consumer: ${what} failed (${status})")
  endif()
endfunction()

file(REMOVE_RECURSE "${BINARY}")
set(generator_args)
if(GENERATOR)
  set(generator_args -G "${GENERATOR}")
endif()
step("configuring" ${CMAKE_COMMAND} -S "${SOURCE}" -B "${BINARY}"
     ${generator_args} -DMOEC_EXECUTABLE=${MOEC_EXECUTABLE}
     -DCMAKE_MODULE_PATH=${MODULE_DIR} -DCMAKE_BUILD_TYPE=Release)
step("building" ${CMAKE_COMMAND} --build "${BINARY}")

set(program "${BINARY}/emit_kernel_consumer")
step("running under the emulator" ${CMAKE_COMMAND} -E env
     LD_LIBRARY_PATH=${EMULATOR_DIR} MOEC_EMULATOR_PATH=${BINARY}/kernels
     "${program}")

# One definition of each image: a header that defined the array would
# leave one local copy per translation unit.
execute_process(COMMAND "${NM}" "${program}" OUTPUT_VARIABLE symbols
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "emit-kernel consumer: ${NM} ${program} failed")
endif()
foreach(image consumer_gemm_image consumer_moe_image)
  string(REGEX MATCHALL "[^\n]* [A-Za-z] ${image}\n" defined "${symbols}\n")
  list(LENGTH defined count)
  string(REGEX MATCH "[^\n]* R ${image}\n" global "${symbols}\n")
  if(NOT count EQUAL 1 OR NOT global)
    message(FATAL_ERROR "emit-kernel consumer: expected one global read-only "
                        "definition of ${image}, nm shows:\n${defined}")
  endif()
endforeach()
message("emit-kernel consumer: nm shows one definition of each image")
