# What `cmake --install` puts under the prefix:
#   bin/          the tools (moec, moec-opt and moec-bench with the compiler)
#   include/moec/ moec.h, version.h, emulator_abi.h
#   lib/          libmoec.a (self-contained), libmoec.so, the compiler's
#                 static libraries, emulator/libcuda.so.1 (the Hopper
#                 emulator's driver, found by the tools as ../lib/emulator)
#   lib/cmake/moec/ moecConfig.cmake (moec::runtime, moec::runtime_shared,
#                 moec::moec, moec_emit_kernel) and its version file
#   lib/pkgconfig/ moec.pc (static, Abseil bundled), moec-shared.pc
#   share/moec/   the lit configuration template for outside FileCheck tests
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

foreach(tool moec moec-opt moec-bench moec-run moec-serve moec-tokenize)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

install(FILES
  ${MOEC_SOURCE_DIR}/runtime/include/moec/moec.h
  ${MOEC_SOURCE_DIR}/runtime/include/moec/emulator_abi.h
  ${MOEC_BINARY_DIR}/include/moec/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/moec)

install(FILES ${MOEC_BINARY_DIR}/lib/libmoec.a
  DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS MoecShared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# The tools look for the emulating driver at ../lib/emulator beside bin/.
install(TARGETS MoecCudaEmulator LIBRARY DESTINATION lib/emulator)

set(MOEC_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/moec)
# What moec::compiler links: the libraries a program that compiles models
# needs (their dependencies follow through the exported targets).
set(MOEC_COMPILER_EXPORTED_LIBRARIES
  moec::MoecArtifactWriter moec::MoecCpuCodegen moec::MoecHopperCodegen
  moec::MoecHopperEmulation moec::MoecLlama4Frontend moec::MoecPasses
  moec::MoecDialectRegistration)
configure_package_config_file(
  ${MOEC_SOURCE_DIR}/cmake/moecConfig.cmake.in
  ${MOEC_BINARY_DIR}/cmake/moecConfig.cmake
  INSTALL_DESTINATION ${MOEC_CMAKE_INSTALL_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_LIBDIR CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(
  ${MOEC_BINARY_DIR}/cmake/moecConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${MOEC_BINARY_DIR}/cmake/moecConfig.cmake
  ${MOEC_BINARY_DIR}/cmake/moecConfigVersion.cmake
  DESTINATION ${MOEC_CMAKE_INSTALL_DIR})
if(EXISTS ${MOEC_SOURCE_DIR}/cmake/MoecEmitKernel.cmake)
  install(FILES ${MOEC_SOURCE_DIR}/cmake/MoecEmitKernel.cmake
    DESTINATION ${MOEC_CMAKE_INSTALL_DIR})
endif()

foreach(pc moec moec-shared)
  configure_file(${MOEC_SOURCE_DIR}/cmake/${pc}.pc.in
    ${MOEC_BINARY_DIR}/pkgconfig/${pc}.pc @ONLY)
  install(FILES ${MOEC_BINARY_DIR}/pkgconfig/${pc}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# The lit configuration template for outside projects, and a copy filled in
# with the installed moec-opt and LLVM's FileCheck and `not` (at install
# time, so that `cmake --install --prefix` is honored).
if(TARGET moec-opt)
  set(moec_lit_template ${MOEC_SOURCE_DIR}/tools/moec-opt/lit/moec-lit.cfg.py.in)
  find_program(MOEC_FILECHECK FileCheck
    PATHS ${LLVM_TOOLS_BINARY_DIR} /usr/lib/llvm-22/bin)
  find_program(MOEC_NOT not PATHS ${LLVM_TOOLS_BINARY_DIR} /usr/lib/llvm-22/bin)
  if(NOT MOEC_NOT)
    set(MOEC_NOT "")
  endif()
  install(FILES ${moec_lit_template}
    DESTINATION ${CMAKE_INSTALL_DATADIR}/moec/lit)
  install(CODE "
    set(MOEC_OPT \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/moec-opt\")
    set(FILECHECK \"${MOEC_FILECHECK}\")
    set(NOT \"${MOEC_NOT}\")
    set(lit_cfg \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/moec/lit/moec-lit.cfg.py\")
    message(STATUS \"Installing: \${lit_cfg}\")
    configure_file(\"${moec_lit_template}\" \"\${lit_cfg}\" @ONLY)")
endif()

# The compiler's libraries for programs that embed it: add_mlir_library puts
# them in the MLIRTargets export set; the runtime libraries they link join
# it, and the set is installed as moec:: targets with the compiler's headers
# (source and generated, in the repository's layout) under
# include/moec-compiler. moecConfig.cmake loads them for
# find_package(moec COMPONENTS compiler), after finding MLIR and Abseil.
if(MOEC_BUILD_COMPILER)
  install(TARGETS MoecRuntime MoecVersion MoecRuntimeOptions MoecEmuSemantics
    EXPORT MLIRTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT MLIRTargets NAMESPACE moec::
    FILE moecCompilerTargets.cmake DESTINATION ${MOEC_CMAKE_INSTALL_DIR})
  foreach(dir dialects passes frontends codegen runtime)
    install(DIRECTORY ${MOEC_SOURCE_DIR}/${dir}
      DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/moec-compiler
      FILES_MATCHING PATTERN "*.h" PATTERN "*.td" PATTERN "*.inc")
    if(EXISTS ${MOEC_BINARY_DIR}/${dir})
      install(DIRECTORY ${MOEC_BINARY_DIR}/${dir}
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/moec-compiler
        FILES_MATCHING PATTERN "*.inc" PATTERN "*.h"
        PATTERN "CMakeFiles" EXCLUDE)
    endif()
  endforeach()
endif()
