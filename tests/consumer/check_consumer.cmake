# ctest script: install weightinit into a scratch prefix, build tests/consumer against it with
# find_package(weightinit CONFIG REQUIRED), run it, and check it prints torch's values.
# Inputs: SOURCE_DIR, WORK_DIR, CMAKE_BUILD_TYPE.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/lib -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    -DWEIGHTINIT_BUILD_TESTS=OFF -DWEIGHTINIT_BUILD_EXAMPLES=OFF -DWEIGHTINIT_BUILD_BENCH=OFF
    -DCMAKE_INSTALL_PREFIX=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/lib -j 2)
run(${CMAKE_COMMAND} --install ${WORK_DIR}/lib)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/app
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/app)
run(${WORK_DIR}/app/consumer)
# torch.manual_seed(0); torch.rand(3) prints tensor([0.4963, 0.7682, 0.0885])
if(NOT last_output MATCHES "tensor\\(\\[0\\.4963, 0\\.7682, 0\\.0885\\]\\)")
  message(FATAL_ERROR "consumer printed: ${last_output}")
endif()
message(STATUS "consumer OK: ${last_output}")
