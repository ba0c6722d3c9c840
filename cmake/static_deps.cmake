# Libraries an executable can take from their static archives instead of the shared objects:
# fleet-agent sets VPSFLEET_STATIC_DEPS on itself (why: agent/CMakeLists.txt); the controller
# and fleetctl keep the shared ones. Libraries link these names instead of the packages'
# targets; the choice is made per executable being linked, since $<TARGET_PROPERTY:...> in a
# link interface reads the consuming executable's property. Headers are the packages' (the same
# for both forms). ARCHIVES are file names, in link order.
function(vpsfleet_dependency name shared_target)
  set(archives)
  foreach(archive_name IN LISTS ARGN)
    find_library(VPSFLEET_${archive_name} NAMES ${archive_name} REQUIRED)
    list(APPEND archives ${VPSFLEET_${archive_name}})
  endforeach()
  # The expression names the package's target where the executable is, maybe another directory.
  set_target_properties(${shared_target} PROPERTIES IMPORTED_GLOBAL TRUE)
  add_library(${name} INTERFACE)
  set(static $<BOOL:$<TARGET_PROPERTY:VPSFLEET_STATIC_DEPS>>)
  target_link_libraries(${name} INTERFACE "$<${static}:${archives}>"
                                          "$<$<NOT:${static}>:${shared_target}>")
  target_include_directories(${name} INTERFACE
    $<TARGET_PROPERTY:${shared_target},INTERFACE_INCLUDE_DIRECTORIES>)
endfunction()
