# Sources of the Philox stream fills (philox4x32-10/v1), added to the weightinit library
# (included from the root CMakeLists.txt).
target_sources(weightinit PRIVATE ${CMAKE_CURRENT_LIST_DIR}/philox_stream.cpp)
