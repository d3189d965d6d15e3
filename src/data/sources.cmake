# Sources of the data layer (IDX reader, Fashion-MNIST, synthetic data, DataLoader), added to
# the weightinit library (included from the root CMakeLists.txt). zlib inflates the .gz files.
find_package(ZLIB REQUIRED)
target_sources(weightinit PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/idx.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dataset.cpp
)
target_link_libraries(weightinit PRIVATE ZLIB::ZLIB)
