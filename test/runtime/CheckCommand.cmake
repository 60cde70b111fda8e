# Runs a command and checks its exit code and output (stdout and stderr).
#
#   cmake -P CheckCommand.cmake -- EXIT_CODE [PHRASE...] --command PROGRAM
#         [ARG...]
#
# Passes when the command exits with EXIT_CODE and its combined output
# contains every PHRASE (plain substrings, not regular expressions).

cmake_minimum_required(VERSION 3.20)

# Everything after cmake's own "--" is ours: EXIT_CODE, the phrases, then
# "--command" and the command line.
set(exit_code "")
set(phrases "")
set(command "")
set(state "skip-cmake-args")
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 1 ${last})
  set(arg "${CMAKE_ARGV${i}}")
  if(state STREQUAL "skip-cmake-args")
    if(arg STREQUAL "--")
      set(state "want-exit-code")
    endif()
  elseif(state STREQUAL "want-exit-code")
    set(exit_code "${arg}")
    set(state "want-phrases")
  elseif(state STREQUAL "want-phrases" AND arg STREQUAL "--command")
    set(state "want-command")
  elseif(state STREQUAL "want-phrases")
    list(APPEND phrases "${arg}")
  else()
    list(APPEND command "${arg}")
  endif()
endforeach()

if(exit_code STREQUAL "" OR NOT command)
  message(FATAL_ERROR "usage: cmake -P CheckCommand.cmake -- EXIT_CODE "
                      "[PHRASE...] --command PROGRAM [ARG...]")
endif()

execute_process(COMMAND ${command}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
set(output "${out}${err}")
string(REPLACE ";" " " command_text "${command}")

set(failures "")
if(NOT result STREQUAL exit_code)
  string(APPEND failures "  exit code ${result}, expected ${exit_code}\n")
endif()
foreach(phrase IN LISTS phrases)
  string(FIND "${output}" "${phrase}" position)
  if(position EQUAL -1)
    string(APPEND failures "  output lacks: ${phrase}\n")
  endif()
endforeach()

if(failures)
  message(FATAL_ERROR "command: ${command_text}\n${failures}"
                      "output:\n${output}")
endif()
message(STATUS "ok: ${command_text}")
