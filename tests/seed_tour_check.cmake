# ctest script for the seed tour. Runs PROGRAM and checks that
#  1. its output equals TORCH_TEXT exactly (what PyTorch prints for the same calls), and
#  2. its tensors, with whitespace removed, equal the tensors printed in the seed document
#     (DOCUMENT_TEXT; lines starting with '#' are comments), in order.
execute_process(COMMAND ${PROGRAM} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "seed_tour exited with ${rc}: ${err}")
endif()
file(READ ${TORCH_TEXT} torch_text)
if(NOT out STREQUAL torch_text)
  message(FATAL_ERROR "seed_tour output differs from PyTorch's:\n--- weightinit\n${out}\n--- PyTorch\n${torch_text}")
endif()

function(tensors_without_space text result)
  string(REGEX REPLACE "#[^\n]*\n" "" text "${text}")
  string(REGEX REPLACE "[ \t\r\n]" "" text "${text}")
  set(${result} "${text}" PARENT_SCOPE)
endfunction()
file(READ ${DOCUMENT_TEXT} document_text)
tensors_without_space("${out}" ours)
tensors_without_space("${document_text}" document)
if(NOT ours STREQUAL document)
  message(FATAL_ERROR "seed_tour tensors differ from the seed document's:\n${ours}\n${document}")
endif()
string(REGEX MATCHALL "tensor\\(" count "${ours}")
list(LENGTH count n)
message(STATUS "seed tour: all ${n} tensors equal PyTorch's output and the seed document's")
