# The library's layers, each a CMake target that sees only itself and the
# layers below it (see "A tour of the source" in README.md).
#
# A target's include path does not name src/: it names a view, a folder in
# the build tree holding links to the stage folders of its layer (and, for the
# lowest layers, to the public headers they own). An #include of a higher
# layer's header is then not found, so a wrong edge fails to compile instead
# of growing quietly.

# barforge_include_view(<view> [FOLDERS f...] [PUBLIC_HEADERS h...])
# Makes the folder <view> hold a link <view>/<f> to src/<f> for each folder
# and <view>/barforge/<h> to include/barforge/<h> (or to the generated header
# of that name) for each public header. Remade at every configure, so a
# folder or header taken out of a layer leaves no link behind.
function(barforge_include_view view)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "FOLDERS;PUBLIC_HEADERS")
  # REMOVE_RECURSE removes the links, never what they point to.
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view})
  foreach(folder ${arg_FOLDERS})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${view}/${folder} SYMBOLIC)
  endforeach()
  if(arg_PUBLIC_HEADERS)
    file(MAKE_DIRECTORY ${view}/barforge)
  endif()
  foreach(header ${arg_PUBLIC_HEADERS})
    if(EXISTS ${PROJECT_SOURCE_DIR}/include/barforge/${header})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/barforge/${header} ${view}/barforge/${header} SYMBOLIC)
    elseif(EXISTS ${BARFORGE_GENERATED_INCLUDE_DIR}/barforge/${header})
      file(CREATE_LINK ${BARFORGE_GENERATED_INCLUDE_DIR}/barforge/${header} ${view}/barforge/${header} SYMBOLIC)
    else()
      message(FATAL_ERROR "barforge_include_view: no public header barforge/${header}")
    endif()
  endforeach()
endfunction()

# barforge_layer_sources(<out-var> FOLDERS f...)
# Every .cpp under the named src/ folders: adding a file to a stage folder is
# all it takes to build it.
function(barforge_layer_sources out)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "FOLDERS")
  set(sources)
  foreach(folder ${arg_FOLDERS})
    file(GLOB_RECURSE folder_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${folder}/*.cpp)
    list(APPEND sources ${folder_sources})
  endforeach()
  set(${out} ${sources} PARENT_SCOPE)
endfunction()

# barforge_public_headers_of(<out-var> <stage>...)
# The public headers (names under include/barforge/) that the table
# BARFORGE_PUBLIC_HEADER_STAGES gives to one of the stages.
function(barforge_public_headers_of out)
  set(headers)
  foreach(entry ${BARFORGE_PUBLIC_HEADER_STAGES})
    string(REPLACE ":" ";" pair ${entry})
    list(GET pair 0 header)
    list(GET pair 1 stage)
    if(stage IN_LIST ARGN)
      list(APPEND headers ${header})
    endif()
  endforeach()
  set(${out} ${headers} PARENT_SCOPE)
endfunction()

# barforge_library_target(<target>)
# What every layer's library shares: barforge's warnings, position-independent
# code (the Python extension links the layers too; GCC builds PIE by default,
# so the CLI's code is the same kind), and no semantic interposition, which
# keeps calls inside the library as direct as in a PIE.
function(barforge_library_target target)
  target_compile_options(${target} PRIVATE ${BARFORGE_WARNINGS} -fno-semantic-interposition)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
