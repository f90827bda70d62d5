# The test layering.wrong_include_does_not_compile: each probe target
# (tests/CMakeLists.txt) compiles one file with a layer's include path that
# includes a header of a layer above it, or Thrift's generated header from
# outside the Parquet layer. Each must fail to compile, for that reason.
# cmake -DBINARY_DIR=... -DPROBES=target:header|... -P run_probes.cmake
string(REPLACE "|" ";" probes "${PROBES}")
foreach(probe ${probes})
  string(REPLACE ":" ";" pair ${probe})
  list(GET pair 0 target)
  list(GET pair 1 header)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} --target ${target}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "${target}: compiled, but it includes ${header}, which its layer must not see")
  endif()
  string(FIND "${out}${err}" "${header}: No such file or directory" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "${target}: failed, but not because ${header} is out of its include path:\n${out}\n${err}")
  endif()
  message("${target}: ${header} is out of reach")
endforeach()
