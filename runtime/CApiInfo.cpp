//===- CApiInfo.cpp - Versions and artifact metadata in the C API ---------===//
//
// Part of the moec project, under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// This file implements the metadata getters of runtime/include/moec/moec.h:
// strings point into the artifact, which lives as long as the session.
//
//===----------------------------------------------------------------------===//

#include "runtime/CApiInternal.h"
#include "runtime/Version.h"

using moec::runtime::Artifact;

namespace {

const Artifact *artifactOf(const moec_session *session) {
  return session ? &session->session->artifact() : nullptr;
}

/// The first kernel describes where the artifact runs: the compiler writes
/// one code object per target, and a model never mixes targets.
const moec::runtime::Kernel *firstKernel(const moec_session *session) {
  const Artifact *artifact = artifactOf(session);
  if (!artifact || artifact->kernels().empty())
    return nullptr;
  return &artifact->kernels().front();
}

} // namespace

const char *moec_version(void) { return MOEC_VERSION_STRING; }

const char *moec_session_compiler_version(const moec_session *session) {
  const Artifact *artifact = artifactOf(session);
  return artifact ? artifact->contents().compilerVersion.c_str() : "";
}

const char *moec_session_target(const moec_session *session) {
  const moec::runtime::Kernel *kernel = firstKernel(session);
  return kernel ? kernel->target.c_str() : "";
}

const char *moec_session_cpu(const moec_session *session) {
  const moec::runtime::Kernel *kernel = firstKernel(session);
  return kernel ? kernel->cpu.c_str() : "";
}

size_t moec_session_num_layers(const moec_session *session) {
  const Artifact *artifact = artifactOf(session);
  return artifact ? artifact->config().numLayers : 0;
}

size_t moec_session_hidden_size(const moec_session *session) {
  const Artifact *artifact = artifactOf(session);
  return artifact ? artifact->config().hiddenSize : 0;
}

size_t moec_session_num_experts(const moec_session *session) {
  const Artifact *artifact = artifactOf(session);
  return artifact ? artifact->config().numLocalExperts : 0;
}

size_t moec_session_max_tokens(const moec_session *session) {
  const Artifact *artifact = artifactOf(session);
  return artifact ? artifact->contents().bufferPlan.maxTokens : 0;
}
