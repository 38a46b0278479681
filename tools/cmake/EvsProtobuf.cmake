# evs_protobuf_generate(): compile .proto files to C with protoc + protoc-c, optionally with a
# FileDescriptorSet and an embedded evs_catalog, the same way evs builds its own catalogs.
#
#   evs_protobuf_generate(
#     [TARGET <name>]            create STATIC library <name> from the generated code (links protobuf-c,
#                                and evs::evs when evs is found as a package)
#     [OUT_VAR <var>]            and/or: set <var> to the generated .c files
#     PROTOS <files...>          .proto files; each must lie below one of IMPORT_DIRS
#     [IMPORT_DIRS <dirs...>]    -I roots (default: the current source dir). /usr/include (well-known
#                                types) and evs's own proto dir are always searched after them
#     [OUT_DIR <dir>]            where <name>.pb-c.[ch] go (default: ${CMAKE_CURRENT_BINARY_DIR}/evs_gen)
#     [DESCRIPTOR_SET <file>]    also write a FileDescriptorSet (--include_imports --include_source_info)
#     [CATALOG <c_name>]         also write <OUT_DIR>/<c_name>.{c,h} defining `const evs_catalog <c_name>`
#                                (needs DESCRIPTOR_SET); register it with evs_registry_add_catalog()
#   )
#
# One protoc call per .proto with --dependency_out and DEPFILE, so that editing an imported .proto
# regenerates every file that imports it. Misuse stops the configure step with SEND_ERROR/FATAL_ERROR.
include_guard(GLOBAL)

