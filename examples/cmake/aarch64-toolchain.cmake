# Cross-compiling the example for 64-bit Arm Linux with Debian's gcc-aarch64-linux-gnu (run the
# result with qemu-aarch64 -L /usr/aarch64-linux-gnu). strata_add_model compiles for aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
# Programs (Strata's tools) and packages (Strata's CMake files) from the build machine, libraries
# and headers from the target's root.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
