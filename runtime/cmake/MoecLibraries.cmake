# The runtime as outside programs link it, both built from the objects of
# the static libraries the tools use (nothing is compiled twice):
#
#  - libmoec.a: every runtime object and the Abseil archives they need in
#    one self-contained archive. Programs that link it depend on nothing but
#    libc, libstdc++, PCRE2 and libdl (`ldd` shows no Abseil).
#  - libmoec.so: the moec_* C API and nothing else exported (a version
#    script), for dynamic loaders such as Python's ctypes. Debian's Abseil
#    archives are not position-independent (local-exec TLS relocations in
#    absl_base, absl_raw_hash_set and absl_cordz_functions), so a shared
#    library cannot contain them: libmoec.so links Abseil's shared libraries.

set(MOEC_RUNTIME_OBJECT_LIBRARIES
  MoecCApi MoecText MoecTokenizer MoecChatTemplate MoecRuntime)
set(moec_runtime_objects)
set(moec_runtime_archives)
foreach(library IN LISTS MOEC_RUNTIME_OBJECT_LIBRARIES)
  list(APPEND moec_runtime_objects $<TARGET_OBJECTS:${library}>)
  list(APPEND moec_runtime_archives $<TARGET_FILE:${library}>)
endforeach()
# Everything the runtime's sources use from Abseil.
set(MOEC_RUNTIME_ABSEIL
  absl::flat_hash_map absl::hash absl::span absl::status absl::statusor
  absl::str_format absl::strings)
moec_abseil_archive_closure(moec_abseil_archives ${MOEC_RUNTIME_ABSEIL})

# libmoec.a, through an `ar -M` script: the archives' members, appended.
set(moec_mri ${MOEC_BINARY_DIR}/runtime/libmoec.mri)
set(moec_mri_lines "create ${MOEC_BINARY_DIR}/lib/libmoec.a\n")
foreach(archive IN LISTS moec_runtime_archives moec_abseil_archives)
  string(APPEND moec_mri_lines "addlib ${archive}\n")
endforeach()
string(APPEND moec_mri_lines "save\nend\n")
file(GENERATE OUTPUT ${moec_mri} CONTENT "${moec_mri_lines}")
add_custom_command(
  OUTPUT ${MOEC_BINARY_DIR}/lib/libmoec.a
  COMMAND ${CMAKE_COMMAND} -E rm -f ${MOEC_BINARY_DIR}/lib/libmoec.a
  COMMAND sh -c "'${CMAKE_AR}' -M < '${moec_mri}'"
  DEPENDS ${MOEC_RUNTIME_OBJECT_LIBRARIES} ${moec_abseil_archives} ${moec_mri}
  COMMENT "Bundling the runtime and Abseil into libmoec.a"
  VERBATIM)
add_custom_target(MoecStatic ALL DEPENDS ${MOEC_BINARY_DIR}/lib/libmoec.a)

# libmoec.so: the objects, Abseil's shared libraries (the .so beside each
# archive), PCRE2 and libdl.
set(moec_abseil_shared)
foreach(archive IN LISTS moec_abseil_archives)
  string(REGEX REPLACE "\\.a$" ".so" shared "${archive}")
  list(APPEND moec_abseil_shared ${shared})
endforeach()
add_library(MoecShared SHARED ${moec_runtime_objects})
target_link_libraries(MoecShared PRIVATE
  ${moec_abseil_shared} PkgConfig::MOEC_PCRE2 ${CMAKE_DL_LIBS})
target_link_options(MoecShared PRIVATE
  "LINKER:--version-script=${CMAKE_CURRENT_LIST_DIR}/../moec.map"
  "LINKER:--no-undefined"
  "LINKER:--gc-sections"
  "LINKER:--as-needed")
set_target_properties(MoecShared PROPERTIES
  OUTPUT_NAME moec
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
  LINK_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/../moec.map)
