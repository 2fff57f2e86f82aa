/* echo IN... OUT... [--memory-io]: output k is input k, unchanged. Numeric positionals are memory-I/O indices: the
 * input's JSON (trimmed of a trailing NUL) and every array are handed back as output k. Other positionals are file
 * paths: input file k is copied to output file k. --interface-json prints a description and exits 0. */
#include "itk_wasm_shim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *description =
    "{\"description\":\"Returns its inputs unchanged.\",\"name\":\"echo\",\"version\":\"1.0.0\","
    "\"inputs\":[{\"description\":\"input\",\"name\":\"input\",\"type\":\"INPUT_IMAGE\",\"required\":true,"
    "\"itemsExpected\":1,\"itemsExpectedMin\":1,\"itemsExpectedMax\":1}],"
    "\"outputs\":[{\"description\":\"output\",\"name\":\"output\",\"type\":\"OUTPUT_IMAGE\",\"required\":true,"
    "\"itemsExpected\":1,\"itemsExpectedMin\":1,\"itemsExpectedMax\":1}],"
    "\"parameters\":[{\"description\":\"Use memory I/O\",\"name\":\"memory-io\",\"type\":\"BOOL\",\"required\":false,"
    "\"itemsExpected\":0,\"itemsExpectedMin\":0,\"itemsExpectedMax\":0,\"default\":\"false\"},"
    "{\"description\":\"Factor\",\"name\":\"factor\",\"type\":\"FLOAT\",\"required\":false,"
    "\"itemsExpected\":1,\"itemsExpectedMin\":1,\"itemsExpectedMax\":1,\"default\":\"2.5\"}]}";

static int copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb");
  if (in == NULL) { fprintf(stderr, "cannot open %s\n", from); return 1; }
  FILE *out = fopen(to, "wb");
  if (out == NULL) { fprintf(stderr, "cannot create %s\n", to); fclose(in); return 1; }
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, in)) > 0) fwrite(buffer, 1, n, out);
  fclose(in);
  fclose(out);
  return 0;
}

int main(int argc, char **argv) {
  shim_interface_json(argc, argv, description);
  const char *positional[32];
  int count = 0;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-') continue;
    if (count < 32) positional[count++] = argv[i];
  }
  if (count % 2 != 0) { fprintf(stderr, "echo needs as many outputs as inputs, got %d positionals\n", count); return 2; }
  for (int k = 0; k < count / 2; k++) {
    const char *in = positional[k], *out = positional[k + count / 2];
    if (in[0] < '0' || in[0] > '9') {
      if (copy_file(in, out) != 0) return 1;
      continue;
    }
    uint32_t from = (uint32_t)atoi(in), to = (uint32_t)atoi(out);
    size_t size;
    const char *json = shim_input_json(from, &size);
    if (json != NULL) {
      while (size > 0 && json[size - 1] == '\0') size--;
      shim_set_output_json(to, json, size);
    }
    for (uint32_t sub = 0; sub < 16; sub++) {
      const void *data = shim_input_array(from, sub, &size);
      if (data != NULL) shim_set_output_array(to, sub, data, size);
    }
  }
  return 0;
}
