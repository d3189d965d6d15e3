# Sources of the Philox stream fills (philox4x32-10/v1), added to the weightinit library
# (included from the root CMakeLists.txt). The SIMD kernels are compiled for their ISA in their
# own files only and chosen at run time (src/random/philox_isa.cpp).
target_sources(weightinit PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/philox_stream.cpp
  ${CMAKE_CURRENT_LIST_DIR}/deferred_draw.cpp
  ${CMAKE_CURRENT_LIST_DIR}/philox_isa.cpp
  ${CMAKE_CURRENT_LIST_DIR}/philox_scalar.cpp
  ${CMAKE_CURRENT_LIST_DIR}/philox_avx2.cpp
  ${CMAKE_CURRENT_LIST_DIR}/philox_avx512.cpp)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/philox_avx2.cpp
  PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/philox_avx512.cpp
  PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512dq;-mavx512bw;-mavx512vl;-mavx2;-mfma")
