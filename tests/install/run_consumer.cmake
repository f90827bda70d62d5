# The test install.find_package_consumer: installs barforge (component cpp)
# into a prefix inside the build tree, configures and builds the separate
# project tests/install/consumer against it alone, and runs it. Everything
# lives under <BINARY_DIR>/install-test and is removed when the test passes
# (kept for a look when it fails).
# cmake -DBINARY_DIR=... -DSOURCE_DIR=... -DLIBDIR=lib -DGENERATOR=... -DCXX_COMPILER=...
#       [-DCOMPILER_LAUNCHER=...] -P run_consumer.cmake
set(work ${BINARY_DIR}/install-test)
set(prefix ${work}/prefix)
file(REMOVE_RECURSE ${work})

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run("cmake --install" ${CMAKE_COMMAND} --install ${BINARY_DIR} --component cpp --prefix ${prefix})

# Only the public headers are installed: no header of src/, no Thrift.
file(GLOB_RECURSE installed_headers RELATIVE ${prefix}/include ${prefix}/include/*)
file(GLOB public_headers RELATIVE ${SOURCE_DIR}/include ${SOURCE_DIR}/include/barforge/*.h)
list(APPEND public_headers barforge/version.h)
list(SORT installed_headers)
list(SORT public_headers)
if(NOT installed_headers STREQUAL public_headers)
  message(FATAL_ERROR "installed headers:\n  ${installed_headers}\nare not the public headers:\n  ${public_headers}")
endif()
foreach(file ${LIBDIR}/libbarforge.a ${LIBDIR}/libbarforge_parquet.a ${LIBDIR}/libbarforge_io.a
        ${LIBDIR}/cmake/barforge/barforgeConfig.cmake ${LIBDIR}/cmake/barforge/barforgeConfigVersion.cmake
        ${LIBDIR}/cmake/barforge/barforgeTargets.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()

set(configure_args -S ${SOURCE_DIR}/tests/install/consumer -B ${work}/build -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    # Only the prefix: the build tree's own package registry entries are not looked at.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(COMPILER_LAUNCHER)
  list(APPEND configure_args -DCMAKE_CXX_COMPILER_LAUNCHER=${COMPILER_LAUNCHER})
endif()
run("configuring the consumer" ${CMAKE_COMMAND} ${configure_args})
run("building the consumer" ${CMAKE_COMMAND} --build ${work}/build)
run("running the consumer" ${work}/build/barforge_consumer ${work}/data)
message("${last_output}")
set(expected "built 3000 samples in 3 row groups, read back 3000 rows, 3000 sample ids in order")
string(FIND "${last_output}" "${expected}" found)
if(found EQUAL -1)
  message(FATAL_ERROR "the consumer printed\n  ${last_output}\nnot\n  ${expected}")
endif()
if(NOT EXISTS ${work}/data/samples_3K.parquet OR NOT EXISTS ${work}/data/meta_scaler.json)
  file(GLOB made RELATIVE ${work}/data ${work}/data/*)
  message(FATAL_ERROR "the consumer's build made ${made}, not samples_3K.parquet and meta_scaler.json")
endif()
file(REMOVE_RECURSE ${work})
