# fleet-agent-bundle: the agent with its shared libraries and loader, as the controller installs
# it on hosts (see make-bundle.sh), stamped with the project version; built into
# ${PROJECT_BINARY_DIR}/agent-bundle.
set(FLEET_AGENT_BUNDLE_DIR ${PROJECT_BINARY_DIR}/agent-bundle)
add_custom_command(
  OUTPUT ${FLEET_AGENT_BUNDLE_DIR}/MANIFEST
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/make-bundle.sh $<TARGET_FILE:fleet-agent>
          ${CMAKE_CURRENT_LIST_DIR}/fleet-supervise.sh ${FLEET_AGENT_BUNDLE_DIR} ${PROJECT_VERSION}
  DEPENDS fleet-agent ${CMAKE_CURRENT_LIST_DIR}/make-bundle.sh
          ${CMAKE_CURRENT_LIST_DIR}/fleet-supervise.sh
  COMMENT "Bundling fleet-agent with its libraries and loader"
  VERBATIM)
add_custom_target(fleet-agent-bundle ALL DEPENDS ${FLEET_AGENT_BUNDLE_DIR}/MANIFEST)
