# Sources of the losses and optimizers (weightinit/train), added to the weightinit library
# (included from the root CMakeLists.txt).
target_sources(weightinit PRIVATE ${CMAKE_CURRENT_LIST_DIR}/loss.cpp ${CMAKE_CURRENT_LIST_DIR}/optimizer.cpp)
