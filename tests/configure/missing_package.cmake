# The test configure.missing_package_names_the_debian_package: configures
# barforge (no tests, no Python, no benchmarks) in a scratch build folder with
# one system library made missing, and checks that the configure fails with
# the line naming the Debian package to install. Cases:
#   yaml-cpp (a CMake package): CMAKE_DISABLE_FIND_PACKAGE_yaml-cpp, as if
#     libyaml-cpp-dev were not installed;
#   libzstd (a pkg-config module, the first one looked for): pkg-config
#     searching an empty folder, as if libzstd-dev were not installed.
# Run with cmake -DSOURCE_DIR=... -DBINARY_DIR=... -P missing_package.cmake.
set(scratch ${BINARY_DIR}/configure-missing-package)

function(expect_missing case package)
  file(REMOVE_RECURSE ${scratch})
  execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${scratch} -G Ninja -DBARFORGE_TESTS=OFF -DBARFORGE_PYTHON=OFF
            -DBARFORGE_BENCH=OFF -DBARFORGE_MPI=OFF ${ARGN}
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(REMOVE_RECURSE ${scratch})
  if(result EQUAL 0)
    message(FATAL_ERROR "${case}: the configure succeeded without it:\n${out}")
  endif()
  string(REGEX REPLACE "[ \n]+" " " err "${err}")
  string(FIND "${err}" "run `sudo apt-get install ${package}`" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${case}: the error does not name ${package}:\n${err}")
  endif()
  message(STATUS "${case}: names ${package}")
endfunction()

expect_missing(yaml-cpp libyaml-cpp-dev -DCMAKE_DISABLE_FIND_PACKAGE_yaml-cpp=TRUE)
file(MAKE_DIRECTORY ${scratch}-pkgconfig)
set(ENV{PKG_CONFIG_LIBDIR} ${scratch}-pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
expect_missing(libzstd libzstd-dev)
file(REMOVE_RECURSE ${scratch}-pkgconfig)
