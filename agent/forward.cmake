# Forwarding half of fleet-agent (issue 5): remote write and Loki sinks, the Docker Engine API
# client and log source, the on-disk buffer. Owned by the forwarding engineer.
#
# TO THE OWNER OF agent/CMakeLists.txt: add `include(forward.cmake)` near the top and link the
# library it defines into the agent:  target_link_libraries(agent PUBLIC agent_forward)
# Entry point for main.cc: agent/sinks/forwarder.h (Forwarder::Create from the parsed YAML root,
# then Forwarder::PushMetrics(families, timestamp_ms) after every collection).

find_package(Snappy CONFIG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Boost REQUIRED)

if(NOT TARGET agent_proto)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/../proto ${CMAKE_BINARY_DIR}/proto)
endif()

file(GLOB AGENT_FORWARD_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_LIST_DIR}/docker/*.cc
  ${CMAKE_CURRENT_LIST_DIR}/sinks/*.cc
  ${CMAKE_CURRENT_LIST_DIR}/buffer/*.cc
  ${CMAKE_CURRENT_LIST_DIR}/sources/docker_logs*.cc)
add_library(agent_forward STATIC ${AGENT_FORWARD_SOURCES})
target_include_directories(agent_forward PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)
target_link_libraries(agent_forward PUBLIC
  fleet agent_proto Snappy::snappy ZLIB::ZLIB Boost::boost
  cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
