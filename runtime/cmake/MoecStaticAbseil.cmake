# Points Abseil's imported targets at the static archives (libabsl_*.a) that
# the distribution ships next to the shared libraries, so executables linking
# Abseil run on machines that do not have it installed.
#
# Debian's abslConfig.cmake declares every target SHARED IMPORTED with the .so
# as its location; replacing the location with the .a beside it keeps the
# targets' dependency lists, so CMake still orders the archives correctly.
# Targets without a static archive next to them are left alone.
function(moec_use_static_abseil)
  get_directory_property(imported_targets
    DIRECTORY ${CMAKE_SOURCE_DIR} IMPORTED_TARGETS)
  set(switched 0)
  foreach(target IN LISTS imported_targets)
    if(NOT target MATCHES "^absl::")
      continue()
    endif()
    get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
    if(NOT configs)
      continue()
    endif()
    foreach(config IN LISTS configs)
      string(TOUPPER "${config}" config)
      get_target_property(location ${target} IMPORTED_LOCATION_${config})
      if(NOT location OR NOT location MATCHES "\\.so(\\.[0-9.]+)?$")
        continue()
      endif()
      string(REGEX REPLACE "\\.so(\\.[0-9.]+)?$" ".a" archive "${location}")
      if(EXISTS "${archive}")
        set_target_properties(${target} PROPERTIES
          IMPORTED_LOCATION_${config} "${archive}")
        math(EXPR switched "${switched} + 1")
      endif()
    endforeach()
  endforeach()
  message(STATUS "moec: linking Abseil statically (${switched} targets)")
endfunction()

# Sets `out_var` to the Abseil archives (libabsl_*.a) that `targets` need,
# their dependencies included, for bundling into libmoec.a. Call after
# moec_use_static_abseil(). Abseil targets without an archive (header-only
# ones) contribute nothing.
function(moec_abseil_archive_closure out_var)
  set(pending ${ARGN})
  set(seen)
  set(archives)
  while(pending)
    list(POP_FRONT pending target)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" target "${target}")
    if(NOT target MATCHES "^absl::" OR target IN_LIST seen
       OR NOT TARGET ${target})
      continue()
    endif()
    list(APPEND seen ${target})
    get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
    if(configs)
      list(GET configs 0 config)
      string(TOUPPER "${config}" config)
      get_target_property(location ${target} IMPORTED_LOCATION_${config})
      if(location MATCHES "\\.a$")
        list(APPEND archives ${location})
      endif()
    endif()
    get_target_property(deps ${target} INTERFACE_LINK_LIBRARIES)
    if(deps)
      list(APPEND pending ${deps})
    endif()
  endwhile()
  list(REMOVE_DUPLICATES archives)
  set(${out_var} ${archives} PARENT_SCOPE)
endfunction()
