# Forwarding half of fleet-agent: remote write and Loki sinks, the Docker Engine API client and
# log source, the on-disk buffer (and the version stamp the sinks' User-Agent names). Included by
# agent/CMakeLists.txt, whose `agent` library links it; entry point agent/sinks/forwarder.h.

find_package(Snappy CONFIG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Boost REQUIRED)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # The clang build (VPSFLEET_FUZZ): Boost 1.74's Asio enables co_await under clang only with
  # libc++'s <experimental/coroutine>; clang 14 has C++20 coroutines with libstdc++'s <coroutine>,
  # which Asio then uses, but its awaitable.hpp needs <utility> that only gcc includes on the way.
  target_compile_definitions(Boost::boost INTERFACE BOOST_ASIO_HAS_CO_AWAIT=1
                             BOOST_ASIO_HAS_STD_COROUTINE=1)
  target_compile_options(Boost::boost INTERFACE -include utility)
endif()
vpsfleet_dependency(vpsfleet_snappy Snappy::snappy libsnappy.a)

if(NOT TARGET agent_proto)
  add_subdirectory(${CMAKE_CURRENT_LIST_DIR}/../proto ${CMAKE_BINARY_DIR}/proto)
endif()

file(GLOB AGENT_FORWARD_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_LIST_DIR}/docker/*.cc
  ${CMAKE_CURRENT_LIST_DIR}/sinks/*.cc
  ${CMAKE_CURRENT_LIST_DIR}/buffer/*.cc
  ${CMAKE_CURRENT_LIST_DIR}/sources/docker_logs*.cc
  ${CMAKE_CURRENT_LIST_DIR}/version.cc)  # the sinks' User-Agent names the agent's version
add_library(agent_forward STATIC ${AGENT_FORWARD_SOURCES})
target_include_directories(agent_forward PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)
target_link_libraries(agent_forward PUBLIC
  fleet_core agent_proto vpsfleet_snappy vpsfleet_zlib Boost::boost vpsfleet_ssl Threads::Threads)
# The sinks read the agent's config types (agent/config.h); the two static libraries depend on
# each other, which CMake resolves by repeating them on the link line.
target_link_libraries(agent_forward PUBLIC agent)
