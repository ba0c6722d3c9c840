# embed_files(TARGET NAME FILES...) generates a C++ source that holds each file's bytes, so the
# binaries carry their own copy of data that must not drift from the repository (e.g. the CRDs).
function(embed_files target symbol)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${symbol}.cc")
  set(files ${ARGN})
  string(REPLACE ";" "|" joined "${files}")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DSYMBOL=${symbol} "-DFILES=${joined}"
            -P "${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake"
    DEPENDS ${files} "${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake"
    COMMENT "Embedding ${symbol}"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
