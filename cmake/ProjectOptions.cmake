# One interface target that carries the project's warning policy and, in the
# test build, the sanitizers. Every ptalk target links it.
add_library(ptalk_options INTERFACE)
target_compile_features(ptalk_options INTERFACE cxx_std_20)
target_compile_options(ptalk_options INTERFACE
    -Wall -Wextra -Wconversion -Wshadow -Wpedantic -Werror
    # GCC 12 misreads Asio's coroutine frame allocator as a new/delete mismatch.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>
    # GCC 12.2 at -O3 (Release) warns falsely on std::string's operator+ (GCC bug 105329).
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<CONFIG:Release>>:-Wno-restrict>)
target_compile_definitions(ptalk_options INTERFACE
    BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)

option(PTALK_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(PTALK_SANITIZE)
    target_compile_options(ptalk_options INTERFACE
        -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(ptalk_options INTERFACE -fsanitize=address,undefined)
endif()

option(PTALK_FUZZ "Build libFuzzer targets (needs clang)" OFF)

# ptalk_add_test(NAME name SOURCES a.cpp ... LIBS lib ... [LABELS l ...])
function(ptalk_add_test)
    cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main ptalk_options)
    gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${T_LABELS}")
endfunction()
