# strata_add_model(<target> <model> NAME <symbol prefix> [TARGET_ARCH <target>]
#                  [INPUT_SHAPES NAME=D0,D1,... ...] [TUNING_LOG <log>] [OPTIONS <strata compile flags>...])
#
# Compiles <model> (.onnx, .json, .mlir) ahead of time with `strata compile` at build time into a
# static library target <target>: link it (target_link_libraries(app PRIVATE <target>)) and
# include "<NAME>.h". The library is compiled again only when the model, the tuning log or the
# strata tool changes. TARGET_ARCH is a Strata target: host (the default: this machine's CPU),
# x86-64, x86-64-avx2, x86-64-avx512, aarch64 (the default when cross-compiling for aarch64 with
# a toolchain file), opencl, cuda-sm80, cuda-sm90.
function(strata_add_model target model)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "" "NAME;TARGET_ARCH;TUNING_LOG" "INPUT_SHAPES;OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "strata_add_model(${target}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_NAME)
    message(FATAL_ERROR "strata_add_model(${target}): NAME <symbol prefix> is required")
  endif()
  if(NOT ARG_TARGET_ARCH)
    if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
      set(ARG_TARGET_ARCH aarch64)
    else()
      set(ARG_TARGET_ARCH host)
    endif()
  endif()
  get_filename_component(model "${model}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/strata_models/${target}")
  set(out "${dir}/${ARG_NAME}")
  set(args compile "${model}" -o "${out}" --name "${ARG_NAME}" --target "${ARG_TARGET_ARCH}")
  foreach(shape IN LISTS ARG_INPUT_SHAPES)
    list(APPEND args --input-shape "${shape}")
  endforeach()
  set(depends "${model}" "$<TARGET_FILE:Strata::strata>")
  if(ARG_TUNING_LOG)
    get_filename_component(log "${ARG_TUNING_LOG}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND args --tuning-log "${log}")
    list(APPEND depends "${log}")
  endif()
  list(APPEND args ${ARG_OPTIONS})
  file(MAKE_DIRECTORY "${dir}")
  add_custom_command(
    OUTPUT "${out}.a" "${out}.h"
    COMMAND Strata::strata ${args}
    DEPENDS ${depends}
    COMMENT "Strata: compiling ${model} for ${ARG_TARGET_ARCH} (${ARG_NAME}.a, ${ARG_NAME}.h)"
    VERBATIM)
  add_custom_target(${target}_compile DEPENDS "${out}.a" "${out}.h")
  # The archive, its header's folder, and what the archive links with.
  add_library(${target} INTERFACE)
  target_link_libraries(${target} INTERFACE "${out}.a" Threads::Threads m ${CMAKE_DL_LIBS})
  target_include_directories(${target} INTERFACE "${dir}")
  add_dependencies(${target} ${target}_compile)
endfunction()
