# Sources of the nn layer kernels, added to the weightinit library (included from the root
# CMakeLists.txt).
target_sources(weightinit PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/functional/common.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/linear.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/im2col.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/conv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/pool_shape.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/norm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/activation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/dropout.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/embedding.cpp
  ${CMAKE_CURRENT_LIST_DIR}/functional/shape.cpp
)

# Matrix products (linear, conv via im2col) go through cblas_sgemm of the system BLAS; on Debian
# libblas.so.3 is OpenBLAS when libopenblas-dev is installed. OpenMP splits the loops of the
# pooling, im2col and element-wise kernels across cores.
find_package(BLAS REQUIRED)
find_package(OpenMP REQUIRED)
target_link_libraries(weightinit PRIVATE BLAS::BLAS OpenMP::OpenMP_CXX)
