//===- CudaAbiTest.cpp - moec::cuda against the real cuda.h ---------------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file checks, at compile time, that the driver types and constants
// runtime/CudaDriver.h declares for itself match the CUDA toolkit's cuda.h.
// It is built only where the toolkit is installed (test/runtime/
// CMakeLists.txt), with cuda.h's directory on this file's include path
// alone: the runtime itself never sees cuda.h.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDriver.h"

#include "gtest/gtest.h"

#include <cstddef>
#include <cuda.h>

namespace {

namespace m = moec::cuda;

#define MOEC_EXPECT_SAME_VALUE(name)                                           \
  static_assert(int(m::name) == int(::name), #name " differs from cuda.h")

MOEC_EXPECT_SAME_VALUE(CUDA_SUCCESS);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_INVALID_VALUE);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_OUT_OF_MEMORY);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_NO_DEVICE);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_INVALID_IMAGE);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_NO_BINARY_FOR_GPU);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_INVALID_PTX);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_UNSUPPORTED_PTX_VERSION);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_NOT_FOUND);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
MOEC_EXPECT_SAME_VALUE(CUDA_ERROR_STREAM_CAPTURE_UNJOINED);
MOEC_EXPECT_SAME_VALUE(CU_STREAM_CAPTURE_MODE_GLOBAL);
MOEC_EXPECT_SAME_VALUE(CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
MOEC_EXPECT_SAME_VALUE(CU_STREAM_CAPTURE_MODE_RELAXED);
MOEC_EXPECT_SAME_VALUE(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
MOEC_EXPECT_SAME_VALUE(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
MOEC_EXPECT_SAME_VALUE(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
MOEC_EXPECT_SAME_VALUE(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
MOEC_EXPECT_SAME_VALUE(CU_JIT_ERROR_LOG_BUFFER);
MOEC_EXPECT_SAME_VALUE(CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
MOEC_EXPECT_SAME_VALUE(CU_STREAM_DEFAULT);
MOEC_EXPECT_SAME_VALUE(CU_STREAM_NON_BLOCKING);
MOEC_EXPECT_SAME_VALUE(CU_EVENT_DEFAULT);
MOEC_EXPECT_SAME_VALUE(CU_EVENT_DISABLE_TIMING);
MOEC_EXPECT_SAME_VALUE(CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_DATA_TYPE_UINT8);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_DATA_TYPE_FLOAT32);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_DATA_TYPE_BFLOAT16);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_INTERLEAVE_NONE);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_SWIZZLE_NONE);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_SWIZZLE_32B);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_SWIZZLE_64B);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_SWIZZLE_128B);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_L2_PROMOTION_NONE);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_L2_PROMOTION_L2_64B);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_L2_PROMOTION_L2_128B);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_L2_PROMOTION_L2_256B);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
MOEC_EXPECT_SAME_VALUE(CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA);

#define MOEC_EXPECT_SAME_LAYOUT(type)                                          \
  static_assert(sizeof(m::type) == sizeof(::type) &&                           \
                    alignof(m::type) == alignof(::type),                       \
                #type " differs from cuda.h")

MOEC_EXPECT_SAME_LAYOUT(CUresult);
MOEC_EXPECT_SAME_LAYOUT(CUdevice);
MOEC_EXPECT_SAME_LAYOUT(CUdeviceptr);
MOEC_EXPECT_SAME_LAYOUT(CUdevice_attribute);
MOEC_EXPECT_SAME_LAYOUT(CUfunction_attribute);
MOEC_EXPECT_SAME_LAYOUT(CUjit_option);
MOEC_EXPECT_SAME_LAYOUT(CUlaunchAttributeID);
MOEC_EXPECT_SAME_LAYOUT(CUlaunchAttributeValue);
MOEC_EXPECT_SAME_LAYOUT(CUlaunchAttribute);
MOEC_EXPECT_SAME_LAYOUT(CUlaunchConfig);
MOEC_EXPECT_SAME_LAYOUT(CUtensorMap);
MOEC_EXPECT_SAME_LAYOUT(CUtensorMapDataType);
MOEC_EXPECT_SAME_LAYOUT(CUtensorMapSwizzle);

#define MOEC_EXPECT_SAME_OFFSET(type, field)                                   \
  static_assert(offsetof(m::type, field) == offsetof(::type, field),           \
                #type "::" #field " differs from cuda.h")

MOEC_EXPECT_SAME_OFFSET(CUlaunchAttribute, id);
MOEC_EXPECT_SAME_OFFSET(CUlaunchAttribute, value);
MOEC_EXPECT_SAME_OFFSET(CUlaunchConfig, gridDimX);
MOEC_EXPECT_SAME_OFFSET(CUlaunchConfig, blockDimZ);
MOEC_EXPECT_SAME_OFFSET(CUlaunchConfig, sharedMemBytes);
MOEC_EXPECT_SAME_OFFSET(CUlaunchConfig, hStream);
MOEC_EXPECT_SAME_OFFSET(CUlaunchConfig, attrs);
MOEC_EXPECT_SAME_OFFSET(CUlaunchConfig, numAttrs);
MOEC_EXPECT_SAME_OFFSET(CUlaunchAttributeValue, clusterDim);
static_assert(sizeof(m::CUlaunchAttributeValue{}.clusterDim) ==
              sizeof(::CUlaunchAttributeValue{}.clusterDim));

TEST(CudaAbiTest, MatchesCudaH) {
  // The checks are the static_asserts above; this records that they ran.
  EXPECT_GE(CUDA_VERSION, 12000) << "moec needs CUDA 12 or newer";
}

} // namespace
