# ctest script: install weightinit into a scratch prefix, build tests/consumer against it with
# find_package(weightinit CONFIG REQUIRED), run its two programs (the whole library, and
# weightinit::core alone), and check they print torch's values.
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

# weightinit::core alone: the same draws, then torch.nn.init.xavier_uniform_(torch.empty(2, 2))
# prints tensor([[-0.9013, -0.4717], [ 0.3284, -0.0243]]) after them.
run(${WORK_DIR}/app/consumer_core)
if(NOT last_output MATCHES "tensor\\(\\[0\\.4963, 0\\.7682, 0\\.0885\\]\\)" OR
   NOT last_output MATCHES "-0\\.9013, -0\\.4717\\],.*0\\.3284, -0\\.0243")
  message(FATAL_ERROR "consumer_core printed: ${last_output}")
endif()
# Linking only the core layer leaves the upper layers' libraries out: no zlib (data), no
# nlohmann_json-using code (io), no BLAS kernels of nn.
execute_process(COMMAND nm -C ${WORK_DIR}/app/consumer_core OUTPUT_VARIABLE core_symbols)
foreach(upper "weightinit::nn::" "weightinit::io::" "weightinit::data::" "weightinit::recipes::")
  string(FIND "${core_symbols}" "${upper}" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "consumer_core links code of ${upper} though it uses only weightinit::core")
  endif()
endforeach()
message(STATUS "consumer_core OK: ${last_output}")
