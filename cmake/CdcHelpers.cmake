# Warnings for cdc-agent's own targets only; generated code and system headers
# keep their own settings.
function(cdc_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor)
  # g++ 12 at -O3 reports std::string concatenation inside libstdc++ as
  # overlapping memcpy (a known false -Wrestrict in its headers).
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  if(CDC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# cdc_add_test(NAME name LABEL unit|integration|fault SOURCES ... [LIBS ...])
# One executable per test file, registered with ctest under its label so that
# `ctest -L unit` runs without servers.
function(cdc_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${T_NAME} PRIVATE
    CDC_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CDC_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    CDC_BINARY_DIR="${PROJECT_BINARY_DIR}")
  cdc_target_warnings(${T_NAME})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT})
endfunction()
