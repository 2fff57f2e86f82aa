/* negate IN OUT [--spin] [--sleep-ms N]: a uint8 image in, 255 - x out; --spin never finishes, --sleep-ms idles N ms
 * first (a slow item that costs no CPU). Checks the memory layout the host wrote (ITKWASM-SPEC §1.6): the
 * pixel buffer in array 0 with one byte per pixel and component, the D×D float64 direction in array 1. */
#include "itk_wasm_shim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long number_after(const char *json, const char *key) {
  const char *at = strstr(json, key);
  return at == NULL ? -1 : strtol(at + strlen(key), NULL, 10);
}

static const char *description =
    "{\"description\":\"Inverts a uint8 image.\",\"name\":\"negate\",\"version\":\"1.0.0\","
    "\"inputs\":[{\"description\":\"Input image\",\"name\":\"input\",\"type\":\"INPUT_IMAGE\",\"required\":true,"
    "\"itemsExpected\":1,\"itemsExpectedMin\":1,\"itemsExpectedMax\":1}],"
    "\"outputs\":[{\"description\":\"Negated image\",\"name\":\"negated\",\"type\":\"OUTPUT_IMAGE\",\"required\":true,"
    "\"itemsExpected\":1,\"itemsExpectedMin\":1,\"itemsExpectedMax\":1}],\"parameters\":[{\"description\":\"Never finish\","
    "\"name\":\"spin\",\"type\":\"BOOL\",\"required\":false,\"itemsExpected\":0,\"itemsExpectedMin\":0,\"itemsExpectedMax\":0},"
    "{\"description\":\"Idle this many milliseconds first\",\"name\":\"sleep-ms\",\"type\":\"UINT32\",\"required\":false,"
    "\"itemsExpected\":1,\"itemsExpectedMin\":1,\"itemsExpectedMax\":1}]}";

int main(int argc, char **argv) {
  shim_interface_json(argc, argv, description);
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--spin") == 0) {
      volatile unsigned long spins = 0;
      for (;;) spins++;
    }
    if (strcmp(argv[i], "--sleep-ms") == 0 && i + 1 < argc) {
      long ms = strtol(argv[++i], NULL, 10);
      struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
      nanosleep(&pause, NULL);
    }
  }
  size_t json_size, data_size, direction_size;
  const char *json = shim_input_json(0, &json_size);
  if (json == NULL) { fputs("negate: no input image\n", stderr); return 2; }
  if (strstr(json, "\"componentType\":\"uint8\"") == NULL) { fputs("negate: the input must be uint8\n", stderr); return 2; }
  long dimension = number_after(json, "\"dimension\":");
  long components = number_after(json, "\"components\":");
  const char *size = strstr(json, "\"size\":[");
  long pixels = 1;
  for (const char *p = size + 8; dimension > 0 && *p != ']'; p++) {
    pixels *= strtol(p, (char **)&p, 10);
    if (*p == ']') break;
  }
  const unsigned char *data = shim_input_array(0, 0, &data_size);
  shim_input_array(0, 1, &direction_size);
  if ((long)data_size != pixels * components || (long)direction_size != dimension * dimension * 8) {
    fprintf(stderr, "negate: %zu data bytes for %ld pixels x %ld components, %zu direction bytes for dimension %ld\n",
            data_size, pixels, components, direction_size, dimension);
    return 2;
  }
  unsigned char *out = malloc(data_size);
  for (size_t i = 0; i < data_size; i++) out[i] = (unsigned char)(255 - data[i]);
  while (json_size > 0 && json[json_size - 1] == '\0') json_size--;
  shim_set_output_json(0, json, json_size);
  shim_set_output_array(0, 0, out, data_size);
  shim_set_output_array(0, 1, shim_input_array(0, 1, &direction_size), direction_size);
  fprintf(stdout, "negated %ld pixels\n", pixels);
  return 0;
}
