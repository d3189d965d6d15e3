# Sources of the safetensors reader and writer, added to the weightinit library (included from
# the root CMakeLists.txt). nlohmann_json is header-only and used privately.
find_package(nlohmann_json 3 REQUIRED)
target_sources(weightinit PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/safetensors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/atomic_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sharded_writer.cpp
)
target_link_libraries(weightinit PRIVATE nlohmann_json::nlohmann_json)
