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