set(_EVS_PROTOBUF_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

find_program(EVS_PROTOC_EXECUTABLE protoc DOC "protoc (Debian: protobuf-compiler)")
find_program(EVS_PROTOC_GEN_C_EXECUTABLE NAMES protoc-gen-c protoc-c DOC "protoc-c plugin (Debian: protobuf-c-compiler)")
find_path(EVS_WKT_INCLUDE_DIR google/protobuf/timestamp.proto PATHS /usr/include /usr/local/include
          DOC "well-known .proto files (Debian: libprotobuf-dev)")

function(evs_protobuf_generate)
  cmake_parse_arguments(ARG "" "TARGET;OUT_VAR;OUT_DIR;DESCRIPTOR_SET;CATALOG" "PROTOS;IMPORT_DIRS" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(SEND_ERROR "evs_protobuf_generate: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_PROTOS)
    message(FATAL_ERROR "evs_protobuf_generate: PROTOS is required")
  endif()
  if(NOT ARG_TARGET AND NOT ARG_OUT_VAR)
    message(FATAL_ERROR "evs_protobuf_generate: give TARGET and/or OUT_VAR")
  endif()
  if(ARG_CATALOG AND NOT ARG_DESCRIPTOR_SET)
    message(FATAL_ERROR "evs_protobuf_generate: CATALOG needs DESCRIPTOR_SET")
  endif()
  if(NOT EVS_PROTOC_EXECUTABLE OR NOT EVS_PROTOC_GEN_C_EXECUTABLE)
    message(FATAL_ERROR "evs_protobuf_generate: protoc and protoc-c are needed "
                        "(apt-get install protobuf-compiler protobuf-c-compiler libprotobuf-dev)")
  endif()
  if(NOT ARG_IMPORT_DIRS)
    set(ARG_IMPORT_DIRS "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  if(NOT ARG_OUT_DIR)
    set(ARG_OUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/evs_gen")
  endif()

  set(import_args "")
  set(abs_import_dirs "")
  foreach(dir IN LISTS ARG_IMPORT_DIRS EVS_PROTO_EXTRA_IMPORT_DIRS EVS_WKT_INCLUDE_DIR)
    if(dir)
      get_filename_component(abs "${dir}" ABSOLUTE)
      if(NOT abs IN_LIST abs_import_dirs)
        list(APPEND abs_import_dirs "${abs}")
        list(APPEND import_args "-I${abs}")
      endif()
    endif()
  endforeach()

  set(gen_c "")
  set(gen_h "")
  set(abs_protos "")
  foreach(proto IN LISTS ARG_PROTOS)
    get_filename_component(abs_proto "${proto}" ABSOLUTE)
    if(NOT EXISTS "${abs_proto}")
      message(SEND_ERROR "evs_protobuf_generate: ${proto} does not exist")
      continue()
    endif()
    set(rel "")
    foreach(dir IN LISTS abs_import_dirs)
      file(RELATIVE_PATH candidate "${dir}" "${abs_proto}")
      if(NOT candidate MATCHES "^\\.\\./")
        set(rel "${candidate}")
        break()
      endif()
    endforeach()
    if(rel STREQUAL "")
      message(SEND_ERROR "evs_protobuf_generate: ${proto} is not below any of IMPORT_DIRS (${abs_import_dirs})")
      continue()
    endif()
    string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
    set(out_c "${ARG_OUT_DIR}/${stem}.pb-c.c")
    set(out_h "${ARG_OUT_DIR}/${stem}.pb-c.h")
    set(depfile "${ARG_OUT_DIR}/.deps/${stem}.d")
    get_filename_component(depdir "${depfile}" DIRECTORY)
    file(MAKE_DIRECTORY "${depdir}")
    add_custom_command(
      OUTPUT "${out_c}" "${out_h}"
      COMMAND "${EVS_PROTOC_EXECUTABLE}" ${import_args}
              "--plugin=protoc-gen-c=${EVS_PROTOC_GEN_C_EXECUTABLE}" "--c_out=${ARG_OUT_DIR}"
              "--dependency_out=${depfile}" "${abs_proto}"
      DEPENDS "${abs_proto}" "${EVS_PROTOC_GEN_C_EXECUTABLE}"
      DEPFILE "${depfile}"
      COMMENT "protoc-c ${rel}"
      VERBATIM)
    list(APPEND gen_c "${out_c}")
    list(APPEND gen_h "${out_h}")
    list(APPEND abs_protos "${abs_proto}")
  endforeach()

  if(ARG_DESCRIPTOR_SET)
    get_filename_component(ds "${ARG_DESCRIPTOR_SET}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    add_custom_command(
      OUTPUT "${ds}"
      COMMAND "${EVS_PROTOC_EXECUTABLE}" ${import_args} --include_imports --include_source_info
              "--descriptor_set_out=${ds}" ${abs_protos}
      DEPENDS ${abs_protos}
      COMMENT "protoc descriptor set ${ARG_DESCRIPTOR_SET}"
      VERBATIM)
    if(ARG_CATALOG)
      set(cat_c "${ARG_OUT_DIR}/${ARG_CATALOG}.c")
      set(cat_h "${ARG_OUT_DIR}/${ARG_CATALOG}.h")
      # A list cannot pass through -D intact: join with '|' and split in the script.
      string(REPLACE ";" "|" headers_arg "${gen_h}")
      add_custom_command(
        OUTPUT "${cat_c}" "${cat_h}"
        COMMAND "${CMAKE_COMMAND}" "-DNAME=${ARG_CATALOG}" "-DDESCRIPTOR_SET=${ds}" "-DOUT_DIR=${ARG_OUT_DIR}"
                "-DHEADERS=${headers_arg}" -P "${_EVS_PROTOBUF_CMAKE_DIR}/EvsEmbed.cmake"
        DEPENDS "${ds}" ${gen_h} "${_EVS_PROTOBUF_CMAKE_DIR}/EvsEmbed.cmake"
        COMMENT "embedding ${ARG_DESCRIPTOR_SET} as evs_catalog ${ARG_CATALOG}"
        VERBATIM)
      list(APPEND gen_c "${cat_c}")
      list(APPEND gen_h "${cat_h}")
    endif()
  endif()

  if(ARG_OUT_VAR)
    set(${ARG_OUT_VAR} "${gen_c}" PARENT_SCOPE)
  endif()
  if(ARG_TARGET)
    add_library(${ARG_TARGET} STATIC ${gen_c} ${gen_h})
    target_include_directories(${ARG_TARGET} PUBLIC "$<BUILD_INTERFACE:${ARG_OUT_DIR}>")
    # evs::wkt carries the C code of the well-known types the protos may import; libevs hides its own copy.
    foreach(dep evs::evs evs::wkt)
      if(TARGET ${dep})
        target_link_libraries(${ARG_TARGET} PUBLIC ${dep})
      endif()
    endforeach()
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
      pkg_check_modules(EVS_GEN_PROTOBUF_C QUIET IMPORTED_TARGET libprotobuf-c)
      if(TARGET PkgConfig::EVS_GEN_PROTOBUF_C)
        target_link_libraries(${ARG_TARGET} PUBLIC PkgConfig::EVS_GEN_PROTOBUF_C)
      endif()
    endif()
  endif()
endfunction()
