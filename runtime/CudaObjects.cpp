//===- CudaObjects.cpp - Owners of device memory, modules, streams --------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the move-only owners CudaDevice hands out:
// DeviceBuffer, CudaModule, CudaStream and CudaEvent. Each keeps the driver
// alive (its function pointers live in libcuda) and releases its object on
// destruction; a moved-from owner holds nothing.
//
//===----------------------------------------------------------------------===//

#include "runtime/CudaDevice.h"

#include "runtime/StringUtil.h"

#include <utility>

namespace moec::runtime {

//===----------------------------------------------------------------------===//
// DeviceBuffer
//===----------------------------------------------------------------------===//

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept {
  *this = std::move(other);
}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this == &other)
    return *this;
  if (driver && ptr)
    driver->api().memFree(ptr);
  driver = std::move(other.driver);
  ptr = std::exchange(other.ptr, 0);
  bytes = std::exchange(other.bytes, 0);
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  // Errors are ignored: a destructor cannot report them, and freeing fails
  // only when the context is already gone.
  if (driver && ptr)
    driver->api().memFree(ptr);
}

absl::Status DeviceBuffer::checkRange(std::string_view what, uint64_t offset,
                                      uint64_t count) const {
  if (offset > bytes || count > bytes - offset)
    return absl::OutOfRangeError(
        strCat(what, " of ", count, " bytes at offset ", offset,
               " runs past the end of a ", bytes, "-byte device buffer"));
  return absl::OkStatus();
}

absl::Status DeviceBuffer::copyFromHost(absl::Span<const uint8_t> from,
                                        uint64_t offset) {
  if (absl::Status s = checkRange("copy to the GPU", offset, from.size());
      !s.ok())
    return s;
  if (from.empty())
    return absl::OkStatus();
  return driver->check(
      driver->api().memcpyHtoD(ptr + offset, from.data(), from.size()),
      strCat("cuMemcpyHtoD of ", from.size(), " bytes"));
}

absl::Status DeviceBuffer::copyToHost(absl::Span<uint8_t> to,
                                      uint64_t offset) const {
  if (absl::Status s = checkRange("copy from the GPU", offset, to.size());
      !s.ok())
    return s;
  if (to.empty())
    return absl::OkStatus();
  return driver->check(
      driver->api().memcpyDtoH(to.data(), ptr + offset, to.size()),
      strCat("cuMemcpyDtoH of ", to.size(), " bytes"));
}

absl::Status DeviceBuffer::fill(uint8_t value) {
  if (bytes == 0)
    return absl::OkStatus();
  return driver->check(driver->api().memsetD8(ptr, value, bytes),
                       strCat("cuMemsetD8 of ", bytes, " bytes"));
}

absl::Status DeviceBuffer::fillWordsAsync(uint32_t value, uint64_t count,
                                          const CudaStream *stream,
                                          uint64_t offset) {
  if (absl::Status s = checkRange("cuMemsetD32Async", offset, 4 * count);
      !s.ok())
    return s;
  if (count == 0)
    return absl::OkStatus();
  return driver->check(
      driver->api().memsetD32Async(ptr + offset, value, count,
                                   stream ? stream->handle() : nullptr),
      strCat("cuMemsetD32Async of ", count, " words"));
}

//===----------------------------------------------------------------------===//
// CudaModule
//===----------------------------------------------------------------------===//

CudaModule::CudaModule(CudaModule &&other) noexcept {
  *this = std::move(other);
}

CudaModule &CudaModule::operator=(CudaModule &&other) noexcept {
  if (this == &other)
    return *this;
  if (driver && handle)
    driver->api().moduleUnload(handle);
  driver = std::move(other.driver);
  handle = std::exchange(other.handle, nullptr);
  what = std::move(other.what);
  return *this;
}

CudaModule::~CudaModule() {
  if (driver && handle)
    driver->api().moduleUnload(handle);
}

absl::StatusOr<CudaFunction>
CudaModule::function(const std::string &name) const {
  CudaFunction fn;
  cuda::CUresult result =
      driver->api().moduleGetFunction(&fn.handle, handle, name.c_str());
  if (result == cuda::CUDA_ERROR_NOT_FOUND)
    return absl::NotFoundError(
        strCat(what, ": the module has no kernel '", name, "'"));
  if (absl::Status s = driver->check(
          result, strCat(what, ": cuModuleGetFunction('", name, "')"));
      !s.ok())
    return s;
  fn.name = name;
  return fn;
}

//===----------------------------------------------------------------------===//
// CudaStream and CudaEvent
//===----------------------------------------------------------------------===//

CudaStream::CudaStream(CudaStream &&other) noexcept {
  *this = std::move(other);
}

CudaStream &CudaStream::operator=(CudaStream &&other) noexcept {
  if (this == &other)
    return *this;
  if (driver && stream)
    driver->api().streamDestroy(stream);
  driver = std::move(other.driver);
  stream = std::exchange(other.stream, nullptr);
  return *this;
}

CudaStream::~CudaStream() {
  if (driver && stream)
    driver->api().streamDestroy(stream);
}

absl::Status CudaStream::synchronize() const {
  return driver->check(driver->api().streamSynchronize(stream),
                       "cuStreamSynchronize");
}

absl::Status CudaStream::waitFor(const CudaEvent &event) const {
  return driver->check(driver->api().streamWaitEvent(stream, event.event, 0),
                       "cuStreamWaitEvent");
}

CudaEvent::CudaEvent(CudaEvent &&other) noexcept { *this = std::move(other); }

CudaEvent &CudaEvent::operator=(CudaEvent &&other) noexcept {
  if (this == &other)
    return *this;
  if (driver && event)
    driver->api().eventDestroy(event);
  driver = std::move(other.driver);
  event = std::exchange(other.event, nullptr);
  return *this;
}

CudaEvent::~CudaEvent() {
  if (driver && event)
    driver->api().eventDestroy(event);
}

absl::Status CudaEvent::record(const CudaStream *stream) {
  return driver->check(
      driver->api().eventRecord(event, stream ? stream->handle() : nullptr),
      "cuEventRecord");
}

absl::Status CudaEvent::synchronize() const {
  return driver->check(driver->api().eventSynchronize(event),
                       "cuEventSynchronize");
}

absl::StatusOr<float> CudaEvent::elapsedMs(const CudaEvent &start,
                                           const CudaEvent &end) {
  float ms = 0;
  if (absl::Status s = start.driver->check(
          start.driver->api().eventElapsedTime(&ms, start.event, end.event),
          "cuEventElapsedTime");
      !s.ok())
    return s;
  return ms;
}

//===----------------------------------------------------------------------===//
// CudaGraph
//===----------------------------------------------------------------------===//

CudaGraph::CudaGraph(CudaGraph &&other) noexcept { *this = std::move(other); }

CudaGraph &CudaGraph::operator=(CudaGraph &&other) noexcept {
  if (this == &other)
    return *this;
  if (driver && exec)
    driver->api().graphExecDestroy(exec);
  driver = std::move(other.driver);
  exec = std::exchange(other.exec, nullptr);
  return *this;
}

CudaGraph::~CudaGraph() {
  if (driver && exec)
    driver->api().graphExecDestroy(exec);
}

absl::Status CudaGraph::launch(const CudaStream &stream) const {
  return driver->check(driver->api().graphLaunch(exec, stream.handle()),
                       "cuGraphLaunch");
}

} // namespace moec::runtime
