/* A valid WASI reactor without ITK-Wasm's exports. */
int answer(void) { return 42; }
