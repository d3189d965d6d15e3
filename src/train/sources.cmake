# Sources of the losses, optimizers and trainer (weightinit/train), added to the weightinit
# library (included from the root CMakeLists.txt).
target_sources(weightinit PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/loss.cpp
  ${CMAKE_CURRENT_LIST_DIR}/optimizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/progress.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compare.cpp
)
