# Sources of the init search (issue #11), added to the weightinit library (included from the
# root CMakeLists.txt).
target_sources(weightinit PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/space.cpp
  ${CMAKE_CURRENT_LIST_DIR}/search.cpp
)
