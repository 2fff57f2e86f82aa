/* ITK-Wasm's exports, as src/itkWasmExports.cxx and src/initialization.cxx define them (ITKWASM-SPEC §1.2):
 * inputs are allocated by the host before itk_wasm_delayed_start runs main; outputs are read after it returns and
 * before itk_wasm_delayed_exit, which ends with proc_exit for a non-zero code. The memory index is ignored. */
#include "itk_wasm_shim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#define SLOTS 16
#define EXPORT(name) __attribute__((export_name(#name)))

static char *input_json[SLOTS];
static size_t input_json_size[SLOTS];
static void *input_array[SLOTS][SLOTS];
static size_t input_array_size[SLOTS][SLOTS];
static const char *output_json[SLOTS];
static size_t output_json_size[SLOTS];
static const void *output_array[SLOTS][SLOTS];
static size_t output_array_size[SLOTS][SLOTS];

static void check(uint32_t index, uint32_t sub) {
  if (index >= SLOTS || sub >= SLOTS) __builtin_trap();
}

EXPORT(itk_wasm_input_array_alloc)
size_t itk_wasm_input_array_alloc(uint32_t memory, uint32_t index, uint32_t sub, size_t size) {
  check(index, sub);
  free(input_array[index][sub]);
  input_array[index][sub] = size == 0 ? NULL : calloc(size, 1);
  input_array_size[index][sub] = size;
  return (size_t)input_array[index][sub];
}

EXPORT(itk_wasm_input_json_alloc)
size_t itk_wasm_input_json_alloc(uint32_t memory, uint32_t index, size_t size) {
  check(index, 0);
  free(input_json[index]);
  input_json[index] = calloc(size + 1, 1);
  input_json_size[index] = size;
  return (size_t)input_json[index];
}

EXPORT(itk_wasm_output_json_address)
size_t itk_wasm_output_json_address(uint32_t memory, uint32_t index) {
  check(index, 0);
  if (output_json[index] == NULL) __builtin_trap(); /* ITK-Wasm dereferences a null pointer here */
  return (size_t)output_json[index];
}

EXPORT(itk_wasm_output_json_size)
size_t itk_wasm_output_json_size(uint32_t memory, uint32_t index) {
  check(index, 0);
  if (output_json[index] == NULL) __builtin_trap();
  return output_json_size[index];
}

EXPORT(itk_wasm_output_array_address)
size_t itk_wasm_output_array_address(uint32_t memory, uint32_t index, uint32_t sub) {
  check(index, sub);
  return (size_t)output_array[index][sub];
}

EXPORT(itk_wasm_output_array_size)
size_t itk_wasm_output_array_size(uint32_t memory, uint32_t index, uint32_t sub) {
  check(index, sub);
  return output_array_size[index][sub];
}

EXPORT(itk_wasm_free_all)
void itk_wasm_free_all(void) {}

extern int __main_void(void);

EXPORT(itk_wasm_delayed_start)
int itk_wasm_delayed_start(void) { return __main_void(); }

EXPORT(itk_wasm_delayed_exit)
void itk_wasm_delayed_exit(int return_code) {
  memset(output_json, 0, sizeof output_json); /* like ITK-Wasm's destructors: outputs are gone afterwards */
  if (return_code != 0) __wasi_proc_exit(return_code);
}

const char *shim_input_json(uint32_t index, size_t *size) {
  check(index, 0);
  *size = input_json_size[index];
  return input_json[index];
}

const void *shim_input_array(uint32_t index, uint32_t sub, size_t *size) {
  check(index, sub);
  *size = input_array_size[index][sub];
  return input_array[index][sub];
}

void shim_set_output_json(uint32_t index, const char *json, size_t size) {
  check(index, 0);
  output_json[index] = json;
  output_json_size[index] = size;
}

void shim_set_output_array(uint32_t index, uint32_t sub, const void *data, size_t size) {
  check(index, sub);
  output_array[index][sub] = data;
  output_array_size[index][sub] = size;
}

void shim_interface_json(int argc, char **argv, const char *description) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--interface-json") == 0) {
      puts(description);
      exit(0);
    }
  }
}
