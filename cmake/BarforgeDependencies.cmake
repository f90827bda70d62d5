# The system libraries and tools barforge builds against, each found with
# the Debian package that provides it: when one is missing, the configure
# stops with one line naming the package to install, e.g.
#   barforge needs yaml-cpp (not found): on Debian or Ubuntu run
#   `sudo apt-get install libyaml-cpp-dev` ...
# scripts/install-deps.sh installs every one of them (`make deps`). A
# library installed elsewhere is found through CMAKE_PREFIX_PATH (CMake
# packages) or PKG_CONFIG_PATH (pkg-config modules), as usual.

function(barforge_missing what debian_package how)
  message(FATAL_ERROR
    "barforge needs ${what} (not found): on Debian or Ubuntu run `sudo apt-get install ${debian_package}` "
    "(or bash scripts/install-deps.sh, which installs every package barforge needs); "
    "a copy installed elsewhere is found through ${how}.")
endfunction()

# find_package(<name> [args...]) that stops with the Debian package to install.
macro(barforge_find_package name debian_package)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    barforge_missing("${name}" "${debian_package}" "CMAKE_PREFIX_PATH")
  endif()
endmacro()

# pkg_check_modules(<prefix> IMPORTED_TARGET <module>) that stops with the
# Debian package to install.
macro(barforge_pkg_check prefix module debian_package)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    barforge_missing("${module} (pkg-config module)" "${debian_package}" "PKG_CONFIG_PATH")
  endif()
endmacro()

find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  barforge_missing("pkg-config" "pkg-config" "PATH")
endif()
barforge_find_package(Threads libc6-dev)
barforge_find_package(yaml-cpp libyaml-cpp-dev)
barforge_find_package(CLI11 libcli11-dev)
barforge_find_package(nlohmann_json nlohmann-json3-dev)
barforge_find_package(fmt libfmt-dev)
barforge_find_package(TBB libtbb-dev)
if(BARFORGE_TESTS)
  barforge_find_package(GTest "libgtest-dev libgmock-dev")
endif()
barforge_find_package(ZLIB zlib1g-dev)
barforge_pkg_check(ZSTD libzstd libzstd-dev)
barforge_pkg_check(LZ4 liblz4 liblz4-dev)
barforge_pkg_check(THRIFT thrift libthrift-dev)
barforge_find_package(Snappy libsnappy-dev CONFIG)
find_program(THRIFT_COMPILER thrift)
if(NOT THRIFT_COMPILER)
  barforge_missing("the thrift compiler" "thrift-compiler" "PATH")
endif()
