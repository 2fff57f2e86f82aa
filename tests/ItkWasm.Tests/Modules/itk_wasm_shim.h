/* The ITK-Wasm memory-I/O exports (ITKWASM-SPEC §1.1, §1.2) for the project's own small WASI test modules.
 * A module includes this header, links itk_wasm_shim.c, reads its inputs with shim_input_* and registers outputs
 * with shim_set_output_* before main returns. */
#ifndef ITK_WASM_SHIM_H
#define ITK_WASM_SHIM_H
#include <stddef.h>
#include <stdint.h>

/* The JSON written for input `index`, or NULL; `size` receives its length (as the host allocated it). */
const char *shim_input_json(uint32_t index, size_t *size);
/* The bytes written for input array (`index`, `sub`), or NULL; `size` receives their length. */
const void *shim_input_array(uint32_t index, uint32_t sub, size_t *size);
/* Registers output `index`'s JSON; the memory must stay valid until itk_wasm_delayed_exit. */
void shim_set_output_json(uint32_t index, const char *json, size_t size);
/* Registers output array (`index`, `sub`). */
void shim_set_output_array(uint32_t index, uint32_t sub, const void *data, size_t size);
/* Prints `description` and exits 0 when argv holds --interface-json, as ITK_WASM_PARSE does (ITKWASM-SPEC §1.9). */
void shim_interface_json(int argc, char **argv, const char *description);
#endif
