# Runs CMD ('|'-separated program and arguments) and checks that it failed cleanly: exit code 1 and
# exactly one line on stderr, starting with "error: " (no abort, no stack trace).
string(REPLACE "|" ";" _cmd "${CMD}")
execute_process(COMMAND ${_cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL "1")
  message(FATAL_ERROR "expected exit code 1, got '${rc}'\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(NOT err MATCHES "^error: [^\n]+\n$")
  message(FATAL_ERROR "expected one 'error: ...' line on stderr, got:\n${err}")
endif()
message(STATUS "clean error: ${err}")
