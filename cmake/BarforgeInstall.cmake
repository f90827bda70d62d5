# `cmake --install` puts the C++ library where another CMake project finds
# it with find_package(barforge CONFIG REQUIRED) and links barforge::barforge:
#
#   include/barforge/*.h                     the public headers (and version.h)
#   lib/libbarforge.a                        the core (barforge::barforge), and
#   lib/libbarforge_parquet.a, _io.a         the layers below it, linked with it
#   lib/cmake/barforge/barforgeConfig.cmake  finds the libraries barforge links
#                                            (find_dependency), then the targets
#
# The libraries are static: a program that links barforge::barforge needs
# only the system libraries barforgeConfig.cmake names (yaml-cpp, fmt, TBB,
# Thrift, zstd, lz4, zlib, snappy; MPI when barforge was built with it).
# Everything here is in the component `cpp`:
#   cmake --install build --component cpp --prefix /opt/barforge
include(CMakePackageConfigHelpers)

set(BARFORGE_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/barforge)

add_library(barforge::barforge ALIAS barforge_core)
set_target_properties(barforge_io PROPERTIES EXPORT_NAME io)
set_target_properties(barforge_parquet PROPERTIES EXPORT_NAME parquet)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/barforge ${BARFORGE_GENERATED_INCLUDE_DIR}/barforge
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT cpp
        FILES_MATCHING PATTERN "*.h")
install(TARGETS barforge_core barforge_parquet barforge_io
        EXPORT barforgeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT cpp
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT barforgeTargets NAMESPACE barforge:: DESTINATION ${BARFORGE_CMAKE_INSTALL_DIR}
        COMPONENT cpp)

# What barforgeConfig.cmake must find again in the user's project.
set(BARFORGE_WITH_MPI ${MPI_C_FOUND})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/barforgeConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/barforgeConfig.cmake
                              INSTALL_DESTINATION ${BARFORGE_CMAKE_INSTALL_DIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/barforgeConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/barforgeConfig.cmake ${PROJECT_BINARY_DIR}/barforgeConfigVersion.cmake
        DESTINATION ${BARFORGE_CMAKE_INSTALL_DIR} COMPONENT cpp)
