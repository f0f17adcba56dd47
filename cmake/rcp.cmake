# Two small helpers in the spirit of Abseil's absl_cc_library/absl_cc_test, so a
# folder's CMakeLists.txt says only what it builds and what it depends on.
include_guard(GLOBAL)

# rcp_cc_library(NAME foo SRCS a.cc HDRS a.h DEPS rcp::bar)
# The target is rcp_<NAME> with alias rcp::<NAME>.
function(rcp_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;HDRS;DEPS" ${ARGN})
  if(ARG_SRCS)
    add_library(rcp_${ARG_NAME} STATIC ${ARG_SRCS} ${ARG_HDRS})
    target_link_libraries(rcp_${ARG_NAME} PUBLIC ${ARG_DEPS})
    target_include_directories(rcp_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  else()
    add_library(rcp_${ARG_NAME} INTERFACE)
    target_link_libraries(rcp_${ARG_NAME} INTERFACE ${ARG_DEPS})
    target_include_directories(rcp_${ARG_NAME} INTERFACE ${PROJECT_SOURCE_DIR})
  endif()
  add_library(rcp::${ARG_NAME} ALIAS rcp_${ARG_NAME})
endfunction()

# rcp_cc_test(NAME foo_test SRCS foo_test.cc DEPS rcp::foo [LABELS e2e] [SERIAL])
# SERIAL: ctest runs it alone (tests that measure the machine, e.g. memory).
# Each test binary is registered with CTest through gtest_discover_tests, so
# ctest reports every test case by name.
function(rcp_cc_test)
  cmake_parse_arguments(ARG "SERIAL" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} rcp::testing GTest::gmock_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set(_properties TIMEOUT ${ARG_TIMEOUT})
  if(ARG_LABELS)
    list(APPEND _properties LABELS "${ARG_LABELS}")
  endif()
  if(ARG_SERIAL)
    list(APPEND _properties RUN_SERIAL TRUE)
  endif()
  gtest_discover_tests(${ARG_NAME} PROPERTIES ${_properties} DISCOVERY_TIMEOUT 60)
endfunction()

# rcp_proto_library(NAME registry_proto PROTOS rcp/registry/v1/registry.proto DEPS rcp::common_proto)
# One library per proto area: messages plus gRPC stubs, generated with CMake's
# own protobuf_generate and the gRPC plugin that Debian ships.
function(rcp_proto_library)
  cmake_parse_arguments(ARG "" "NAME" "PROTOS;DEPS" ${ARGN})
  add_library(rcp_${ARG_NAME} STATIC)
  set(_srcs)
  foreach(p ${ARG_PROTOS})
    list(APPEND _srcs ${PROJECT_SOURCE_DIR}/protos/${p})
  endforeach()
  target_sources(rcp_${ARG_NAME} PRIVATE ${_srcs})
  target_link_libraries(rcp_${ARG_NAME} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${ARG_DEPS})
  target_include_directories(rcp_${ARG_NAME} PUBLIC ${PROJECT_BINARY_DIR}/protos)
  protobuf_generate(TARGET rcp_${ARG_NAME} LANGUAGE cpp
    IMPORT_DIRS ${PROJECT_SOURCE_DIR}/protos
    PROTOC_OUT_DIR ${PROJECT_BINARY_DIR}/protos)
  protobuf_generate(TARGET rcp_${ARG_NAME} LANGUAGE grpc
    GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
    PLUGIN "protoc-gen-grpc=\$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
    IMPORT_DIRS ${PROJECT_SOURCE_DIR}/protos
    PROTOC_OUT_DIR ${PROJECT_BINARY_DIR}/protos)
  add_library(rcp::${ARG_NAME} ALIAS rcp_${ARG_NAME})
endfunction()
