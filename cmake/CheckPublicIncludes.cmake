# cmake -DHEADER_DIR=<dir> -P CheckPublicIncludes.cmake
# Fails when a public header (<dir>/*.h) includes anything but another
# barforge header ("barforge/x.h") or a header of the C++ standard library
# (<vector>; the C library's <cstdint>, not <stdint.h>): what a user of the
# installed library has, whatever else is on their include path.
cmake_minimum_required(VERSION 3.25)
set(standard_headers
  algorithm any array atomic barrier bit bitset cassert cctype cerrno cfenv cfloat charconv chrono
  cinttypes climits clocale cmath codecvt compare complex concepts condition_variable coroutine csetjmp
  csignal cstdarg cstddef cstdint cstdio cstdlib cstring ctime cuchar cwchar cwctype deque exception
  execution expected filesystem format forward_list fstream functional future initializer_list iomanip
  ios iosfwd iostream istream iterator latch limits list locale map memory memory_resource mutex new
  numbers numeric optional ostream queue random ranges ratio regex scoped_allocator semaphore set
  shared_mutex source_location span sstream stack stdexcept stop_token streambuf string string_view
  syncstream system_error thread tuple type_traits typeindex typeinfo unordered_map unordered_set
  utility valarray variant vector version)

file(GLOB headers ${HEADER_DIR}/*.h)
if(NOT headers)
  message(FATAL_ERROR "no public headers in ${HEADER_DIR}")
endif()
set(bad 0)
foreach(file ${headers})
  get_filename_component(name ${file} NAME)
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line ${lines})
    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"barforge/[A-Za-z0-9_]+\\.h\"")
      continue()
    elseif(line MATCHES "^[ \t]*#[ \t]*include[ \t]*<([^>]+)>")
      if(CMAKE_MATCH_1 IN_LIST standard_headers)
        continue()
      endif()
    endif()
    string(STRIP "${line}" line)
    message("barforge/${name}: ${line}: a public header includes only barforge/ and standard headers")
    math(EXPR bad "${bad} + 1")
  endforeach()
endforeach()
list(LENGTH headers count)
if(bad GREATER 0)
  message(FATAL_ERROR "${bad} include(s) outside barforge/ and the standard library")
endif()
message("${count} public headers include only barforge/ and standard headers")
