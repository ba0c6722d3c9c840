# Forwarding half of fleet-agent (issue 5): remote write and Loki sinks, the Docker Engine API
# client and log source, the on-disk buffer. Owned by the forwarding engineer.
#
# TO THE OWNER OF agent/CMakeLists.txt: add `include(forward.cmake)` near the top and link the
# library it defines into the agent:  target_link_libraries(agent PUBLIC agent_forward)
# Wiring in agent/daemon.cc (RunDaemon), entry point agent/sinks/forwarder.h:
#   auto forwarder = agent::Forwarder::Create(config);        // parses remoteWrite/loki/buffer
#   if (!forwarder.ok()) { spdlog::error(...); return 2; }
#   (*forwarder)->Start([&] { auto f = scraper.Scrape(); self.Gather(&f); SortAndMerge(&f); return f; });
#   in the /metrics handler: (*forwarder)->Collect(&families);  on shutdown: (*forwarder)->Stop();
# and in Validate (check-config): return agent::ParseForwardConfig(config.sections).status();

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
  ${CMAKE_CURRENT_LIST_DIR}/sources/docker_logs*.cc
  ${CMAKE_CURRENT_LIST_DIR}/version.cc)  # the sinks' User-Agent names the agent's version
add_library(agent_forward STATIC ${AGENT_FORWARD_SOURCES})
target_include_directories(agent_forward PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)
target_link_libraries(agent_forward PUBLIC
  fleet agent_proto Snappy::snappy ZLIB::ZLIB Boost::boost
  cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
# The sinks read the agent's config types (agent/config.h); the two static libraries depend on
# each other, which CMake resolves by repeating them on the link line.
target_link_libraries(agent_forward PUBLIC agent)
